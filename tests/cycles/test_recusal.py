"""Conflict of interest in inspection (回避): a reviewer from a unit, or from a unit above or
below it, neither sees its items in the queue nor may verify, deduct, return, demand or
close anything of it; the services refuse it inside their transactions, whoever calls."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from assess.accounts import users
from assess.accounts.models import User
from assess.core.enums import Role, SubmissionState, UnitKind
from assess.core.formatting import local_today
from assess.core.models import AuditEntry
from assess.core.policy import can
from assess.cycles import rectifications, submissions
from assess.cycles.models import Rectification, Submission
from assess.demo.units import DEMO_PASSWORD
from assess.units.models import _line_of
from tests.cycle_helpers import make_cycle, unit

# (id, parent, kind): a city over a county with a township and its community, a second
# county, and a department.
TREE = [
    (1, None, UnitKind.CITY),
    (2, 1, UnitKind.COUNTY),
    (3, 2, UnitKind.TOWNSHIP),
    (4, 3, UnitKind.COMMUNITY),
    (5, 1, UnitKind.COUNTY),
    (6, 1, UnitKind.DEPARTMENT),
    (7, 2, UnitKind.TOWNSHIP),
]


@pytest.mark.pure
@pytest.mark.parametrize(
    ("unit_id", "line"),
    [
        (2, {2, 3, 4, 7}),  # a county: itself and everything under it
        (3, {2, 3, 4}),  # a township: its county above, its community below, not its sibling
        (4, {2, 3, 4}),
        (5, {5}),
        (6, {6}),
        (1, set()),  # the city is the assessing body, not a party
        (99, set()),  # a unit that no longer exists
    ],
)
def test_line_of_a_unit(unit_id, line):
    assert _line_of(unit_id, TREE) == frozenset(line)


@pytest.mark.pure
def test_a_cycle_in_bad_data_does_not_hang():
    assert _line_of(2, [(2, 3, UnitKind.COUNTY), (3, 2, UnitKind.TOWNSHIP)]) == {2, 3}


def inspector_of(code: str | None) -> User:
    name = f"insp-{code or 'none'}"
    existing = User.get_or_none(User.username == name)
    if existing is not None:
        return existing
    return users.create_user(
        name, DEMO_PASSWORD, Role.INSPECTOR, unit(code) if code else None, display_name=name
    )


# (the inspector's unit, the unit under review, recused?) over the demo tree
RECUSALS = [
    ("410105", "410105", True),  # 金水区 reviewing itself
    ("410105-001", "410105", True),  # its township reviewing the county above
    ("410105", "410105-001-01", True),  # the county reviewing a community below it
    ("410105-001", "410105-002", False),  # sibling townships
    ("410105-001", "410103-001-01", False),  # another county's community
    ("410105", "410102", False),  # another county
    ("dept-rkjsw", "dept-rkjsw", True),
    ("dept-rkjsw", "dept-zzb", False),  # member departments side by side
    ("zz", "410105", False),  # the city itself
    (None, "410105", False),  # an inspector of no unit
]


@pytest.mark.parametrize(("mine", "theirs", "recused"), RECUSALS)
def test_who_recuses(demo, db, mine, theirs, recused):
    inspector = inspector_of(mine)
    assert unit(theirs).conflicts_with(inspector) is recused
    assert can(inspector, "rectifications.manage", unit(theirs)) is not recused


@pytest.fixture
def handed_in(demo, db):
    """An open cycle in which 金水区 and 中原区 submitted, with a demand to each."""
    cycle = make_cycle("open")
    demand_to = {}
    for code in ("410105", "410102"):
        reporter = User.get(User.username == f"r-{code}")
        u = unit(code)
        for indicator, value in (("A1", "90/100"), ("A2", "4"), ("B1", "优")):
            submissions.save_value(cycle, u, indicator, value, "", None, reporter)
        submissions.submit_unit(cycle, u, reporter)
        demand_to[code] = rectifications.demand(
            cycle, u, "补充材料", local_today() + timedelta(days=9), inspector_of(None)
        )
    return cycle, demand_to


def _a1(cycle, code: str) -> Submission:
    return Submission.get(
        Submission.cycle == cycle,
        Submission.unit == unit(code),
        Submission.indicator_code == "A1",
    )


ACTIONS = {
    "verify": lambda cycle, sub, rect, who: submissions.verify_item(sub, sub.version, who),
    "deduct": lambda cycle, sub, rect, who: submissions.verify_item(
        sub, sub.version, who, deduction=Decimal(2), deduction_reason="台账不全"
    ),
    "revalue": lambda cycle, sub, rect, who: submissions.verify_item(
        sub, sub.version, who, verified_value="80/100", reason="抽查不符"
    ),
    "return": lambda cycle, sub, rect, who: submissions.return_item(
        sub, "数据不一致", sub.version, who
    ),
    "demand": lambda cycle, sub, rect, who: rectifications.demand(
        cycle, sub.unit, "再次整改", local_today() + timedelta(days=5), who
    ),
    "close": lambda cycle, sub, rect, who: rectifications.close(rect, "已整改", who),
}
ERRORS = (submissions.SubmissionError, rectifications.RectificationError)


def _state(cycle, code: str) -> tuple:
    sub = _a1(cycle, code)
    rects = [
        (r.status, r.closing_note)
        for r in Rectification.select().where(Rectification.unit == unit(code))
    ]
    return sub.status, sub.version, sub.deduction, rects, AuditEntry.select().count()


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("mine", ["410105", "410105-001"])
def test_a_recused_inspector_is_refused_and_nothing_changes(handed_in, action, mine):
    cycle, demand_to = handed_in
    who = inspector_of(mine)
    before = _state(cycle, "410105")
    with pytest.raises(ERRORS, match="回避：金水区"):
        ACTIONS[action](cycle, _a1(cycle, "410105"), demand_to["410105"], who)
    assert _state(cycle, "410105") == before


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_the_same_inspector_works_on_other_units(handed_in, action):
    cycle, demand_to = handed_in
    who = inspector_of("410105")
    before = _state(cycle, "410102")
    ACTIONS[action](cycle, _a1(cycle, "410102"), demand_to["410102"], who)
    assert _state(cycle, "410102") != before


def test_the_policy_hides_own_units_items(handed_in):
    cycle, _demands = handed_in
    who = inspector_of("410105-001")
    own, other = _a1(cycle, "410105"), _a1(cycle, "410102")
    assert own.status == other.status == SubmissionState.SUBMITTED
    assert not can(who, "submissions.review", own)
    assert can(who, "submissions.review", other)
    assert can(inspector_of(None), "submissions.review", own)
