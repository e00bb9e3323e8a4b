"""The audit chain keyed with ``AUDIT_KEY`` (HMAC-SHA256).

Until this step each entry's ``hash`` was the plain SHA-256 of the previous entry's hash and
the entry's fields, so whoever could write the database could edit an entry and recompute
every hash after it. ``up`` recomputes every link as HMAC-SHA256 under the key, which is kept
outside the database, over the same text, and records that as an ``audit.rekey`` entry;
``down`` recomputes the plain links and records ``audit.unkey``. A step changes how the
chain is checked, never what a check finds: a link or an entry that did not check before
is left as it was (``_relink``), so it still does not check after, and the recorded entry
counts them (``failed_checks``).

Nothing is dropped (no ``DROPS_TABLES``/``DROPS_COLUMNS``): ``down`` keeps every entry. The
links are frozen here, so later changes to ``assess.core.audit`` never change this step; only
the key is read from the running app.
"""

import hashlib
import hmac
import json
from datetime import UTC, datetime

import peewee as pw

from assess.core.audit import chain_key

GENESIS_HASH = "0" * 64
PLAIN, KEYED = "SHA-256", "HMAC-SHA256"


def _models(db):
    class Base(pw.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class AuditEntry(Base):
        at = pw.DateTimeField()
        actor_id = pw.IntegerField(null=True)
        actor_name = pw.CharField(max_length=64, default="")
        action = pw.CharField(max_length=64)
        entity = pw.CharField(max_length=64)
        entity_id = pw.CharField(max_length=64, default="")
        before = pw.TextField(default="")
        after = pw.TextField(default="")
        prev_hash = pw.CharField(max_length=64)
        hash = pw.CharField(max_length=64)

    class AuditHead(Base):
        count = pw.IntegerField(default=0)
        last_hash = pw.CharField(max_length=64)

    return AuditEntry, AuditHead


def _link(algorithm: str, prev_hash: str, entry) -> str:
    fields = {
        "at": entry.at.isoformat(timespec="microseconds"),
        "actor_id": "" if entry.actor_id is None else entry.actor_id,
        "actor_name": entry.actor_name,
        "action": entry.action,
        "entity": entry.entity,
        "entity_id": entry.entity_id,
        "before": entry.before,
        "after": entry.after,
    }
    text = "\x1f".join([prev_hash] + [str(fields[k]) for k in sorted(fields)]).encode("utf-8")
    if algorithm == PLAIN:
        return hashlib.sha256(text).hexdigest()
    return hmac.new(chain_key(), text, hashlib.sha256).hexdigest()


def _relink(db, old: str, new: str) -> None:
    """Recompute the chain from the ``old`` links to the ``new``, then record that.

    Every entry whose link to the one before and whose own hash check under ``old`` is
    relinked under ``new``. What does not check keeps its stored value, which under ``new``
    fails the same check (the new links are fresh values): an entry pointing at a removed
    one still points at nothing, an edited entry still fails its hash, a head that names a
    removed entry still does. An empty chain is left alone: nothing was keyed.
    """
    entry_model, head_model = _models(db)
    head = head_model.select().order_by(head_model.id).get()
    entries = list(entry_model.select().order_by(entry_model.id))
    if not entries:
        return
    relinked = {GENESIS_HASH: GENESIS_HASH}
    expected_prev, failed = GENESIS_HASH, 0
    for entry in entries:
        intact = _link(old, entry.prev_hash, entry) == entry.hash
        failed += (entry.prev_hash != expected_prev) + (not intact)
        expected_prev = entry.hash
        entry.prev_hash = relinked.get(entry.prev_hash, entry.prev_hash)
        new_hash = _link(new, entry.prev_hash, entry) if intact else entry.hash
        relinked[entry.hash] = new_hash
        entry.hash = new_hash
    entry_model.bulk_update(entries, fields=["prev_hash", "hash"], batch_size=200)
    last_hash = relinked.get(head.last_hash, head.last_hash)
    record = entry_model(
        at=datetime.now(UTC).replace(tzinfo=None),
        actor_id=None,
        actor_name="system",
        action="audit.rekey" if new == KEYED else "audit.unkey",
        entity="audit",
        entity_id="",
        before=_canonical({"algorithm": old}),
        after=_canonical({"algorithm": new, "entries": len(entries), "failed_checks": failed}),
        prev_hash=last_hash,
    )
    record.hash = _link(new, record.prev_hash, record)
    record.save()
    head_model.update(count=head.count + 1, last_hash=record.hash).where(
        head_model.id == head.id
    ).execute()


def _canonical(data: dict) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


def up(migrator, db):
    _relink(db, PLAIN, KEYED)


def down(migrator, db):
    _relink(db, KEYED, PLAIN)
