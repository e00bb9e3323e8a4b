"""The audit chain keyed with ``AUDIT_KEY`` (HMAC-SHA256); each publication keeps its head.

Until this step each entry's ``hash`` was the plain SHA-256 of the previous entry's hash and
the entry's fields, so whoever could write the database could edit an entry and recompute
every hash after it. ``up`` recomputes every link as HMAC-SHA256 under the key, which is kept
outside the database, over the same text, and records that as an ``audit.rekey`` entry;
``down`` recomputes the plain links and records ``audit.unkey``. A step changes how the
chain is checked, never what a check finds: a link or an entry that did not check before
is left as it was (``_relink``), so it still does not check after, and the recorded entry
counts them (``failed_checks``).

``result_snapshot`` gains ``audit_count`` and ``audit_mac``, the chain's head right after
the publication's ``cycle.publish`` entry; ``up`` fills them for earlier publications from
that entry. Nothing is lost on the way down, so nothing is listed in ``DROPS_TABLES`` or
``DROPS_COLUMNS``: ``down`` keeps every entry, and the two columns it drops are derived from
the chain (the position of the publish entry and its keyed link), which ``up`` finds again.

The links are frozen here, so later changes to ``assess.core.audit`` never change this step;
only the key is read from the running app.
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

    class ResultSnapshot(Base):
        cycle_id = pw.IntegerField()
        version = pw.IntegerField()
        audit_count = pw.IntegerField(null=True)
        audit_mac = pw.CharField(max_length=64, null=True)

    return AuditEntry, AuditHead, ResultSnapshot


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


def _relink(db, old: str, new: str) -> list:
    """Recompute the chain from the ``old`` links to the ``new``, then record that; return
    the entries as they were before that record, in order.

    Every entry whose link to the one before and whose own hash check under ``old`` is
    relinked under ``new``. What does not check keeps its stored value, which under ``new``
    fails the same check (the new links are fresh values): an entry pointing at a removed
    one still points at nothing, an edited entry still fails its hash, a head that names a
    removed entry still does. An empty chain is left alone: nothing was keyed.
    """
    entry_model, head_model, _snapshot = _models(db)
    head = head_model.select().order_by(head_model.id).get()
    entries = list(entry_model.select().order_by(entry_model.id))
    if not entries:
        return entries
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
    return entries


def _record_publication_heads(db, entries: list) -> None:
    """Give each snapshot the head after its publish entry, as ``publish`` now stores it."""
    snapshot_model = _models(db)[2]
    heads = {}
    for count, entry in enumerate(entries, start=1):
        if (entry.action, entry.entity) != ("cycle.publish", "cycle"):
            continue
        try:
            version = json.loads(entry.after).get("snapshot")
        except (ValueError, AttributeError):
            continue  # an entry that is not what publish writes names no snapshot
        heads.setdefault((entry.entity_id, str(version)), (count, entry.hash))
    for snapshot in snapshot_model.select():
        found = heads.get((str(snapshot.cycle_id), str(snapshot.version)))
        if found:
            snapshot_model.update(audit_count=found[0], audit_mac=found[1]).where(
                snapshot_model.id == snapshot.id
            ).execute()


def _canonical(data: dict) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("result_snapshot", "audit_count", pw.IntegerField(null=True)),
        migrator.add_column("result_snapshot", "audit_mac", pw.CharField(max_length=64, null=True)),
    )
    _record_publication_heads(db, _relink(db, PLAIN, KEYED))


def down(migrator, db):
    _relink(db, KEYED, PLAIN)
    migrator.migrate(
        migrator.drop_column("result_snapshot", "audit_count"),
        migrator.drop_column("result_snapshot", "audit_mac"),
    )
