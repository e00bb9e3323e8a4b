"""The API fuzzed against its own OpenAPI document by schemathesis.

Every operation of the served document gets generated requests (valid and invalid query
parameters, path ids that exist and ids that do not) in a world with an open, a draft and a
published cycle, sent with an office token and with a reporter's. The checks are
schemathesis' defaults for a response: never a 500, a status the document declares, the
declared content type, and a body that matches its schema. The seed is fixed
(``derandomize``) and the examples bounded, so CI sends the same requests every time.

The strategies are used with ``@given`` inside the test (schemathesis' documented way for
tests of their own), not through ``schemathesis.pytest.from_fixture``: that one rewrites a
private attribute of pytest's nodes which pytest 9 no longer has.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from assess.accounts import tokens
from assess.accounts.models import User
from assess.core.db import database
from tests.security.conftest import ROLE_USERS, world  # noqa: F401 (the fixture)

EXAMPLES = 40  # per strategy and token: a few hundred requests in a few seconds
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
RESULTS = "/api/v1/cycles/{cycle_id}/results"
# Paths whose ids the fuzz would rarely guess: each with the world's ids that hold data.
REAL_DATA = {
    RESULTS: lambda w: {"cycle_id": w.published_cycle},
    "/api/v1/indicator-sets/{cycle_id}/indicators": lambda w: {"cycle_id": w.open_cycle},
    "/api/v1/cycles/{cycle_id}/submissions": lambda w: {"cycle_id": w.open_cycle},
    "/api/v1/cycles/{cycle_id}/units/{unit_id}/self-report": lambda w: {
        "cycle_id": w.open_cycle,
        "unit_id": w.unit_a,
    },
    "/api/v1/nomination-rounds/{round_id}/awards": lambda w: {"round_id": w.round},
}


@pytest.fixture(params=["admin", "reporter"])
def bearer(request, app, world):  # noqa: F811 (world is the imported fixture)
    with app.app_context():
        database.connect(reuse_if_open=True)
        user = User.get(User.username == ROLE_USERS[request.param])
        secret = tokens.create_token(user, "fuzz", "read", 30, actor=None).secret
        database.close()
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def _run(strategy, examples: int = EXAMPLES) -> list[tuple[str, int]]:
    seen: list[tuple[str, int]] = []

    @settings(FUZZ, max_examples=examples)
    @given(case=strategy)
    def exercise(case):
        response = case.call_and_validate()
        seen.append((case.path, response.status_code))

    exercise()
    return seen


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_answers_as_documented(api_schema, bearer, mode):
    # The examples are shared by every operation of the document: as many per operation.
    operations = sum(len(methods) for methods in api_schema.raw_schema["paths"].values())
    strategy = api_schema.as_strategy(generation_mode=mode, headers=bearer)
    seen = _run(strategy, EXAMPLES * operations // 3)
    assert {path for path, _ in seen} >= {"/api/v1/units", "/api/v1/cycles", RESULTS}
    assert all(status < 500 for _, status in seen)


@pytest.mark.parametrize("path", sorted(REAL_DATA))
def test_real_data_answers_as_documented(api_schema, bearer, world, path):  # noqa: F811
    operation = api_schema[path]["GET"]
    strategy = operation.as_strategy(path_parameters=REAL_DATA[path](world), headers=bearer)
    statuses = {status for _, status in _run(strategy)}
    # Valid pages of real rows (or the policy's refusal): the schema check ran on them.
    assert statuses & {200, 403}
