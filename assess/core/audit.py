"""The audit trail (审计日志): every write records who, when, what, before and after.

Entries form a hash chain: each stores the previous entry's hash and its own hash over its
content, and the single ``AuditHead`` row holds the count and the newest hash. Editing an
entry breaks its hash; deleting one breaks the next entry's link or the head's count, so
``verify`` finds both. Writers lock the head row first, which also serialises the chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _

from assess.core.db import database, is_postgres
from assess.core.models import AuditEntry, AuditHead, utcnow

GENESIS_HASH = "0" * 64


def _default(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def canonical(data: Mapping | None) -> str:
    """Stable JSON text of ``data`` ('' for None) so hashes are reproducible."""
    if data is None:
        return ""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, default=_default)


def _entry_hash(prev_hash: str, fields: Mapping[str, object]) -> str:
    parts = [prev_hash] + [str(fields[k]) for k in sorted(fields)]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _hashed_fields(entry: AuditEntry) -> dict[str, object]:
    return {
        "at": entry.at.isoformat(timespec="microseconds"),
        "actor_id": "" if entry.actor_id is None else entry.actor_id,
        "actor_name": entry.actor_name,
        "action": entry.action,
        "entity": entry.entity,
        "entity_id": entry.entity_id,
        "before": entry.before,
        "after": entry.after,
    }


def record(
    action: str,
    entity: str,
    entity_id: object = "",
    before: Mapping | None = None,
    after: Mapping | None = None,
    *,
    actor,
    actor_name: str | None = None,
) -> AuditEntry:
    """Append one entry to the chain; call inside the transaction of the write it records.

    ``actor`` is the signed-in user the caller acts for, or None for the system (the command
    line, a worker); it is required so that no write is attributed by guesswork.
    """
    with database.atomic():
        head_query = AuditHead.select().order_by(AuditHead.id).limit(1)
        if is_postgres():
            head_query = head_query.for_update()
        head = head_query.get()
        entry = AuditEntry(
            at=utcnow(),
            actor_id=actor.id if actor else None,
            actor_name=actor_name or (actor.username if actor else "system"),
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            before=canonical(before),
            after=canonical(after),
            prev_hash=head.last_hash,
        )
        entry.hash = _entry_hash(entry.prev_hash, _hashed_fields(entry))
        entry.save()
        AuditHead.update(count=AuditHead.count + 1, last_hash=entry.hash).where(
            AuditHead.id == head.id
        ).execute()
    return entry


@dataclass(frozen=True)
class ChainProblem:
    entry_id: int | None
    message: str


def verify() -> list[ChainProblem]:
    """Walk the chain; return every problem found (empty list: the log is intact)."""
    problems: list[ChainProblem] = []
    expected_prev = GENESIS_HASH
    count = 0
    last_id = 0
    for entry in AuditEntry.select().order_by(AuditEntry.id).iterator():
        count += 1
        if entry.prev_hash != expected_prev:
            problems.append(
                ChainProblem(
                    entry.id,
                    _("第 %(id)s 条记录之前的记录被删除或改动（链接不符）", id=entry.id),
                )
            )
        if _entry_hash(entry.prev_hash, _hashed_fields(entry)) != entry.hash:
            problems.append(
                ChainProblem(entry.id, _("第 %(id)s 条记录的内容被改动（哈希不符）", id=entry.id))
            )
        expected_prev = entry.hash
        last_id = entry.id
    head = AuditHead.select().order_by(AuditHead.id).first()
    if head is None:
        problems.append(ChainProblem(None, _("审计链头缺失")))
    else:
        if head.count != count:
            problems.append(
                ChainProblem(
                    None,
                    _(
                        "审计记录条数不符：应有 %(expected)s 条，实有 %(actual)s 条",
                        expected=head.count,
                        actual=count,
                    ),
                )
            )
        if head.last_hash != expected_prev:
            problems.append(
                ChainProblem(last_id or None, _("最后一条审计记录被删除或改动（链头哈希不符）"))
            )
    return problems


def model_snapshot(instance, fields: tuple[str, ...]) -> dict[str, object]:
    """The named fields of a model instance as a dict for ``before``/``after``."""
    # __data__ holds foreign keys as ids, so a snapshot never triggers extra queries.
    return {name: instance.__data__.get(name) for name in fields}
