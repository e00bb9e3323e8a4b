"""Each publication keeps the audit chain's head it was written at (审计链指纹)."""

from __future__ import annotations

from assess.accounts.models import User
from assess.core import audit
from assess.core.models import AuditEntry
from assess.cycles import publishing
from assess.cycles.models import ResultSnapshot
from tests.cycle_helpers import make_cycle


def _publish_entries() -> list[AuditEntry]:
    query = AuditEntry.select().where(AuditEntry.action == "cycle.publish")
    return list(query.order_by(AuditEntry.id))


def _position(entry: AuditEntry) -> int:
    return AuditEntry.select().where(AuditEntry.id <= entry.id).count()


def test_snapshot_stores_the_head_after_its_publish_entry(demo, db):
    admin = User.get(User.username == "admin")
    cycle = make_cycle("review")
    first = publishing.publish(cycle, admin)
    stored = ResultSnapshot.get_by_id(first.id)
    (entry,) = _publish_entries()
    assert (stored.audit_count, stored.audit_mac) == (_position(entry), entry.hash)
    assert (first.audit_count, first.audit_mac) == (stored.audit_count, stored.audit_mac)
    assert audit.head() == audit.ChainHead(stored.audit_count, stored.audit_mac)

    # Later writes move the head on; the head the publication saw stays checkable.
    second = publishing.publish(cycle, admin, reason="更正数据")
    assert second.audit_count > first.audit_count
    assert audit.head_at(first.audit_count).mac == first.audit_mac
    assert audit.head_at(second.audit_count).mac == second.audit_mac == _publish_entries()[1].hash
    assert audit.verify() == []


def test_a_rewritten_entry_before_a_publication_no_longer_matches_its_head(demo, db):
    admin = User.get(User.username == "admin")
    snapshot = publishing.publish(make_cycle("review"), admin)
    entry = AuditEntry.select().order_by(AuditEntry.id).offset(2).first()
    AuditEntry.update(after='{"forged": true}').where(AuditEntry.id == entry.id).execute()
    assert [p.entry_id for p in audit.verify()] == [entry.id]
    # Even with the key, a recomputed chain no longer ends at the head its reports print.
    prev = audit.GENESIS_HASH
    for row in AuditEntry.select().order_by(AuditEntry.id):
        row.prev_hash, row.hash = prev, audit._entry_hash(prev, audit._hashed_fields(row))
        prev = row.hash
        row.save()
    assert audit.head_at(snapshot.audit_count).mac != snapshot.audit_mac
