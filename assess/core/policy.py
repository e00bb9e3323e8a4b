"""Who may do what: the one place that decides (权限).

``can(user, action, obj=None)`` answers every who-may-what, in views, services and
templates (it is a Jinja global). ``RULES`` says which roles may perform an action at all;
``PREDICATES`` refines an action for one object (this evidence file, this nomination, this
self-report line), reading the domain state that decides it from the object itself (cycle
state, submission status, nomination window), never from the request. Services still check
the state inside their write transactions: the policy answers "may this person", the
service "is this state right".

Every view declares an action with ``@allow("action")`` or is marked ``@public``; the
before-request guard in ``assess.web.guard`` enforces it, and an endpoint with neither is
refused (fail closed), so a route added without a policy cannot leak
(``tests/core/test_policy.py`` walks every rule). Unit scoping (a reporter sees only its own
unit) is decided by ``unit_visible`` here too (``assess.web.guard.require_unit`` turns a
refusal into a 404), never by ad-hoc ifs in views.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from assess.core.enums import (
    APPEAL_DUE_CYCLE_STATES,
    APPEALABLE_CYCLE_STATES,
    DEADLINE_CYCLE_STATES,
    EDITABLE_SUBMISSION_STATES,
    HANDED_IN_SUBMISSION_STATES,
    PUBLISHABLE_CYCLE_STATES,
    RECTIFIABLE_CYCLE_STATES,
    RESULT_CYCLE_STATES,
    REVIEWABLE_CYCLE_STATES,
    AppealState,
    CycleState,
    NominationState,
    RectificationState,
    Role,
    SubmissionState,
    TokenScope,
)
from assess.core.formatting import local_today

ADMIN, INSPECTOR, REPORTER, VIEWER = Role.ADMIN, Role.INSPECTOR, Role.REPORTER, Role.VIEWER
EVERYONE = frozenset({ADMIN, INSPECTOR, REPORTER, VIEWER})
STAFF = frozenset({ADMIN, INSPECTOR})  # may read every unit's submissions and evidence

# action -> roles allowed. Unit-level restrictions are applied on top by unit_visible.
RULES: dict[str, frozenset[str]] = {
    "home.view": EVERYONE,
    "account.manage_own": EVERYONE,
    "units.view_tree": EVERYONE,
    "units.manage": frozenset({ADMIN}),
    "users.manage": frozenset({ADMIN}),
    "audit.view": frozenset({ADMIN}),
    "cycles.view": EVERYONE,
    "cycles.overview": frozenset({ADMIN, INSPECTOR, VIEWER}),
    "cycles.manage": frozenset({ADMIN}),
    # The indicator library (指标库): the office edits a draft cycle's set; inspectors read.
    "library.view": STAFF,
    "library.edit": frozenset({ADMIN}),  # a draft cycle's set only (edits_indicator_set)
    # The what-if simulation (权重模拟): the office, on a draft cycle; it writes nothing.
    "cycles.whatif": frozenset({ADMIN}),
    "results.view": frozenset({ADMIN, INSPECTOR, VIEWER, REPORTER}),  # reporters: own unit
    "results.ranking": frozenset({ADMIN, INSPECTOR, VIEWER}),
    "results.export": frozenset({ADMIN, INSPECTOR, VIEWER}),
    # The claimed-vs-verified ledger (核减台账) compares every unit's published figures:
    # the office, the inspectors and leaders; a unit reads its own on its result page.
    "ledger.view": frozenset({ADMIN, INSPECTOR, VIEWER}),
    # Work in progress is for the office, the inspectors and the unit itself; leaders read
    # published results (SPEC §1). Reporters: own unit only (require_unit).
    "submissions.view": frozenset({ADMIN, INSPECTOR, REPORTER}),
    "submissions.edit_own": frozenset({REPORTER}),
    "submissions.review": STAFF,  # an item only if its unit is not the reviewer's (回避)
    "rectifications.manage": STAFF,  # demand and close, not for the reviewer's own unit
    "evidence.read": frozenset({ADMIN, INSPECTOR, REPORTER}),
    "reports.view": EVERYONE,  # reporters: own unit only (require_unit)
    "reports.city": frozenset({ADMIN, INSPECTOR, VIEWER}),
    "reports.batch": frozenset({ADMIN}),
    "nominations.view": EVERYONE,
    "nominations.manage": frozenset({ADMIN}),
    "nominations.submit": frozenset({REPORTER}),
    "nominations.review": frozenset({ADMIN, INSPECTOR}),  # a sheet only if assigned, no conflict
    "nominations.list": frozenset({ADMIN, REPORTER}),  # reporters: own unit's nominations only
    "nominations.export": frozenset({ADMIN, VIEWER}),  # award list with scores (.xlsx)
    # Everyone has a notification centre (消息通知): their own notifications only.
    "notifications.view": EVERYONE,
    # The office chases units by hand (催报) with a message.
    "reminders.chase": frozenset({ADMIN}),
    # The office sets up e-mail and the group robots, the units' contacts, the defaults,
    # and retries what failed (消息渠道); each person chooses their own (接收设置).
    "delivery.manage": frozenset({ADMIN}),
    "delivery.preferences": EVERYONE,
    # Appeals (复核申诉): a unit's appeals are read by whoever reads its results (reporters:
    # own unit only, require_unit); a reporter files them in the window; staff answer
    # (not for a unit they must recuse themselves from) and list every unit's.
    "appeals.view": frozenset({ADMIN, INSPECTOR, VIEWER, REPORTER}),
    "appeals.list": frozenset({ADMIN, INSPECTOR, VIEWER}),
    "appeals.file": frozenset({REPORTER}),  # own unit, published cycle, in the window
    "appeals.answer": STAFF,  # an open appeal, no conflict (回避)
    # Actions no route declares: asked by views, services and templates through can().
    "units.view_all": frozenset({ADMIN, INSPECTOR, VIEWER}),  # reporters: own subtree
    "results.preview": STAFF,  # a trial ranking before publishing
    # The office draws the spot check (双随机抽查) on the page staff read it on.
    "sampling.draw": frozenset({ADMIN}),
    "rectifications.respond": frozenset({REPORTER}),
    "rectifications.read_text": EVERYONE,  # viewers: once results are published
    "evidence.remove": frozenset({REPORTER}),
    "submissions.edit": frozenset({REPORTER}),
    "submissions.withdraw": frozenset({REPORTER}),  # before an inspector acts (撤回)
    "nominations.every_unit": frozenset({ADMIN, INSPECTOR, VIEWER}),  # reporters: own unit
    "nominations.open": frozenset({ADMIN, INSPECTOR, REPORTER}),
    "nominations.edit": frozenset({REPORTER}),
    "notifications.read": EVERYONE,  # one notification: its recipient only
    # The home page's to-do panels (待办): which ones a person's home shows.
    "todos.self_report": frozenset({REPORTER}),  # own unit's items, demands, windows
    "todos.inspection": frozenset({INSPECTOR}),  # the queues and overdue items
    "todos.office": frozenset({ADMIN}),  # units' progress, demands, rounds
    "todos.review_sheets": frozenset({ADMIN, INSPECTOR}),  # own score sheets to fill
    "todos.appeals": STAFF,  # appeals waiting for an answer
    "todos.results": frozenset({VIEWER}),  # the latest published results
}

# A scoped person (``User.scope_unit``: an office, inspector or leader of one unit's
# subtree, 本级办公室) works only inside that subtree (SPEC §9). These actions are the city
# office's alone: accounts, the unit tree, the audit log and the delivery channels serve
# every level. A nomination round (十类典型) is run by the office of its owner unit and
# reached through ``reaches_round``.
CITY_ONLY_ACTIONS = frozenset(
    {"users.manage", "units.manage", "units.view_all", "audit.view", "delivery.manage"}
)
# What a read-only API token (``TokenScope.READ``) may do: the actions that write nothing.
# Anything not listed is a write and refused to such a token (fail closed).
TOKEN_READ_ACTIONS = frozenset(
    {
        "home.view",
        "units.view_tree",
        "units.view_all",
        "cycles.view",
        "cycles.overview",
        "library.view",
        "results.view",
        "results.ranking",
        "results.export",
        "results.preview",
        "ledger.view",
        "submissions.view",
        "evidence.read",
        "reports.view",
        "reports.city",
        "nominations.view",
        "nominations.list",
        "nominations.export",
        "nominations.every_unit",
        "notifications.view",
        "notifications.read",
        "appeals.view",
        "appeals.list",
        "rectifications.read_text",
    }
)
# What a scoped person may do with a cycle that its subtree does not run (the city's, or
# another office's): read its own unit's published results, nothing else.
RESULT_READ_ACTIONS = frozenset({"cycles.view", "results.view", "reports.view", "appeals.view"})

# Which writes each cycle state allows (SPEC §2), for every record a cycle holds. Nothing
# is written to an archived cycle. The services ask ``cycle_allows`` inside their write
# transactions, on the cycle row re-read and locked there (``assess.cycles.lifecycle.
# locked_cycle``); the predicates below ask it for buttons and forms. Moving the cycle itself
# from state to state is ``assess.cycles.lifecycle.TRANSITIONS``.
CYCLE_WRITES: dict[str, frozenset[CycleState]] = {
    # the indicator set and each unit's targets and weights (目标责任书): frozen when opened
    "setup": frozenset({CycleState.DRAFT}),
    # self-report values, narratives and evidence, submitting, the fill-in workbook
    "self_report": frozenset({CycleState.OPEN}),
    # returning, verifying (核定) and deducting (扣分) a handed-in item
    "review": REVIEWABLE_CYCLE_STATES,
    # rectification demands, the unit's answers and the closing notes (整改)
    "rectification": RECTIFIABLE_CYCLE_STATES,
    # publishing and republishing the results (结果公布)
    "publish": PUBLISHABLE_CYCLE_STATES,
    # chasing units by hand (催报): while they report and inspectors review
    "chase": REVIEWABLE_CYCLE_STATES,
    # the cycle's deadlines (自评截止, 核查截止) and one unit's extension (延期): until the
    # results are published, since a cycle sent back to self-report may need new dates
    "deadlines": DEADLINE_CYCLE_STATES,
    # filing and answering appeals (复核申诉), and the one review write a published cycle
    # takes: an upheld appeal's corrected 核定值 or 扣分 (submissions.verify_on_appeal)
    "appeal": APPEALABLE_CYCLE_STATES,
    # the appeal deadline (申诉截止)
    "appeal_due": APPEAL_DUE_CYCLE_STATES,
}

# Writes a deadline closes. After a unit's 自评截止 (the cycle's, or its own extension 延期
# when the office granted one) its reporters save, attach, remove and submit nothing, items
# sent back (退回) included: a late correction needs an extension too, so the office always
# knows who still writes. The day named is the last day, on the office's calendar.
DEADLINE_WRITES = frozenset({"self_report"})


def before_deadline(cycle, write: str, unit_id: int, today: date | None = None) -> bool:
    """True unless ``write`` is one a deadline closes and ``unit_id``'s deadline in ``cycle``
    (``self_report_due_for(unit_id)``) has passed; no deadline set never closes."""
    if write not in DEADLINE_WRITES:
        return True
    due = cycle.self_report_due_for(unit_id)
    return due is None or (today or local_today()) <= due


def cycle_allows(cycle, write: str, unit_id: int | None = None) -> bool:
    """True when a cycle in its ``state`` takes a ``write`` of that kind (a CYCLE_WRITES key;
    an unknown kind raises KeyError) and, for one unit's write (``unit_id``), that unit's
    deadline has not passed (``before_deadline``)."""
    if cycle.state not in CYCLE_WRITES[write]:
        return False
    return unit_id is None or before_deadline(cycle, write, unit_id)


def appeal_window_open(cycle, today: date | None = None) -> bool:
    """True while units may appeal ``cycle``'s published scores (``state``,
    ``appeal_due``): published, and today is no later than its appeal deadline (the day
    named is the last day, on the office's calendar)."""
    return (
        cycle_allows(cycle, "appeal")
        and cycle.appeal_due is not None
        and (today or local_today()) <= cycle.appeal_due
    )


_ACTION_ATTR = "_assess_action"
PUBLIC = "public"


def allow(action: str) -> Callable:
    """Declare the action a view performs; roles come from RULES."""
    if action not in RULES:
        raise KeyError(f"unknown policy action {action!r}")

    def mark(view: Callable) -> Callable:
        setattr(view, _ACTION_ATTR, action)
        return view

    return mark


def public(view: Callable) -> Callable:
    """Mark a view that needs no login (login page, health check)."""
    setattr(view, _ACTION_ATTR, PUBLIC)
    return view


def action_of(view: Callable) -> str | None:
    return getattr(view, _ACTION_ATTR, None)


def can(user, action: str, obj=None) -> bool:
    """True when ``user`` (possibly anonymous) may perform ``action``, on ``obj`` if given.

    Without ``obj`` the answer is the role's (what the route guard and menus ask); with one,
    the action's predicate in ``PREDICATES`` decides too. An unknown action raises KeyError.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.role not in RULES[action]:
        return False
    # A request made with a read-only API token (``token_scope``, set by the token loader)
    # reads and never writes, whatever its person's role may.
    if getattr(user, "token_scope", None) == TokenScope.READ and action not in TOKEN_READ_ACTIONS:
        return False
    if action in CITY_ONLY_ACTIONS and scope_of(user) is not None:
        return False
    # A nomination (``round``) belongs to a round a person reaches or to nobody it may act on.
    # (A person of the city reaches every round: no query for it.)
    if (
        obj is not None
        and action.startswith("nominations.")
        and not works_citywide(user)
        and not reaches_round(user, getattr(obj, "round", obj))
    ):
        return False
    predicate = PREDICATES.get(action)
    return obj is None or predicate is None or predicate(user, obj)


# --- object predicates ---------------------------------------------------------------------
# One small function per action, (user, obj) -> bool, called by can() only after the role
# has passed RULES. Objects are duck-typed (core imports no other area): each predicate's
# docstring names the attributes it reads.


def _own_unit(user, unit_id: int | None) -> bool:
    return user.unit_id is not None and user.unit_id == unit_id


def scope_of(user) -> frozenset[int] | None:
    """The ids of the units ``user`` works over (``scope_ids``: its scope unit and the units
    below it), or None for a person of the city, who works over every unit."""
    return getattr(user, "scope_ids", None)


def works_citywide(user) -> bool:
    """True for a person of the city (全市): no scope unit, and not a reporter, who works on
    its own unit only whatever its scope."""
    return scope_of(user) is None and user.role != REPORTER


def reaches_cycle(user, cycle, action: str) -> bool:
    """True when ``user``'s scope lets it perform ``action`` (a RULES key) on ``cycle``
    (``owner_id``, ``state``, ``assesses``). A person of the city reaches every cycle, of
    every level. A scoped person reaches a cycle run by its scope unit or a unit below it
    fully, and any other cycle (the city's, another office's) only to read its own unit's
    published results (``RESULT_READ_ACTIONS``), when that cycle assesses its unit; which
    unit's pages it reads is ``unit_visible``'s. The role's RULES and the action's
    predicate still apply on top: this is the scope, not the right."""
    scope = scope_of(user)
    if scope is None:
        return True
    owner = getattr(cycle, "owner_id", None)
    if owner is not None and owner in scope:
        return True
    return (
        action in RESULT_READ_ACTIONS
        and cycle.state in RESULT_CYCLE_STATES
        and cycle.assesses(user.scope_unit_id)
    )


def reaches_round(user, round_) -> bool:
    """True when ``user``'s scope lets it work with the nomination round ``round_``
    (``owner_id``, ``covers``): a person of the city every round; a scoped office, inspector
    or leader the rounds its subtree runs (not the city's, nor another office's); a reporter
    the rounds that take nominations from its unit (``covers``: the city's, and those of
    the offices above it). The role's RULES and the action's predicate apply on top."""
    if user.role == REPORTER:
        return round_.covers(user.unit_id)
    scope = scope_of(user)
    return scope is None or getattr(round_, "owner_id", None) in scope


def _reaches_cycle_of(user, obj, action: str) -> bool:
    """``reaches_cycle`` for the cycle of ``obj`` (``cycle``), read only for a scoped
    person: a person of the city costs no query."""
    return scope_of(user) is None or reaches_cycle(user, obj.cycle, action)


def cycle_visible(user, cycle) -> bool:
    """``cycles.view`` on a Cycle (``state``, ``assesses``, ``owner_id``): a draft is the
    office's and the inspectors'; a reporter sees only a cycle whose indicator set applies
    to its unit; a scoped person only a cycle it reaches (``reaches_cycle``)."""
    if cycle.state == CycleState.DRAFT and user.role not in STAFF:
        return False
    if not reaches_cycle(user, cycle, "cycles.view"):
        return False
    return user.role != REPORTER or cycle.assesses(user.unit_id)


def oversees_cycle(user, cycle) -> bool:
    """``cycles.overview`` on a Cycle (``owner_id``): the whole cycle, every unit's progress
    and results, for whoever reaches it beyond its own unit's results (``reaches_cycle``)."""
    return reaches_cycle(user, cycle, "cycles.overview")


def authors_self_report(user, report) -> bool:
    """``submissions.edit_own`` on a SelfReport (``unit_id``): the unit's own reporter,
    whatever the cycle's state."""
    return user.role == REPORTER and _own_unit(user, report.unit_id)


def edits_self_report(user, obj) -> bool:
    """``submissions.edit`` on a SelfReport, a self-report Item or a Submission (``unit_id``,
    ``cycle.state``, ``cycle.self_report_due_for``, and for a line its ``status``): the unit's
    own reporter while the cycle is open and the unit's deadline has not passed, and a line
    only while it is empty, a draft or returned."""
    if not authors_self_report(user, obj):
        return False
    if not cycle_allows(obj.cycle, "self_report", obj.unit_id):
        return False
    # A whole self-report has no status, nor has a line with nothing saved yet.
    status = getattr(obj, "status", None)
    return status is None or status in EDITABLE_SUBMISSION_STATES


def withdraws_submission(user, obj) -> bool:
    """``submissions.withdraw`` on a SelfReport, a self-report Item or a Submission
    (``unit_id``, ``cycle.state``, for a line its ``status``): the unit's own reporter while
    the cycle is open, a line only while it waits for an inspector (submitted, not yet
    verified or returned); a whole self-report whatever its lines (the service says which)."""
    if not authors_self_report(user, obj) or not cycle_allows(obj.cycle, "self_report"):
        return False
    status = getattr(obj, "status", SubmissionState.SUBMITTED)
    return status == SubmissionState.SUBMITTED


def reviews_submission(user, submission) -> bool:
    """``submissions.review`` on a Submission (``status``, ``conflicts_with``): staff, once
    it was submitted, unless it is their own unit's or a unit above or below theirs (回避,
    the rule the nomination round applies to reviewers)."""
    return (
        submission.status in HANDED_IN_SUBMISSION_STATES
        and not submission.conflicts_with(user)
        and _reaches_cycle_of(user, submission, "submissions.review")
    )


def manages_rectifications(user, obj) -> bool:
    """``rectifications.manage`` on a Unit (a new demand) or a Rectification (closing it)
    (``conflicts_with``, ``unit_id`` or ``id``): staff, for a unit in their scope that they
    do not have to recuse themselves from."""
    unit_id = obj.unit_id if hasattr(obj, "unit_id") else obj.id
    return not obj.conflicts_with(user) and unit_visible(user, unit_id)


def responds_to_rectification(user, rectification) -> bool:
    """``rectifications.respond`` on a Rectification (``unit_id``, ``status``,
    ``cycle.state``): the unit's own reporter, until the demand is closed, while the cycle
    takes rectification writes (not once published)."""
    return (
        _own_unit(user, rectification.unit_id)
        and rectification.status != RectificationState.CLOSED
        and cycle_allows(rectification.cycle, "rectification")
    )


def reads_rectification_text(user, cycle) -> bool:
    """``rectifications.read_text`` on a Cycle (``state``): the demands and answers are
    inspection work in progress, which leaders (viewers) read only once the cycle's results
    are published; everyone else who can see the cycle reads them."""
    return user.role != VIEWER or cycle.state in RESULT_CYCLE_STATES


def reads_evidence(user, evidence) -> bool:
    """``evidence.read`` on an Evidence row (``unit_id``, ``nomination_id``, ``nomination``):
    self-report evidence for staff and the unit's own reporters (viewers are refused by
    RULES); a nomination's evidence for whoever may open the nomination."""
    if evidence.nomination_id is not None:
        nomination = evidence.nomination
        return nomination is not None and can(user, "nominations.open", nomination)
    if not unit_visible(user, evidence.unit_id):
        return False
    if scope_of(user) is None:
        return True
    # A scoped person reads the files of the cycles it reaches, not of the city's.
    holder = evidence.submission or evidence.rectification or evidence.appeal
    return holder is None or reaches_cycle(user, holder.cycle, "evidence.read")


def removes_evidence(user, evidence) -> bool:
    """``evidence.remove`` on an Evidence row (``submission_id``, ``rectification_id``,
    ``unit_id``): the unit's own reporter, for self-report evidence and the evidence of its
    rectification answers (a nomination's goes with the nomination)."""
    attached = evidence.submission_id is not None or evidence.rectification_id is not None
    return attached and _own_unit(user, evidence.unit_id)


def opens_nomination(user, nomination) -> bool:
    """``nominations.open`` on a Nomination: the admin every one, a reporter its own unit's,
    a reviewer one it may review (see ``reviews_nomination``)."""
    if user.role == ADMIN:
        return True
    if user.role == REPORTER:
        return _own_unit(user, nomination.unit_id)
    return can(user, "nominations.review", nomination)


def reviews_nomination(user, nomination) -> bool:
    """``nominations.review`` on a Nomination (``status``, ``conflicts_with``, ``sheet_of``):
    an inspector holding a score sheet for it, with no conflict of interest (回避), while it
    is not withdrawn. The admin manages the round but never scores (blind review)."""
    return (
        user.role == INSPECTOR
        and nomination.status == NominationState.SUBMITTED
        and not nomination.conflicts_with(user)
        and nomination.sheet_of(user) is not None
    )


def submits_nomination(user, nomination) -> bool:
    """``nominations.submit`` on a Nomination (``unit_id``): its unit's own reporter."""
    return _own_unit(user, nomination.unit_id)


def edits_nomination(user, nomination) -> bool:
    """``nominations.edit`` on a Nomination (``status``, ``round.window_open()``): its unit's
    own reporter, while it is not withdrawn and the round's window is open."""
    return (
        submits_nomination(user, nomination)
        and nomination.status == NominationState.SUBMITTED
        and nomination.round.window_open()
    )


def edits_indicator_set(user, cycle) -> bool:
    """``library.edit`` on a Cycle (``state``): its set changes only while it is a draft;
    opening freezes it, so a set in use by an open or published cycle is read-only; and
    only by an office that reaches the cycle (``reaches_cycle``)."""
    return cycle_allows(cycle, "setup") and reaches_cycle(user, cycle, "library.edit")


def simulates_weights(user, cycle) -> bool:
    """``cycles.whatif`` on a Cycle (``state``): while its set and weights may still be
    changed (a draft); once opened there is nothing left to try out. A scoped office
    simulates the drafts its subtree runs, against the cycles its subtree ran
    (``whatif.baseline_cycles(owners=…)``)."""
    return cycle_allows(cycle, "setup") and reaches_cycle(user, cycle, "cycles.whatif")


def reads_notification(user, notification) -> bool:
    """``notifications.read`` on a Notification (``user_id``): its recipient, nobody else
    (not even the office: a notification is addressed to one person)."""
    return notification.user_id == user.id


def chases_cycle(user, cycle) -> bool:
    """``reminders.chase`` on a Cycle (``state``): while units report and inspectors
    review; a draft has no units at work and a published cycle nothing left to chase; only
    by an office that reaches the cycle (``reaches_cycle``)."""
    return cycle_allows(cycle, "chase") and reaches_cycle(user, cycle, "reminders.chase")


def draws_sample(user, cycle) -> bool:
    """``sampling.draw`` on a Cycle (``state``, ``owner_id``): while inspectors review
    (the draw assigns review work), by an office that reaches the cycle (the city office,
    or the office of the unit that runs it)."""
    return cycle_allows(cycle, "review") and reaches_cycle(user, cycle, "sampling.draw")


def files_appeal(user, report) -> bool:
    """``appeals.file`` on a SelfReport (``unit_id``, ``cycle.state``,
    ``cycle.appeal_due``): the unit's own reporter while the appeal window is open."""
    return _own_unit(user, report.unit_id) and appeal_window_open(report.cycle)


def answers_appeal(user, appeal) -> bool:
    """``appeals.answer`` on an Appeal (``state``, ``cycle.state``, ``conflicts_with``):
    staff, while it waits for its answer in a published cycle, unless it is their own
    unit's or a unit above or below theirs (回避)."""
    return (
        appeal.state == AppealState.OPEN
        and cycle_allows(appeal.cycle, "appeal")
        and not appeal.conflicts_with(user)
        and reaches_cycle(user, appeal.cycle, "appeals.answer")
    )


PREDICATES: dict[str, Callable[..., bool]] = {
    "library.edit": edits_indicator_set,
    "cycles.whatif": simulates_weights,
    "cycles.view": cycle_visible,
    "cycles.overview": oversees_cycle,
    "submissions.edit_own": authors_self_report,
    "submissions.edit": edits_self_report,
    "submissions.withdraw": withdraws_submission,
    "submissions.review": reviews_submission,
    "rectifications.manage": manages_rectifications,
    "rectifications.respond": responds_to_rectification,
    "rectifications.read_text": reads_rectification_text,
    "evidence.read": reads_evidence,
    "evidence.remove": removes_evidence,
    "nominations.open": opens_nomination,
    "nominations.review": reviews_nomination,
    "nominations.submit": submits_nomination,
    "nominations.edit": edits_nomination,
    "notifications.read": reads_notification,
    "reminders.chase": chases_cycle,
    "sampling.draw": draws_sample,
    "appeals.file": files_appeal,
    "appeals.answer": answers_appeal,
}


def unit_visible(user, unit_id: int | None) -> bool:
    """Reporters see only their own unit; a scoped person (an office, inspector or leader of
    one level) its scope unit and the units below it; every other signed-in person all
    units."""
    if not user.is_authenticated:
        return False
    if user.role == REPORTER:
        return unit_id is not None and unit_id == user.unit_id
    scope = scope_of(user)
    return scope is None or unit_id in scope
