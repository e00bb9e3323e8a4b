"""The audit chain records writes and catches edited or deleted entries."""

from __future__ import annotations

import hashlib
import json

from assess.core import audit
from assess.core.models import AuditEntry, AuditHead


def _write_three():
    audit.record("x.create", "thing", 1, after={"v": 1}, actor=None, actor_name="t")
    audit.record(
        "x.update", "thing", 1, before={"v": 1}, after={"v": 2}, actor=None, actor_name="t"
    )
    audit.record(
        "x.update", "thing", 1, before={"v": 2}, after={"v": "三"}, actor=None, actor_name="t"
    )


def test_intact_chain_verifies(db):
    _write_three()
    assert audit.verify() == []
    entries = list(AuditEntry.select().order_by(AuditEntry.id))
    assert entries[1].prev_hash == entries[0].hash
    assert json.loads(entries[2].after) == {"v": "三"}
    assert AuditHead.get().count == 3


def test_edited_entry_is_caught(db):
    _write_three()
    middle = AuditEntry.select().order_by(AuditEntry.id).offset(1).first()
    AuditEntry.update(after='{"v": 99}').where(AuditEntry.id == middle.id).execute()
    problems = audit.verify()
    assert [p.entry_id for p in problems] == [middle.id]
    assert "哈希不符" in problems[0].message


def test_deleted_middle_entry_is_caught(db):
    _write_three()
    middle = AuditEntry.select().order_by(AuditEntry.id).offset(1).first()
    AuditEntry.delete().where(AuditEntry.id == middle.id).execute()
    messages = " ".join(p.message for p in audit.verify())
    assert "链接不符" in messages
    assert "条数不符" in messages


def test_deleted_last_entry_is_caught(db):
    _write_three()
    last = AuditEntry.select().order_by(AuditEntry.id.desc()).get()
    AuditEntry.delete().where(AuditEntry.id == last.id).execute()
    assert audit.verify()


def test_rewritten_chain_without_head_is_caught(db):
    _write_three()
    # An attacker who recomputes an entry's own hash still breaks the next link.
    first = AuditEntry.select().order_by(AuditEntry.id).get()
    first.after = '{"v": 0}'
    first.hash = audit._entry_hash(first.prev_hash, audit._hashed_fields(first))
    first.save()
    assert any("链接不符" in p.message for p in audit.verify())


def _rechain(link) -> None:
    """Recompute every link and the head with ``link(prev, fields)``, as a writer of the
    database would after editing an entry."""
    prev = audit.GENESIS_HASH
    for entry in AuditEntry.select().order_by(AuditEntry.id):
        entry.prev_hash = prev
        entry.hash = prev = link(prev, audit._hashed_fields(entry))
        entry.save()
    AuditHead.update(last_hash=prev).execute()


def _plain_sha256(prev: str, fields) -> str:
    # All that the database tells an attacker: the links' text, not the key.
    return hashlib.sha256(audit._linked_text(prev, fields)).hexdigest()


def test_edited_and_rechained_without_the_key_is_caught(db):
    _write_three()
    middle = AuditEntry.select().order_by(AuditEntry.id).offset(1).first()
    AuditEntry.update(after='{"v": 99}').where(AuditEntry.id == middle.id).execute()
    _rechain(_plain_sha256)
    problems = audit.verify()
    assert problems, "a chain recomputed without the key passed"
    assert "AUDIT_KEY" in problems[0].message  # every mac is off: one message, not three
    # Only the key makes a recomputed chain pass again.
    _rechain(audit._entry_hash)
    assert audit.verify() == []


def test_one_entry_rechained_without_the_key_is_named(db):
    _write_three()
    last = AuditEntry.select().order_by(AuditEntry.id.desc()).get()
    last.after = '{"v": "四"}'
    last.hash = _plain_sha256(last.prev_hash, audit._hashed_fields(last))
    last.save()
    AuditHead.update(last_hash=last.hash).execute()
    assert [p.entry_id for p in audit.verify()] == [last.id]


def test_another_key_fails_every_entry_with_one_message(db, monkeypatch):
    _write_three()
    monkeypatch.setattr(audit, "_key", b"another key")
    problems = audit.verify()
    assert [p.entry_id for p in problems] == [None]
    assert "AUDIT_KEY" in problems[0].message and "SECRET_KEY" in problems[0].message


def test_head_at_names_the_mac_after_each_count(db):
    _write_three()
    entries = list(AuditEntry.select().order_by(AuditEntry.id))
    assert audit.head() == audit.ChainHead(3, entries[-1].hash)
    assert audit.head_at(2) == audit.ChainHead(2, entries[1].hash)
    assert audit.head_at(0) == audit.ChainHead(0, audit.GENESIS_HASH)
    assert audit.head_at(4) is None and audit.head_at(-1) is None
    assert audit.head_at(2).fingerprint == entries[1].hash[:16]


def test_user_writes_are_audited(as_user, db):
    admin = as_user("admin")
    before = AuditEntry.select().count()
    admin.post(
        "/admin/users/new",
        data={
            "username": "newbie",
            "role": "viewer",
            "unit": 0,
            "password": "Abc#12345",
            "active": "y",
        },
    )
    entry = AuditEntry.select().order_by(AuditEntry.id.desc()).get()
    assert AuditEntry.select().count() == before + 1
    assert entry.action == "user.create" and entry.actor_name == "admin"
    assert "password" not in entry.after
