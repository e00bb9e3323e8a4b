"""Models every area shares: the UTC clock and the audit chain (审计日志).

The tables are created by ``migrations/``; these classes must describe the same schema
(``tests/ops/test_migrations.py`` compares them column by column).
"""

from __future__ import annotations

from datetime import UTC, datetime

import peewee as pw

from assess.core.db import BaseModel


def utcnow() -> datetime:
    """Naive UTC timestamp: every stored time is UTC, shown in Asia/Shanghai."""
    return datetime.now(UTC).replace(tzinfo=None)


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
