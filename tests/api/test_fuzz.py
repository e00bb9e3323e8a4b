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
PER_OPERATION = 10  # per operation, mode and token in the sweep of every operation
REAL_EXAMPLES = 20  # per path with real ids and token


def _fuzz(examples: int):
    return settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


RESULTS = "/api/v1/cycles/{cycle_id}/results"
ITEM = "/api/v1/cycles/{cycle_id}/units/{unit_id}/self-report/{code}"
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


@pytest.fixture(
    params=[("admin", "read"), ("reporter", "read"), ("admin", "write"), ("reporter", "write")],
    ids="-".join,
)
def bearer(request, app, world):  # noqa: F811 (world is the imported fixture)
    role, scope = request.param
    with app.app_context():
        database.connect(reuse_if_open=True)
        user = User.get(User.username == ROLE_USERS[role])
        secret = tokens.create_token(user, "fuzz", scope, 30, actor=None).secret
        database.close()
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def api_schema(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    checks = schema.config.checks
    # A well-formed write can still meet a state it does not fit: 412 when the version it
    # names is no longer current (as 409 when the cycle is closed), 422 when the value is
    # text the indicator does not take (a rate, a grade: the document says "a string").
    checks.positive_data_acceptance.expected_statuses = [
        *checks.positive_data_acceptance.expected_statuses,
        "412",
        "422",
    ]
    # A write without its required If-Match is answered 428 Precondition Required (RFC 6585).
    checks.missing_required_header.expected_statuses = [
        *checks.missing_required_header.expected_statuses,
        "428",
    ]
    return schema


def _run(strategy, bearer: dict, examples: int = EXAMPLES) -> list[tuple[str, int]]:
    seen: list[tuple[str, int]] = []

    @_fuzz(examples)
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
    seen: list[tuple[str, int]] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    for operation in operations:
        strategy = operation.as_strategy(generation_mode=mode)
        seen += _run(strategy, bearer, PER_OPERATION)
    assert len(operations) >= 14 and {path for path, _ in seen} >= {RESULTS, ITEM}
    assert all(status < 500 for _, status in seen)


@pytest.mark.parametrize("path", sorted(REAL_DATA))
def test_real_data_answers_as_documented(api_schema, bearer, world, path):  # noqa: F811
    operation = api_schema[path]["GET"]
    strategy = operation.as_strategy(path_parameters=REAL_DATA[path](world))
    statuses = {status for _, status in _run(strategy, bearer, REAL_EXAMPLES)}
    # Valid pages of real rows (or the policy's refusal): the schema check ran on them.
    assert statuses & {200, 403}


@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_the_reporters_own_items_answer_as_documented(api_schema, bearer, world, method):  # noqa: F811
    operation = api_schema[ITEM][method]
    strategy = operation.as_strategy(
        path_parameters={"cycle_id": world.open_cycle, "unit_id": world.unit_a, "code": "A1"}
    )
    statuses = {status for _, status in _run(strategy, bearer)}
    # Real items were read (200) or refused for a reason the document gives, never a 500.
    assert statuses and max(statuses) < 500
    if method == "GET":
        assert 200 in statuses
