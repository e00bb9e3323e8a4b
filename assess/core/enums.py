"""The vocabulary of stored codes: roles, unit kinds and every state a record moves through.

Each enum's values are exactly the strings the database stores, so a column read back as
a plain ``str`` compares equal to its member and no schema changes. Groups of states the code checks together are module-level frozensets beside
their enum (an enum class cannot carry non-member attributes cleanly). Labels people read
are in ``assess.core.labels``.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a signed-in person is (角色); ``assess.core.policy`` says what each may do."""

    ADMIN = "admin"
    INSPECTOR = "inspector"
    REPORTER = "reporter"
    VIEWER = "viewer"


class TokenScope(StrEnum):
    """What an API token (接口令牌) may do: read only, or whatever its person may."""

    READ = "read"
    WRITE = "write"


class UnitKind(StrEnum):
    """The kind of a unit (单位类型), from the root of the tree down."""

    CITY = "city"
    COUNTY = "county"
    DEPARTMENT = "department"
    TOWNSHIP = "township"
    COMMUNITY = "community"


# The city is the root of the tree and is never assessed; the other four kinds are, and
# results list them in this order.
ASSESSED_UNIT_KINDS: tuple[UnitKind, ...] = (
    UnitKind.COUNTY,
    UnitKind.DEPARTMENT,
    UnitKind.TOWNSHIP,
    UnitKind.COMMUNITY,
)


class CycleState(StrEnum):
    """Where a cycle (考核周期) stands, in the order it moves (SPEC §2)."""

    DRAFT = "draft"
    OPEN = "open"
    REVIEW = "review"
    PUBLISHED = "published"
    ARCHIVED = "archived"


# A cycle with a published snapshot: its results may be read and reported.
RESULT_CYCLE_STATES = frozenset({CycleState.PUBLISHED, CycleState.ARCHIVED})
# Inspectors verify, return and adjust submissions only while these last.
REVIEWABLE_CYCLE_STATES = frozenset({CycleState.OPEN, CycleState.REVIEW})
# Publishing from review, or republishing; never from open (units are still reporting).
PUBLISHABLE_CYCLE_STATES = frozenset({CycleState.REVIEW, CycleState.PUBLISHED})
# Rectification demands follow inspection findings, and the unit's answers and the closing
# notes belong to the same exchange: all of it while units report and inspectors review.
# Once published the unit's report prints the exchange, so it is frozen with the results.
RECTIFIABLE_CYCLE_STATES = frozenset({CycleState.OPEN, CycleState.REVIEW})
# Deadlines and extensions may be set until the results are published.
DEADLINE_CYCLE_STATES = frozenset({CycleState.DRAFT, CycleState.OPEN, CycleState.REVIEW})
# Units appeal published scores (复核申诉) and inspectors answer while the results stand
# published; an archived cycle is closed for good.
APPEALABLE_CYCLE_STATES = frozenset({CycleState.PUBLISHED})
# The appeal deadline may be set ahead of publishing, and moved while appeals run.
APPEAL_DUE_CYCLE_STATES = frozenset({CycleState.OPEN, CycleState.REVIEW, CycleState.PUBLISHED})


class SubmissionState(StrEnum):
    """A unit's self-report of one indicator (自评): draft → submitted → (returned →
    submitted)* → verified."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    VERIFIED = "verified"


# The unit may still change the value and its evidence.
EDITABLE_SUBMISSION_STATES = frozenset({SubmissionState.DRAFT, SubmissionState.RETURNED})
# Handed in and not sent back: counts as done for progress, and may be returned or verified.
HANDED_IN_SUBMISSION_STATES = frozenset({SubmissionState.SUBMITTED, SubmissionState.VERIFIED})
# What publishing scores; a draft never submitted counts as not reported (未填报).
COUNTED_SUBMISSION_STATES = frozenset(
    {SubmissionState.SUBMITTED, SubmissionState.RETURNED, SubmissionState.VERIFIED}
)


class ReportProgress(StrEnum):
    """Where one unit's self-report of a cycle stands as a whole (填报进度); derived from its
    items and the cycle's state, never stored (``assess.cycles.pages.report_progress``)."""

    NOT_STARTED = "not_started"
    FILLING = "filling"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    VERIFIED = "verified"
    PUBLISHED = "published"


class Light(StrEnum):
    """The three colours of what is outstanding (三色预警): nothing, something not yet
    overdue, something overdue."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


class RectificationState(StrEnum):
    """A rectification demand (整改要求): open → responded → closed."""

    OPEN = "open"
    RESPONDED = "responded"
    CLOSED = "closed"


class AppealState(StrEnum):
    """A unit's appeal against a published indicator score (复核申诉): open → upheld
    (the score corrected) or rejected (with a reason)."""

    OPEN = "open"
    UPHELD = "upheld"
    REJECTED = "rejected"


# An answered appeal: its answer is final and the unit's next appeal on the indicator may go in.
ANSWERED_APPEAL_STATES = frozenset({AppealState.UPHELD, AppealState.REJECTED})


class NomineeKind(StrEnum):
    """Who a nomination category puts forward (推荐对象): a unit or a person."""

    UNIT = "unit"
    PERSON = "person"


class NominationState(StrEnum):
    """A nomination (提名) stays submitted until its unit withdraws it."""

    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"


class RoundPhase(StrEnum):
    """Where a nomination round stands; derived from its dates, sheets and runs, never
    stored (``assess.nominations.rounds.phase``)."""

    PREPARING = "preparing"
    NOMINATING = "nominating"
    CLOSED = "closed"  # the window has closed, reviewers are not yet assigned
    REVIEWING = "reviewing"
    CONFIRMED = "confirmed"


# The nomination window has not closed yet, so reviewers cannot be assigned.
BEFORE_CLOSE_ROUND_PHASES = frozenset({RoundPhase.PREPARING, RoundPhase.NOMINATING})
# The window has closed and the award list is not confirmed: reviewers may be (re)assigned.
ASSIGNABLE_ROUND_PHASES = frozenset({RoundPhase.CLOSED, RoundPhase.REVIEWING})


class ReviewSheetState(StrEnum):
    """A reviewer's score sheet (评分表): assigned → draft → submitted."""

    ASSIGNED = "assigned"
    DRAFT = "draft"
    SUBMITTED = "submitted"


class JobState(StrEnum):
    """A background job on the task queue (后台任务), e.g. a batch of reports (批量生成)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


# A job still waiting for, or held by, a worker: the page refreshes, nothing to download yet.
UNFINISHED_JOB_STATES = frozenset({JobState.QUEUED, JobState.RUNNING})
FINISHED_JOB_STATES = frozenset({JobState.DONE, JobState.FAILED})


class NotificationKind(StrEnum):
    """What a notification (消息通知) tells its reader; its text is rendered from the kind
    and the stored parameters when it is read (``assess.core.notification_texts``)."""

    ITEM_RETURNED = "item_returned"
    RECTIFICATION_DEMANDED = "rectification_demanded"
    DEADLINE_NEAR = "deadline_near"
    DEADLINE_PASSED = "deadline_passed"
    CHASE = "chase"
    RECTIFICATION_CLOSED = "rectification_closed"
    RECTIFICATION_OVERDUE = "rectification_overdue"
    CYCLE_OPENED = "cycle_opened"
    CYCLE_PUBLISHED = "cycle_published"
    CYCLE_REPUBLISHED = "cycle_republished"
    REVIEW_ASSIGNED = "review_assigned"
    BATCH_DONE = "batch_done"
    BATCH_FAILED = "batch_failed"
    APPEAL_FILED = "appeal_filed"
    APPEAL_ANSWERED = "appeal_answered"


class ReminderThreshold(StrEnum):
    """When a deadline reminder (截止提醒) is due: so many days before the deadline, or once
    it has passed. Sent once each per unit, deadline and date (``reminder_sent``)."""

    DAYS_7 = "7"
    DAYS_3 = "3"
    DAYS_1 = "1"
    PASSED = "passed"


class DeliveryChannel(StrEnum):
    """A way a notification leaves the app (投递渠道), besides the in-app list, which is
    always on: e-mail, or a unit's WeCom (企业微信) or DingTalk (钉钉) group robot."""

    EMAIL = "email"
    WECOM = "wecom"
    DINGTALK = "dingtalk"


class DeliveryState(StrEnum):
    """One delivery in the outbox (投递): waiting (or retrying), sent, or given up on."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class SmtpSecurity(StrEnum):
    """How the SMTP connection is protected: STARTTLS on a plain port (587), TLS from the
    first byte (465), or none (a relay on the same machine or network only)."""

    STARTTLS = "starttls"
    SSL = "ssl"
    NONE = "none"


ALL_ENUMS: tuple[type[StrEnum], ...] = (
    Role,
    UnitKind,
    CycleState,
    SubmissionState,
    ReportProgress,
    Light,
    RectificationState,
    AppealState,
    NomineeKind,
    NominationState,
    RoundPhase,
    ReviewSheetState,
    JobState,
    NotificationKind,
    ReminderThreshold,
    DeliveryChannel,
    DeliveryState,
    SmtpSecurity,
)
