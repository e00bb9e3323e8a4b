"""The policy: every URL rule of the app × every role, the object predicates of
``can(user, action, obj)`` as tables, and a grep that keeps role checks out of views and
templates.

A route added without a policy fails here (the guard refuses it and this test names it).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from assess.accounts import tokens
from assess.accounts.models import User
from assess.core import policy
from assess.core.formatting import local_today

ROLES_TO_USERS = {
    "admin": "admin",
    "inspector": "inspector",
    "viewer": "viewer",
    "reporter": "r-410105",
    "office": "office-410105",  # 金水区's office: an admin scoped to the district's subtree
}


def _rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        yield rule


def _sample_url(rule, sample_ids):
    url = rule.rule
    for name in rule.arguments:
        value = sample_ids.get(name, 1)
        url = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(value), url)
    return url


def test_every_endpoint_declares_a_policy(app):
    missing = [
        rule.endpoint
        for rule in _rules(app)
        if policy.action_of(app.view_functions[rule.endpoint]) is None
    ]
    assert missing == []


@pytest.mark.parametrize("role", sorted(ROLES_TO_USERS))
def test_matrix(app, as_user, db, role):
    client = as_user(ROLES_TO_USERS[role])
    user = User.get(User.username == ROLES_TO_USERS[role])
    sample_ids = {"user_id": User.get(User.username == "viewer").id, "unit_id": 2, "code": "en"}
    # The API ignores the session: it is walked with a (write) token of the same person;
    # the revoke route gets another token of theirs.
    sample_ids["token_id"] = tokens.create_token(user, "revoked", "read", actor=None).token.id
    walk = tokens.create_token(user, "walk", "write", actor=None)
    bearer = {"Authorization": f"Bearer {walk.secret}"}
    failures = []
    for rule in _rules(app):
        action = policy.action_of(app.view_functions[rule.endpoint])
        if action == policy.PUBLIC:
            continue
        # The role's RULES, less the city's own work for a scoped office (CITY_ONLY_ACTIONS).
        allowed = policy.can(user, action)
        assert allowed == (
            user.role in policy.RULES[action]
            and (user.scope_unit_id is None or action not in policy.CITY_ONLY_ACTIONS)
        )
        url = _sample_url(rule, sample_ids)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if rule.endpoint == "auth.logout":
                continue  # would end the session mid-walk; covered in test_views_auth
            headers = bearer if url.startswith("/api/") else {}
            response = client.open(url, method=method, headers=headers)
            if allowed and response.status_code in (401, 403):
                failures.append(f"{method} {url}: {response.status_code}, expected access")
            if not allowed and response.status_code != 403:
                failures.append(f"{method} {url}: {response.status_code}, expected 403")
    assert failures == []


def test_anonymous_is_sent_to_login_or_refused(app, client):
    for rule in _rules(app):
        action = policy.action_of(app.view_functions[rule.endpoint])
        if action == policy.PUBLIC:
            continue
        url = _sample_url(rule, {})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            if method == "GET" and not url.startswith("/api/"):  # the API: 401, no page
                assert response.status_code == 302, url
                assert "/auth/login" in response.headers["Location"]
            else:
                assert response.status_code == 401, f"{method} {url}"


def test_reporter_sees_only_its_own_unit_in_the_tree(as_user):
    page = as_user("r-410105").get("/units/").data.decode()
    assert "金水区" in page and "经八路社区" in page
    assert "中原区" not in page and "市公安局" not in page


def test_security_headers(client):
    response = client.get("/auth/login")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_csrf_is_required_when_enabled(database_url, tmp_path):
    from tests.conftest import make_app

    app = make_app(database_url, tmp_path, WTF_CSRF_ENABLED=True)
    from assess.core.db import database
    from assess.ops import migrations

    with app.app_context():
        database.connect(reuse_if_open=True)
        migrations.upgrade()
        database.close()
    response = app.test_client().post("/auth/login", data={"username": "a", "password": "b"})
    assert response.status_code == 400
    assert "安全令牌" in response.data.decode()


def test_huge_ids_are_not_found(as_user):
    admin = as_user("admin")
    for url in (
        "/cycles/99999999999999999999999",
        "/admin/users/4294967296",
        "/evidence/100000000000000000000000",
    ):
        assert admin.get(url).status_code == 404, url


# --- object predicates: can(user, action, obj) -----------------------------------------------
# Pure tables over stand-in objects: the predicates are duck-typed, so the tables say exactly
# which attributes decide. Every row lists the people who may; everyone else may not.

PEOPLE = {
    "admin": ("admin", None),
    "inspector": ("inspector", 7),  # works for unit 7: its nominations are a conflict
    "viewer": ("viewer", None),
    "reporter": ("reporter", 1),  # unit 1 owns the objects below
    "other": ("reporter", 2),
}


def person(name: str, active: bool = True) -> SimpleNamespace:
    role, unit_id = PEOPLE[name]
    return SimpleNamespace(
        is_authenticated=True,
        is_active=active,
        role=role,
        unit_id=unit_id,
        id=list(PEOPLE).index(name) + 1,
    )


def notification(recipient: str) -> SimpleNamespace:
    """A Notification addressed to one of PEOPLE."""
    return SimpleNamespace(user_id=person(recipient).id)


def cycle(
    state: str,
    due: date | None = None,
    assessed: tuple[int, ...] = (1, 2),
    owner_id: int | None = None,
) -> SimpleNamespace:
    """A cycle run by ``owner_id``'s office (None: the city's) whose indicator set applies to
    the units ``assessed`` and whose 自评截止 for every unit is ``due`` (None: no deadline)."""
    return SimpleNamespace(
        state=state,
        owner_id=owner_id,
        assesses=lambda unit_id: unit_id in assessed,
        self_report_due_for=lambda unit_id: due,
    )


def line(
    state: str, status: str | None, unit_id: int = 1, due: date | None = None
) -> SimpleNamespace:
    """A self-report Item or Submission; ``status=None`` is a whole SelfReport."""
    obj = SimpleNamespace(cycle=cycle(state, due), unit_id=unit_id)
    if status is not None:
        obj.status = status
    return obj


def appeal_scope(state: str, days_left: int | None, unit_id: int = 1) -> SimpleNamespace:
    """A unit's SelfReport in a cycle whose appeal deadline is ``days_left`` away (None: no
    deadline set; -1: yesterday)."""
    due = None if days_left is None else local_today() + timedelta(days=days_left)
    return SimpleNamespace(cycle=SimpleNamespace(state=state, appeal_due=due), unit_id=unit_id)


def appeal(state: str, unit_id: int = 1, cycle_state: str = "published") -> Recusable:
    return Recusable(state=state, unit_id=unit_id, cycle=SimpleNamespace(state=cycle_state))


class FakeRound(SimpleNamespace):
    """A NominationRound (``owner_id``, ``covers``): the city's takes every unit; an office's
    the units below its owner in SUBTREES."""

    def covers(self, unit_id) -> bool:
        if unit_id is None:
            return False
        return self.owner_id is None or (
            unit_id != self.owner_id and unit_id in SUBTREES.get(self.owner_id, ())
        )


class FakeNomination(SimpleNamespace):
    def conflicts_with(self, user) -> bool:
        return user.unit_id == self.unit_id or user.unit_id in self.declared

    def sheet_of(self, user):
        return "sheet" if user.unit_id in self.sheets else None


def nomination(
    status="submitted", unit_id=1, sheets=(7,), declared=(), window=True
) -> FakeNomination:
    round_ = FakeRound(window_open=lambda: window, owner_id=None)  # the city's round
    return FakeNomination(
        status=status, unit_id=unit_id, sheets=sheets, declared=declared, round=round_
    )


class Recusable(SimpleNamespace):
    """A Submission, Unit or Rectification: the reviewer's own unit is a conflict (回避)."""

    def conflicts_with(self, user) -> bool:
        return user.unit_id == self.unit_id


def item(status: str, unit_id: int = 1) -> Recusable:
    return Recusable(status=status, unit_id=unit_id)


def rectification(state: str, status: str, unit_id: int = 1) -> SimpleNamespace:
    return SimpleNamespace(cycle=cycle(state), unit_id=unit_id, status=status)


def evidence(
    submission_id=None, nomination_row=None, unit_id=1, nomination_id=None, rectification_id=None
):
    if nomination_row is not None:
        nomination_id = 99
    return SimpleNamespace(
        submission_id=submission_id,
        rectification_id=rectification_id,
        nomination_id=nomination_id,
        nomination=nomination_row,
        unit_id=unit_id,
    )


EVERYBODY = set(PEOPLE)
NOBODY: set[str] = set()

OBJECT_RULES = [
    # (action, object, who may)
    ("cycles.view", cycle("draft"), {"admin", "inspector"}),
    ("cycles.view", cycle("open"), EVERYBODY),
    ("cycles.view", cycle("archived"), EVERYBODY),
    ("library.edit", cycle("draft"), {"admin"}),
    ("library.edit", cycle("open"), NOBODY),  # opening freezes the set
    ("library.edit", cycle("published"), NOBODY),
    # the what-if simulation (权重模拟): the office, while the weights may still change
    ("cycles.whatif", cycle("draft"), {"admin"}),
    ("cycles.whatif", cycle("open"), NOBODY),
    ("cycles.whatif", cycle("published"), NOBODY),
    ("cycles.view", cycle("open", assessed=(2,)), EVERYBODY - {"reporter"}),
    ("cycles.view", cycle("published", assessed=()), {"admin", "inspector", "viewer"}),
    ("cycles.overview", cycle("open"), {"admin", "inspector", "viewer"}),  # no reporter
    ("cycles.overview", cycle("draft", owner_id=11), {"admin", "inspector", "viewer"}),
    ("submissions.edit_own", line("review", None), {"reporter"}),
    ("submissions.edit_own", line("open", None, unit_id=2), {"other"}),
    ("submissions.edit", line("open", None), {"reporter"}),
    ("submissions.edit", line("review", None), NOBODY),
    ("submissions.edit", line("draft", None), NOBODY),
    ("submissions.edit", line("open", "draft"), {"reporter"}),
    ("submissions.edit", line("open", "returned"), {"reporter"}),
    ("submissions.edit", line("open", "submitted"), NOBODY),
    ("submissions.edit", line("open", "verified"), NOBODY),
    ("submissions.edit", line("review", "returned"), NOBODY),
    ("submissions.edit", line("open", "draft", unit_id=2), {"other"}),
    ("submissions.withdraw", line("open", None), {"reporter"}),
    ("submissions.withdraw", line("open", "submitted"), {"reporter"}),
    ("submissions.withdraw", line("open", "submitted", unit_id=2), {"other"}),
    ("submissions.withdraw", line("open", "verified"), NOBODY),
    ("submissions.withdraw", line("open", "returned"), NOBODY),
    ("submissions.withdraw", line("open", "draft"), NOBODY),
    ("submissions.withdraw", line("review", "submitted"), NOBODY),
    # After the unit's 自评截止 nothing is edited, returned items included; the day itself counts.
    ("submissions.edit", line("open", None, due=local_today() - timedelta(days=2)), NOBODY),
    ("submissions.edit", line("open", "returned", due=local_today() - timedelta(days=2)), NOBODY),
    (
        "submissions.edit",
        line("open", "draft", due=local_today() + timedelta(days=1)),
        {"reporter"},
    ),
    ("submissions.review", item("submitted"), {"admin", "inspector"}),
    ("submissions.review", item("verified"), {"admin", "inspector"}),
    ("submissions.review", item("draft"), NOBODY),
    ("submissions.review", item("returned"), NOBODY),
    ("submissions.review", item("submitted", unit_id=7), {"admin"}),  # the inspector's unit
    ("submissions.review", item("verified", unit_id=7), {"admin"}),
    ("rectifications.manage", Recusable(unit_id=1), {"admin", "inspector"}),
    ("rectifications.manage", Recusable(unit_id=7, status="open"), {"admin"}),
    ("rectifications.respond", rectification("open", "open"), {"reporter"}),
    ("rectifications.respond", rectification("review", "responded"), {"reporter"}),
    ("rectifications.respond", rectification("open", "closed"), NOBODY),
    ("rectifications.respond", rectification("published", "open"), NOBODY),
    ("rectifications.respond", rectification("archived", "responded"), NOBODY),
    ("rectifications.read_text", cycle("review"), EVERYBODY - {"viewer"}),
    ("rectifications.read_text", cycle("open"), EVERYBODY - {"viewer"}),
    ("rectifications.read_text", cycle("published"), EVERYBODY),
    ("rectifications.read_text", cycle("archived"), EVERYBODY),
    ("evidence.read", evidence(submission_id=5), {"admin", "inspector", "reporter"}),
    ("evidence.read", evidence(submission_id=5, unit_id=2), {"admin", "inspector", "other"}),
    ("evidence.read", evidence(nomination_row=nomination()), {"admin", "inspector", "reporter"}),
    ("evidence.read", evidence(nomination_row=nomination(unit_id=7)), {"admin"}),
    ("evidence.read", evidence(nomination_row=nomination(sheets=())), {"admin", "reporter"}),
    ("evidence.read", evidence(nomination_id=98), NOBODY),  # its nomination is gone
    ("evidence.remove", evidence(submission_id=5), {"reporter"}),
    ("evidence.remove", evidence(submission_id=5, unit_id=2), {"other"}),
    ("evidence.remove", evidence(nomination_row=nomination()), NOBODY),
    ("evidence.remove", evidence(rectification_id=3), {"reporter"}),
    ("evidence.remove", evidence(rectification_id=3, unit_id=2), {"other"}),
    ("evidence.read", evidence(rectification_id=3), {"admin", "inspector", "reporter"}),
    ("nominations.open", nomination(), {"admin", "inspector", "reporter"}),
    ("nominations.open", nomination(unit_id=2), {"admin", "inspector", "other"}),
    ("nominations.open", nomination(sheets=()), {"admin", "reporter"}),
    ("nominations.open", nomination(declared=(7,)), {"admin", "reporter"}),
    ("nominations.open", nomination(unit_id=7), {"admin"}),  # the reviewer's own unit
    ("nominations.open", nomination(status="withdrawn"), {"admin", "reporter"}),
    ("nominations.review", nomination(), {"inspector"}),
    ("nominations.review", nomination(sheets=()), NOBODY),
    ("nominations.review", nomination(declared=(7,)), NOBODY),
    ("nominations.review", nomination(unit_id=7), NOBODY),
    ("nominations.review", nomination(status="withdrawn"), NOBODY),
    ("nominations.submit", nomination(), {"reporter"}),
    ("nominations.submit", nomination(status="withdrawn", window=False), {"reporter"}),
    ("nominations.edit", nomination(), {"reporter"}),
    ("nominations.edit", nomination(unit_id=2), {"other"}),
    ("nominations.edit", nomination(window=False), NOBODY),
    ("nominations.edit", nomination(status="withdrawn"), NOBODY),
    # A notification is its recipient's alone, the office's included.
    ("notifications.read", notification("reporter"), {"reporter"}),
    ("notifications.read", notification("admin"), {"admin"}),
    ("notifications.read", notification("viewer"), {"viewer"}),
    # 催报 while units report and inspectors review.
    ("reminders.chase", cycle("open"), {"admin"}),
    ("reminders.chase", cycle("review"), {"admin"}),
    ("reminders.chase", cycle("draft"), NOBODY),
    ("reminders.chase", cycle("published"), NOBODY),
    # 双随机抽查: the office, while inspectors review.
    ("sampling.draw", cycle("open"), {"admin"}),
    ("sampling.draw", cycle("review"), {"admin"}),
    ("sampling.draw", cycle("draft"), NOBODY),
    ("sampling.draw", cycle("published"), NOBODY),
    # 复核申诉: the unit's own reporter in the window (its last day included); staff answer
    # an open appeal of a published cycle unless they must recuse (回避).
    ("appeals.file", appeal_scope("published", 0), {"reporter"}),
    ("appeals.file", appeal_scope("published", 0, unit_id=2), {"other"}),
    ("appeals.file", appeal_scope("published", -1), NOBODY),
    ("appeals.file", appeal_scope("published", None), NOBODY),
    ("appeals.file", appeal_scope("review", 5), NOBODY),
    ("appeals.file", appeal_scope("archived", 5), NOBODY),
    ("appeals.answer", appeal("open"), {"admin", "inspector"}),
    ("appeals.answer", appeal("open", unit_id=7), {"admin"}),
    ("appeals.answer", appeal("upheld"), NOBODY),
    ("appeals.answer", appeal("rejected"), NOBODY),
    ("appeals.answer", appeal("open", cycle_state="archived"), NOBODY),
]


@pytest.mark.pure
def test_every_predicate_refines_a_known_action():
    assert set(policy.PREDICATES) <= set(policy.RULES)
    assert {action for action, _obj, _who in OBJECT_RULES} == set(policy.PREDICATES)


# --- scoped offices (各级办公室): reaches_cycle, unit_visible and the city's own work ----------
# County A is unit 1 with townships 11 and 12 (community 13 under 11); county B is unit 2 with
# township 21. An office, inspector or leader scoped to a unit works over its subtree.

SUBTREES = {1: {1, 11, 12, 13}, 2: {2, 21}, 11: {11, 13}}
SCOPED_PEOPLE = {
    "city": ("admin", None),  # the city office: every level
    "office_a": ("admin", 1),
    "office_b": ("admin", 2),
    "inspector_a": ("inspector", 1),
    "township_office": ("admin", 11),  # a township's office inside county A
}


def scoped(name: str) -> SimpleNamespace:
    """One of SCOPED_PEOPLE, working for no unit (so recusing from none)."""
    role, scope = SCOPED_PEOPLE[name]
    user = person("admin")
    user.role, user.id = role, 100 + list(SCOPED_PEOPLE).index(name)
    user.scope_unit_id = scope
    user.scope_ids = frozenset(SUBTREES[scope]) if scope else None
    return user


A_TEAM = {"city", "office_a", "inspector_a"}
REACHES = [
    # (cycle, action, who reaches it)
    (cycle("open", owner_id=1, assessed=(11, 12)), "cycles.manage", A_TEAM),
    (cycle("draft", owner_id=1, assessed=(11, 12)), "library.edit", A_TEAM),
    (cycle("open", owner_id=11, assessed=(13,)), "cycles.manage", A_TEAM | {"township_office"}),
    (cycle("open", owner_id=2, assessed=(21,)), "cycles.manage", {"city", "office_b"}),
    (cycle("published", owner_id=2, assessed=(21,)), "results.view", {"city", "office_b"}),
    # The city's own cycles: a scoped person reads only its own unit's published results.
    (cycle("open"), "cycles.view", {"city"}),
    (cycle("open"), "submissions.view", {"city"}),
    (cycle("published"), "results.ranking", {"city"}),
    (cycle("published"), "cycles.overview", {"city"}),
    (cycle("published"), "reports.city", {"city"}),
    (cycle("published"), "results.view", {"city", "office_a", "office_b", "inspector_a"}),
    (cycle("archived"), "reports.view", {"city", "office_a", "office_b", "inspector_a"}),
    (cycle("published", assessed=(2,)), "results.view", {"city", "office_b"}),
    (cycle("published", assessed=(2,)), "appeals.view", {"city", "office_b"}),
]


@pytest.mark.pure
@pytest.mark.parametrize(("obj", "action", "allowed"), REACHES)
def test_reaches_cycle(obj, action, allowed):
    assert {n for n in SCOPED_PEOPLE if policy.reaches_cycle(scoped(n), obj, action)} == allowed


ROUND_REACHES = [
    # (round owner, who reaches it)
    (None, {"city"}),  # the city's round: no scoped office, inspector or leader
    (1, A_TEAM),
    (11, A_TEAM | {"township_office"}),
    (2, {"city", "office_b"}),
]


@pytest.mark.pure
@pytest.mark.parametrize(("owner", "allowed"), ROUND_REACHES)
def test_reaches_round(owner, allowed):
    round_ = FakeRound(owner_id=owner)
    assert {n for n in SCOPED_PEOPLE if policy.reaches_round(scoped(n), round_)} == allowed


@pytest.mark.pure
def test_a_reporter_reaches_the_rounds_that_take_its_unit():
    reporter = person("reporter")
    reporter.unit_id = 13  # below 11, below 1
    reached = {
        owner
        for owner in (None, 1, 11, 13, 2)
        if policy.reaches_round(reporter, FakeRound(owner_id=owner))
    }
    assert reached == {None, 1, 11}  # not its own unit's round, nor another county's
    nomination_of_13 = nomination(unit_id=13)
    nomination_of_13.round.owner_id = 2
    assert not policy.can(reporter, "nominations.open", nomination_of_13)
    nomination_of_13.round.owner_id = 1
    assert policy.can(reporter, "nominations.open", nomination_of_13)


SCOPED_OBJECT_RULES = [
    ("cycles.view", cycle("open", owner_id=1), A_TEAM),
    ("cycles.view", cycle("open"), {"city"}),
    ("cycles.view", cycle("published"), {"city", "office_a", "office_b", "inspector_a"}),
    ("cycles.overview", cycle("published"), {"city"}),
    ("cycles.overview", cycle("review", owner_id=1), A_TEAM),
    ("library.edit", cycle("draft", owner_id=2), {"city", "office_b"}),
    ("reminders.chase", cycle("open", owner_id=1), {"city", "office_a"}),
    ("reminders.chase", cycle("open"), {"city"}),
    ("sampling.draw", cycle("review", owner_id=1), {"city", "office_a"}),
    ("sampling.draw", cycle("review"), {"city"}),
    # an item of township 11 in county A's cycle; of unit 1 in the city's
    (
        "submissions.review",
        Recusable(status="submitted", unit_id=11, cycle=cycle("review", owner_id=1)),
        A_TEAM,
    ),
    (
        "submissions.review",
        Recusable(status="submitted", unit_id=1, cycle=cycle("review")),
        {"city"},
    ),
    ("rectifications.manage", Recusable(unit_id=11), A_TEAM | {"township_office"}),
    ("rectifications.manage", Recusable(unit_id=21), {"city", "office_b"}),
]


def scoped_evidence(unit_id: int, in_cycle) -> SimpleNamespace:
    row = evidence(submission_id=5, unit_id=unit_id)
    row.submission, row.rectification, row.appeal = SimpleNamespace(cycle=in_cycle), None, None
    return row


SCOPED_OBJECT_RULES += [
    ("evidence.read", scoped_evidence(11, cycle("open", owner_id=1)), A_TEAM),
    ("evidence.read", scoped_evidence(1, cycle("open")), {"city"}),  # the city's cycle
    ("evidence.read", scoped_evidence(21, cycle("open", owner_id=2)), {"city", "office_b"}),
]


# Each table with the people it is written for.
PREDICATE_CASES = [(PEOPLE, person, *r) for r in OBJECT_RULES] + [
    (SCOPED_PEOPLE, scoped, *r) for r in SCOPED_OBJECT_RULES
]


@pytest.mark.pure
@pytest.mark.parametrize(
    ("people", "make", "action", "obj", "allowed"),
    PREDICATE_CASES,
    ids=[f"{c[2]}-{i}" for i, c in enumerate(PREDICATE_CASES)],
)
def test_object_predicates(people, make, action, obj, allowed):
    answers = {name for name in people if policy.can(make(name), action, obj)}
    assert answers == allowed
    for name in people:  # a deactivated account may do nothing, whatever the object
        user = make(name)
        user.is_active = False
        assert not policy.can(user, action, obj)
    assert not policy.can(SimpleNamespace(is_authenticated=False), action, obj)


@pytest.mark.pure
@pytest.mark.parametrize(
    ("unit_id", "allowed"),
    [
        (1, A_TEAM),
        (11, A_TEAM | {"township_office"}),
        (13, A_TEAM | {"township_office"}),
        (2, {"city", "office_b"}),
        (21, {"city", "office_b"}),
        (None, {"city"}),
    ],
)
def test_scoped_unit_visible(unit_id, allowed):
    assert {n for n in SCOPED_PEOPLE if policy.unit_visible(scoped(n), unit_id)} == allowed


@pytest.mark.pure
@pytest.mark.parametrize("action", sorted(policy.RULES))
def test_a_scoped_office_is_refused_the_citys_own_work(action):
    expected = {
        name
        for name, (role, scope) in SCOPED_PEOPLE.items()
        if role in policy.RULES[action]
        and (scope is None or action not in policy.CITY_ONLY_ACTIONS)
    }
    assert {n for n in SCOPED_PEOPLE if policy.can(scoped(n), action)} == expected


def test_city_only_actions():
    """Accounts, units, the audit log and the channels are refused to a scoped office; the
    nomination round is every level's, reached through ``reaches_round``."""
    nominations = {a for a in policy.RULES if a.startswith("nominations.")}
    assert {"users.manage", "units.manage", "audit.view", "delivery.manage"} <= (
        policy.CITY_ONLY_ACTIONS
    )
    assert not {"cycles.manage", "library.edit", "reports.batch"} & policy.CITY_ONLY_ACTIONS
    assert not nominations & policy.CITY_ONLY_ACTIONS


@pytest.mark.pure
@pytest.mark.parametrize("action", sorted(policy.RULES))
def test_without_an_object_the_role_decides(action):
    for name in PEOPLE:
        user = person(name)
        assert policy.can(user, action) == (user.role in policy.RULES[action])


@pytest.mark.pure
def test_the_ledger_is_for_the_office_the_inspectors_and_leaders():
    # 核减台账 sets every unit's figures side by side: no reporter, not even its own unit's
    assert {name for name in PEOPLE if policy.can(person(name), "ledger.view")} == {
        "admin",
        "inspector",
        "viewer",
    }


@pytest.mark.pure
def test_an_unknown_action_is_an_error():
    with pytest.raises(KeyError):
        policy.can(person("admin"), "nominations.anything")


def test_templates_get_can(app):
    assert app.jinja_env.globals["can"] is policy.can


# --- no role checks outside the policy -------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
ROLE_CHECK = re.compile(
    r"current_user\.role\b"  # any use: the policy answers, not the role
    r"|\.role\s*(?:==|!=|\bin\b|\bnot\s+in\b)"
    r"|\brole\s+(?:not\s+)?in\s*[(\[{]"
    r"|\b(?:ADMIN|INSPECTOR|REPORTER|VIEWER)\b"  # role constants have no business in views
)


def role_checks(paths) -> list[str]:
    found = []
    for path in paths:
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if ROLE_CHECK.search(text):
                where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
                found.append(f"{where}:{number}: {text.strip()}")
    return found


def view_and_template_files() -> list[Path]:
    views = [
        p
        for p in (ROOT / "assess").rglob("*.py")
        if p.name.startswith("views") or "views" in p.relative_to(ROOT).parts
    ]
    return views + sorted((ROOT / "templates").rglob("*.html"))


@pytest.mark.pure
def test_views_and_templates_ask_the_policy_not_the_role():
    files = view_and_template_files()
    assert any(p.name == "selfreport.py" for p in files)  # the walk reaches views/ packages
    assert any(p.name == "nomination.html" for p in files)
    assert role_checks(files) == []


@pytest.mark.pure
@pytest.mark.parametrize(
    "text",
    [
        "{% if current_user.role == 'admin' %}",
        "{% set scores = current_user.role in ('admin', 'viewer') %}",
        "    if user.role != REPORTER:",
        "    if g.user.role in STAFF:",
        "{% if role in ('admin', 'inspector') %}",
        "from assess.core.policy import REPORTER, allow",
    ],
)
def test_the_role_check_grep_catches(tmp_path, text):
    sample = tmp_path / "probe.html"
    sample.write_text("<p>fine</p>\n" + text + "\n", encoding="utf-8")
    assert role_checks([sample]) == [f"{sample}:2: {text.strip()}"]


@pytest.mark.pure
def test_the_role_check_grep_lets_labels_through():
    assert not ROLE_CHECK.search("{{ role_label(user.role) }}")
    assert not ROLE_CHECK.search("{% if can(current_user, 'cycles.manage') %}")
