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


def _run(strategy, bearer: dict) -> list[tuple[str, int]]:
    seen: list[tuple[str, int]] = []

    @FUZZ
    @given(case=strategy)
    def exercise(case):
        # The token goes with the call, not into the generated case: schemathesis then
        # knows it is real (its ignored-auth check drops it and expects 401).
        response = case.call_and_validate(headers=bearer)
        seen.append((case.path, response.status_code))

    exercise()
    return seen


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_answers_as_documented(api_schema, bearer, mode):
    seen = _run(api_schema.as_strategy(generation_mode=mode), bearer)
    assert {path for path, _ in seen} >= {"/api/v1/units", "/api/v1/cycles", RESULTS}
    assert all(status < 500 for _, status in seen)


def test_published_results_answer_as_documented(api_schema, bearer, world):  # noqa: F811
    operation = api_schema[RESULTS]["GET"]
    strategy = operation.as_strategy(path_parameters={"cycle_id": world.published_cycle})
    statuses = {status for _, status in _run(strategy, bearer)}
    # Valid pages of a published cycle: the schema check ran on real result bodies.
    assert 200 in statuses
