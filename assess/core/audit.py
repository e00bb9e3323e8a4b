"""The audit trail (审计日志): every write records who, when, what, before and after.

Entries form a keyed chain: each stores the previous entry's mac and its own, an
HMAC-SHA256 under ``AUDIT_KEY`` of the previous mac and its content, and the single
``AuditHead`` row holds the count and the newest mac. Editing an entry breaks its mac;
deleting one breaks the next entry's link or the head's count, so ``verify`` finds both. The
key is kept outside the database: whoever can write the database but has no key cannot
recompute the chain after an edit. Cutting off the newest entries and setting the head to
match leaves a valid shorter chain, which is why each publication keeps the head it saw
(``ResultSnapshot.audit_count``, ``audit_mac``) and prints it on its reports: ``head_at``
checks such a fingerprint against the chain. Writers lock the head row first, which also
serialises the chain.

The columns keep their first names (``hash``, ``prev_hash``). Before migration 0006 the
links were plain SHA-256 over the same text (``keyed=False``), which is what a database
downgraded below it holds.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _

from assess.core.db import database, is_postgres
from assess.core.models import AuditEntry, AuditHead, utcnow

GENESIS_HASH = "0" * 64
# How many hex digits of a head mac a printed fingerprint shows (64 bits).
FINGERPRINT_DIGITS = 16

_key: bytes | None = None

# The actor recorded for what no person did (a migration, the queue's scheduled work).
SYSTEM_ACTOR = "system"


def bind_key(key: str) -> None:
    """Key the chain with ``key`` (the ``AUDIT_KEY`` setting); the app factory calls this."""
    global _key
    if not key:
        raise ValueError("the audit key is empty")
    _key = key.encode("utf-8")


def chain_key() -> bytes:
    """The bound key; raise RuntimeError when no app has bound one (nothing may guess it)."""
    if _key is None:
        raise RuntimeError("no audit key bound: build the app (create_app) first")
    return _key


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


def _linked_text(prev_hash: str, fields: Mapping[str, object]) -> bytes:
    parts = [prev_hash] + [str(fields[k]) for k in sorted(fields)]
    return "\x1f".join(parts).encode("utf-8")


def _entry_hash(prev_hash: str, fields: Mapping[str, object], keyed: bool = True) -> str:
    """The entry's link: HMAC-SHA256 under the bound key, or the plain SHA-256 of the
    chains before migration 0006 when not ``keyed``."""
    text = _linked_text(prev_hash, fields)
    if not keyed:
        return hashlib.sha256(text).hexdigest()
    return hmac.new(chain_key(), text, hashlib.sha256).hexdigest()


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


def _actor_name(actor) -> str:
    """Who the entry names: the system, or the person as ``audit_name`` says it for this
    request (the person and the API token a write came through, set by ``web.security``)."""
    if actor is None:
        return SYSTEM_ACTOR
    return (getattr(actor, "audit_name", None) or actor.username)[:64]  # the column's width


def record(
    action: str,
    entity: str,
    entity_id: object = "",
    before: Mapping | None = None,
    after: Mapping | None = None,
    *,
    actor,
    actor_name: str | None = None,
    keyed: bool = True,
) -> AuditEntry:
    """Append one entry to the chain; call inside the transaction of the write it records.

    ``actor`` is the signed-in user the caller acts for, or None for the system (the command
    line, a worker); it is required so that no write is attributed by guesswork. ``keyed``
    False links the entry as the chains before migration 0006 did (only a downgrade below
    it writes one).
    """
    with database.atomic():
        head_query = AuditHead.select().order_by(AuditHead.id).limit(1)
        if is_postgres():
            head_query = head_query.for_update()
        head = head_query.get()
        entry = AuditEntry(
            at=utcnow(),
            actor_id=actor.id if actor else None,
            actor_name=actor_name or _actor_name(actor),
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            before=canonical(before),
            after=canonical(after),
            prev_hash=head.last_hash,
        )
        entry.hash = _entry_hash(entry.prev_hash, _hashed_fields(entry), keyed)
        entry.save()
        AuditHead.update(count=AuditHead.count + 1, last_hash=entry.hash).where(
            AuditHead.id == head.id
        ).execute()
    return entry


@dataclass(frozen=True)
class ChainProblem:
    entry_id: int | None
    message: str


def verify(*, keyed: bool = True) -> list[ChainProblem]:
    """Walk the chain; return every problem found (empty list: the log is intact).

    When no entry's mac matches, the likelier cause is another key than the one the chain was
    written with (``AUDIT_KEY``, or the ``SECRET_KEY`` it derives from): that is one problem,
    not one per entry. ``keyed`` False checks a chain written before migration 0006.
    """
    problems: list[ChainProblem] = []
    mismatched: list[ChainProblem] = []
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
        if _entry_hash(entry.prev_hash, _hashed_fields(entry), keyed) != entry.hash:
            mismatched.append(
                ChainProblem(entry.id, _("第 %(id)s 条记录的内容被改动（哈希不符）", id=entry.id))
            )
        expected_prev = entry.hash
        last_id = entry.id
    if count > 1 and len(mismatched) == count:
        problems.append(
            ChainProblem(
                None,
                _(
                    "全部 %(n)s 条审计记录的哈希都不符：审计密钥（AUDIT_KEY，未设置时由 "
                    "SECRET_KEY 派生）与写入时不同，或全部记录被改动",
                    n=count,
                ),
            )
        )
    else:
        problems.extend(mismatched)
    problems.sort(key=lambda p: (p.entry_id is None, p.entry_id or 0))
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


@dataclass(frozen=True)
class ChainHead:
    """The chain as it stood after ``count`` entries: the mac of the last of them."""

    count: int
    mac: str

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.mac)


def fingerprint(mac: str) -> str:
    """The part of a head mac printed on reports (审计链指纹)."""
    return mac[:FINGERPRINT_DIGITS]


def head() -> ChainHead:
    """The chain's head now; inside the transaction that wrote the last entry, that entry."""
    row = AuditHead.select().order_by(AuditHead.id).get()
    return ChainHead(row.count, row.last_hash)


def head_at(count: int) -> ChainHead | None:
    """The head the chain had after its first ``count`` entries (in order of writing), as a
    publication recorded it; None when the chain holds fewer entries."""
    if count < 0:
        return None
    if count == 0:
        return ChainHead(0, GENESIS_HASH)
    entry = AuditEntry.select(AuditEntry.hash).order_by(AuditEntry.id).offset(count - 1).first()
    return None if entry is None else ChainHead(count, entry.hash)


def model_snapshot(instance, fields: tuple[str, ...]) -> dict[str, object]:
    """The named fields of a model instance as a dict for ``before``/``after``."""
    # __data__ holds foreign keys as ids, so a snapshot never triggers extra queries.
    return {name: instance.__data__.get(name) for name in fields}
