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
        return str(self.id)

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
    """One assessment year for one indicator set (考核周期)."""

    year = pw.IntegerField()
    name = pw.CharField(max_length=200)
    state = pw.CharField(max_length=16, default="draft")
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("year", "name"), True),)


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
