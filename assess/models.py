"""Peewee models of the foundation: units, users, login throttling, cycles and the audit log.

The tables are created by ``migrations/``; these classes must describe the same schema
(``tests/test_migrations.py`` compares them column by column).
"""

from __future__ import annotations

from datetime import UTC, datetime

import peewee as pw

from assess.db import BaseModel

# The city is the root of the tree and is never assessed; the other four kinds are.
UNIT_KINDS = ("city", "county", "department", "township", "community")
ASSESSED_KINDS = UNIT_KINDS[1:]
ROLES = ("admin", "inspector", "reporter", "viewer")
CYCLE_STATES = ("draft", "open", "review", "published", "archived")


def utcnow() -> datetime:
    """Naive UTC timestamp: every stored time is UTC, shown in Asia/Shanghai."""
    return datetime.now(UTC).replace(tzinfo=None)


class Unit(BaseModel):
    """A unit under assessment (被考核单位): county/district, department, township, community."""

    code = pw.CharField(max_length=32, unique=True)
    name = pw.CharField(max_length=100)
    kind = pw.CharField(max_length=16, choices=[(k, k) for k in UNIT_KINDS])
    parent = pw.ForeignKeyField("self", null=True, backref="children", on_delete="RESTRICT")
    contact_person = pw.CharField(max_length=50, default="")
    contact_title = pw.CharField(max_length=100, default="")
    contact_phone = pw.CharField(max_length=50, default="")
    active = pw.BooleanField(default=True)
    sort_order = pw.IntegerField(default=0)

    def __str__(self) -> str:
        return self.name

    @classmethod
    def ordered(cls):
        return cls.select().order_by(cls.sort_order, cls.code)

    @classmethod
    def by_code(cls, code: str) -> Unit | None:
        return cls.get_or_none(cls.code == code)


class User(BaseModel):
    """A person who signs in. A reporter belongs to exactly one unit."""

    username = pw.CharField(max_length=64, unique=True)
    display_name = pw.CharField(max_length=64, default="")
    password_hash = pw.CharField(max_length=255)
    role = pw.CharField(max_length=16, choices=[(r, r) for r in ROLES])
    unit = pw.ForeignKeyField(Unit, null=True, backref="users", on_delete="RESTRICT")
    active = pw.BooleanField(default=True)
    locale = pw.CharField(max_length=10, default="")
    created_at = pw.DateTimeField(default=utcnow)
    last_login_at = pw.DateTimeField(null=True)
    # Raised at sign-out: cookie sessions carry it, so older cookies stop working.
    session_version = pw.IntegerField(default=0)

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        from assess.security import session_id

        return session_id(self)

    @property
    def label(self) -> str:
        return self.display_name or self.username


class LoginThrottle(BaseModel):
    """Failed-login counter for one account name or one client address."""

    key = pw.CharField(max_length=200, unique=True)
    failures = pw.IntegerField(default=0)
    locked_until = pw.DateTimeField(null=True)
    updated_at = pw.DateTimeField(default=utcnow)


class Cycle(BaseModel):
    """One assessment year for one indicator set (考核周期).

    ``indicator_yaml`` is the set as text; it may change only while the cycle is a draft,
    so opening the cycle freezes what its results are computed from.
    """

    year = pw.IntegerField()
    name = pw.CharField(max_length=200)
    state = pw.CharField(max_length=16, default="draft")
    created_at = pw.DateTimeField(default=utcnow)
    indicator_yaml = pw.TextField(default="")
    indicator_source = pw.CharField(max_length=200, default="")
    self_report_due = pw.DateField(null=True)
    review_due = pw.DateField(null=True)
    previous = pw.ForeignKeyField("self", null=True, on_delete="SET NULL")
    opened_at = pw.DateTimeField(null=True)
    published_at = pw.DateTimeField(null=True)

    class Meta:
        indexes = ((("year", "name"), True),)

    @property
    def title(self) -> str:
        """The name, prefixed with the year unless the name already says it."""
        return self.name if str(self.year) in self.name else f"{self.year} {self.name}"

    def __str__(self) -> str:
        return self.title


class Assignment(BaseModel):
    """An indicator assigned to a unit for a cycle (目标责任书), with optional overrides."""

    cycle = pw.ForeignKeyField(Cycle, backref="assignments", on_delete="CASCADE")
    unit = pw.ForeignKeyField(Unit, on_delete="RESTRICT")
    indicator_code = pw.CharField(max_length=32)
    target = pw.DecimalField(max_digits=14, decimal_places=4, null=True)
    weight = pw.DecimalField(max_digits=10, decimal_places=4, null=True)

    class Meta:
        indexes = ((("cycle", "unit", "indicator_code"), True),)


SUBMISSION_STATES = ("draft", "submitted", "returned", "verified")


class Submission(BaseModel):
    """A unit's self-reported value for one indicator in one cycle (自评), and its review.

    ``version`` grows with every write; a write names the version it started from, so two
    people editing the same item never silently overwrite each other.
    """

    cycle = pw.ForeignKeyField(Cycle, backref="submissions", on_delete="CASCADE")
    unit = pw.ForeignKeyField(Unit, on_delete="RESTRICT")
    indicator_code = pw.CharField(max_length=32)
    status = pw.CharField(max_length=16, default="draft")
    value_text = pw.CharField(max_length=100, default="")
    narrative = pw.TextField(default="")
    version = pw.IntegerField(default=1)
    updated_at = pw.DateTimeField(default=utcnow)
    updated_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    submitted_at = pw.DateTimeField(null=True)
    return_reason = pw.TextField(default="")
    verified_value_text = pw.CharField(max_length=100, default="")  # 核定值; '' = accepted
    verify_reason = pw.TextField(default="")
    deduction = pw.DecimalField(max_digits=10, decimal_places=2, null=True)  # 扣分
    deduction_reason = pw.TextField(default="")
    reviewed_by = pw.ForeignKeyField(
        User, null=True, on_delete="SET NULL", backref="reviewed_submissions"
    )
    reviewed_at = pw.DateTimeField(null=True)

    class Meta:
        indexes = ((("cycle", "unit", "indicator_code"), True),)


class Evidence(BaseModel):
    """One uploaded evidence file (佐证材料), owned by a unit; the bytes live in the store."""

    sha256 = pw.CharField(max_length=64, index=True)
    original_name = pw.CharField(max_length=255)
    size = pw.IntegerField()
    mime = pw.CharField(max_length=100)
    kind = pw.CharField(max_length=16)
    pages = pw.IntegerField(null=True)
    has_thumbnail = pw.BooleanField(default=False)
    unit = pw.ForeignKeyField(Unit, on_delete="RESTRICT")
    submission = pw.ForeignKeyField(Submission, null=True, backref="evidence", on_delete="CASCADE")
    nomination_id = pw.IntegerField(null=True, index=True)
    uploaded_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    uploaded_at = pw.DateTimeField(default=utcnow)


RECTIFICATION_STATES = ("open", "responded", "closed")


class Rectification(BaseModel):
    """A rectification demand (整改要求) with its due date, the unit's response and closure."""

    cycle = pw.ForeignKeyField(Cycle, backref="rectifications", on_delete="CASCADE")
    unit = pw.ForeignKeyField(Unit, on_delete="RESTRICT")
    indicator_code = pw.CharField(max_length=32, default="")
    demand = pw.TextField()
    due_date = pw.DateField()
    status = pw.CharField(max_length=16, default="open")
    created_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = pw.DateTimeField(default=utcnow)
    response = pw.TextField(default="")
    responded_at = pw.DateTimeField(null=True)
    closed_at = pw.DateTimeField(null=True)
    closing_note = pw.TextField(default="")


class ResultSnapshot(BaseModel):
    """One publication of a cycle's results (结果公布); earlier ones are kept."""

    cycle = pw.ForeignKeyField(Cycle, backref="snapshots", on_delete="CASCADE")
    version = pw.IntegerField()
    published_at = pw.DateTimeField(default=utcnow)
    published_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    reason = pw.TextField(default="")
    current = pw.BooleanField(default=True)

    class Meta:
        indexes = ((("cycle", "version"), True),)


class UnitResultRecord(BaseModel):
    """A unit's stored result in one snapshot; ``scores`` holds per-indicator JSON with the
    score, the value scored and the explanation (得分依据)."""

    snapshot = pw.ForeignKeyField(ResultSnapshot, backref="results", on_delete="CASCADE")
    unit = pw.ForeignKeyField(Unit, on_delete="RESTRICT")
    kind = pw.CharField(max_length=16)
    total = pw.DecimalField(max_digits=10, decimal_places=2)
    grade = pw.CharField(max_length=32)
    rank = pw.IntegerField(null=True)
    veto = pw.BooleanField(default=False)
    missing = pw.TextField(default="[]")
    scores = pw.TextField(default="{}")

    class Meta:
        # The ranking page reads one kind of one snapshot in rank order.
        indexes = ((("snapshot", "unit"), True), (("snapshot", "kind", "veto", "rank"), False))


class AuditEntry(BaseModel):
    """One audited write: who, when, what, before and after, chained by hash (审计日志)."""

    at = pw.DateTimeField(default=utcnow, index=True)
    actor_id = pw.IntegerField(null=True, index=True)
    actor_name = pw.CharField(max_length=64, default="")
    action = pw.CharField(max_length=64, index=True)
    entity = pw.CharField(max_length=64, index=True)
    entity_id = pw.CharField(max_length=64, default="", index=True)
    before = pw.TextField(default="")
    after = pw.TextField(default="")
    prev_hash = pw.CharField(max_length=64)
    hash = pw.CharField(max_length=64)


class AuditHead(BaseModel):
    """The chain's single head row: locking it serialises audit writers."""

    count = pw.IntegerField(default=0)
    last_hash = pw.CharField(max_length=64)


FOUNDATION_MODELS = (Unit, User, LoginThrottle, Cycle, AuditEntry, AuditHead)
CYCLE_MODELS = (Assignment, Submission, Evidence, Rectification, ResultSnapshot, UnitResultRecord)
ALL_MODELS = FOUNDATION_MODELS + CYCLE_MODELS
