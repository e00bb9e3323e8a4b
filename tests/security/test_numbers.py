"""Numbers at the edges in every numeric form field: NaN, ±Infinity, 1e999999 and integers
too large for the database. Each is refused with a message or ignored, never a server error,
and nothing non-finite or out of range reaches the database."""

from __future__ import annotations

from decimal import Decimal

from assess.cycles.models import Assignment, Cycle, Submission
from assess.nominations.models import NominationRound

HUGE_INT = "99999999999999999999"
DECIMAL_EDGES = ["NaN", "sNaN", "Infinity", "-Infinity", "1e999999", "-1e999999", HUGE_INT]


def _finite(value) -> bool:
    return value is None or Decimal(value).is_finite()


def test_cycle_and_override_numbers(world, clients):
    admin = clients("admin")
    errors = []
    for year in (HUGE_INT, "-" + HUGE_INT, "0", "1e3"):
        data = {"year": year, "name": f"年度{year}", "shipped_set": "", "previous": "0"}
        status = admin.post("/cycles/new", data=data).status_code
        if status >= 500:
            errors.append(f"new cycle year={year}: {status}")
    assignment = Assignment.select().where(Assignment.cycle == world.draft_cycle).first()
    url = f"/cycles/{world.draft_cycle}/assignments/{assignment.id}"
    for value in DECIMAL_EDGES:
        for data in ({"target": value, "weight": "10"}, {"target": "1", "weight": value}):
            status = admin.post(url, data=data).status_code
            if status >= 500:
                errors.append(f"override {data}: {status}")
    assert not errors, "\n".join(errors)
    assert Cycle.select().where(Cycle.year > 2100).count() == 0
    for row in Assignment.select().where(Assignment.cycle == world.draft_cycle):
        assert _finite(row.target) and _finite(row.weight), (row.target, row.weight)
        # Within what the columns hold (numeric(14,4) and numeric(10,4)).
        assert row.target is None or abs(Decimal(row.target)) < 10**10
        assert row.weight is None or 0 < Decimal(row.weight) < 10**6


def test_review_numbers(world, clients):
    inspector = clients("inspector")
    sub = Submission.get_by_id(world.submission)
    url = f"/cycles/{world.open_cycle}/inspection/items/{sub.id}"
    errors = []
    for value in DECIMAL_EDGES:
        current = Submission.get_by_id(sub.id).version
        data = {
            "action": "verify",
            "version": str(current),
            "deduction": value,
            "deduction_reason": "原因",
        }
        status = inspector.post(url, data=data).status_code
        if status >= 500:
            errors.append(f"deduction={value}: {status}")
        status = inspector.post(url, data={"action": "verify", "version": value}).status_code
        if status >= 500:
            errors.append(f"version={value}: {status}")
    assert not errors, "\n".join(errors)
    for row in Submission.select():
        assert _finite(row.deduction), row.deduction
        assert row.deduction is None or abs(Decimal(row.deduction)) < 10**8  # numeric(10,2)


def test_nomination_round_numbers(world, clients):
    admin = clients("admin")
    base = {
        "year": "2031",
        "title": "边界",
        "window_opens": "2031-01-01",
        "window_closes": "2031-02-01",
        "top_n": "30",
        "reviewers_per_nomination": "1",
        "min_reviews": "1",
    }
    errors = []
    for name in ("year", "top_n", "cap_per_category", "reviewers_per_nomination", "min_reviews"):
        for value in (HUGE_INT, "-" + HUGE_INT):
            status = admin.post("/nominations/rounds/new", data=base | {name: value}).status_code
            if status >= 500:
                errors.append(f"round {name}={value}: {status}")
    ranking = f"/nominations/rounds/{world.round}/ranking"
    for name in ("top", "cap_per_category", "min_reviews"):
        data = {"top": "3", "min_reviews": "1"} | {name: HUGE_INT}
        status = admin.post(ranking, data=data).status_code
        if status >= 500:
            errors.append(f"ranking {name}={HUGE_INT}: {status}")
    criteria = f"/nominations/rounds/{world.round}/criteria"
    for value in DECIMAL_EDGES:
        data = {"rows-0-name": "事迹", "rows-0-guidance": "", "rows-0-weight": value}
        status = admin.post(criteria, data=data).status_code
        if status >= 500:
            errors.append(f"criteria weight={value}: {status}")
    assert not errors, "\n".join(errors)
    for round_ in NominationRound.select():
        assert round_.top_n < 10**6 and round_.reviewers_per_nomination < 10**3
