"""The audit chain records writes and catches edited or deleted entries."""

from __future__ import annotations

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
    middle = AuditEntry.select().order_by(AuditEntry.id).offset(1).get()
    AuditEntry.update(after='{"v": 99}').where(AuditEntry.id == middle.id).execute()
    problems = audit.verify()
    assert [p.entry_id for p in problems] == [middle.id]
    assert "哈希不符" in problems[0].message


def test_deleted_middle_entry_is_caught(db):
    _write_three()
    middle = AuditEntry.select().order_by(AuditEntry.id).offset(1).get()
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
