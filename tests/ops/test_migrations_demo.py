"""Every migration step, down and up, on the full demo data, on the engine under test.

The demo is built once per module and copied for each test (SQLite: the online backup API;
PostgreSQL: ``CREATE DATABASE … TEMPLATE``), so the steps meet real rows without each test
paying for the demo.
"""

from __future__ import annotations

import json
import sqlite3
import uuid

import peewee
import pytest
from click.testing import CliRunner

from assess.accounts.models import User
from assess.cli.main import main
from assess.core import audit
from assess.core.db import database, is_sqlite
from assess.core.models import AuditEntry
from assess.cycles.models import Appeal, Cycle, ResultSnapshot
from assess.evidence.storage import EvidenceStore
from assess.notifications.models import Notification
from assess.ops import migrations
from tests.conftest import AUDIT_KEY, PG_SERVER, _pg_admin, login, make_app

# Versions need not be consecutive (two branches may each add one): compare with the list.
VERSIONS = [m.version for m in migrations.available()]
LATEST = VERSIONS[-1]
# The tables each version brings, checked to keep every row through a round trip.
TABLES_AT = {
    1: ("unit", "user", "cycle", "audit_entry"),
    2: ("submission", "evidence", "rectification", "result_snapshot", "unit_result_record"),
    3: ("nomination_round", "nomination", "review_sheet", "criterion_score"),
}


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory):
    """The URL of a database holding the full demo at the latest schema (never changed)."""
    from assess.demo import units as demo_data

    folder = tmp_path_factory.mktemp("demo")
    if PG_SERVER:
        name = f"t_demo_{uuid.uuid4().hex[:10]}"
        admin = _pg_admin()
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        admin.close()
        url = f"{PG_SERVER.rsplit('/', 1)[0]}/{name}"
    else:
        url = f"sqlite:///{folder}/demo.db"
    app = make_app(url, folder)
    with app.app_context():
        database.connect(reuse_if_open=True)
        migrations.upgrade()
        demo_data.load_demo(store=EvidenceStore.from_config(app.config))
        database.close()
    yield url
    if PG_SERVER:
        admin = _pg_admin()
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def demo_copy(demo_database, tmp_path):
    """A fresh copy of the demo database and an app on it, connected for the test."""
    if PG_SERVER:
        name = f"t_{uuid.uuid4().hex[:12]}"
        source = demo_database.rsplit("/", 1)[1]
        admin = _pg_admin()
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        url = f"{PG_SERVER.rsplit('/', 1)[0]}/{name}"
    else:
        target = tmp_path / "assess.db"
        src = sqlite3.connect(demo_database.removeprefix("sqlite:///"))
        dst = sqlite3.connect(target)
        src.backup(dst)
        src.close()
        dst.close()
        url = f"sqlite:///{target}"
    app = make_app(url, tmp_path)
    with app.app_context():
        database.connect(reuse_if_open=True)
        yield app, url
        if not database.is_closed():
            database.close()
    if PG_SERVER:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _counts(upto: int) -> dict[str, int]:
    db = database.obj
    tables = [t for v in range(1, upto + 1) for t in TABLES_AT.get(v, ())]
    return {t: peewee.Table(t).bind(db).select().count() for t in tables}


def _dangling() -> list:
    if not is_sqlite():
        return []  # PostgreSQL checks every foreign key on every statement
    return database.execute_sql("PRAGMA foreign_key_check").fetchall()


@pytest.mark.parametrize("target", [0, *VERSIONS[:-1]])
def test_down_to_each_version_and_up_again_keeps_the_demo(demo_copy, target):
    app, _url = demo_copy
    before = _counts(min(target, 3))
    assert all(before.values()), before  # the demo fills every table we follow
    lost = migrations.would_lose(target)
    undone = migrations.downgrade(target, force=True)
    assert [m.version for m in undone] == [v for v in reversed(VERSIONS) if v > target]
    assert migrations.current_version() == target
    assert _dangling() == []
    plain = target < migrations.AUDIT_KEYED_FROM  # the keying step was undone too
    if target >= 1:
        if plain:
            before["audit_entry"] += 1  # audit.unkey: the chain is plain again, and verifies so
        if lost:  # rows were dropped, and the downgrade says so in the audit log
            before["audit_entry"] += 1
        assert audit.verify(keyed=not plain) == []
    assert _counts(min(target, 3)) == before
    applied = migrations.upgrade()
    assert [m.version for m in applied] == [v for v in VERSIONS if v > target]
    assert _dangling() == []
    if target >= 1 and plain:
        before["audit_entry"] += 1  # audit.rekey
    assert _counts(min(target, 3)) == before
    assert audit.verify() == []
    assert migrations.schema_problem() is None
    database.close()
    if target >= 1:  # the accounts survived: a demo login works after the round trip
        response = login(app.test_client(), "admin")
        assert response.status_code == 302, response.data.decode()[:300]


@pytest.fixture
def demo_unnotified(demo_copy):
    """The demo copy without its notifications (the returns and demands of the demo sent
    some), its two 2011 appeals and the appeal deadline its publication set (复核申诉,
    migration 0013), and 金水区's office's scope and its cycle's owner (migration 0014):
    the only data of the later steps a downgrade below 0009 would drop, which the tests
    below, about other steps, need not force."""
    Notification.delete().execute()
    Appeal.delete().execute()
    Cycle.update(appeal_due=None, owner=None).execute()
    User.update(scope_unit=None).execute()
    return demo_copy


def test_the_demos_notifications_are_dropped_only_with_force(demo_copy):
    assert set(migrations.would_lose(8)) == {
        "notification",
        "appeal",
        "cycle.appeal_due",
        "cycle.owner_id",
        "user.scope_unit_id",
    }
    with pytest.raises(migrations.DataLossError):
        migrations.downgrade(8)
    assert migrations.current_version() == LATEST


def test_downgrade_that_keeps_every_row_needs_no_force(demo_unnotified):
    assert migrations.would_lose(3) == {}
    assert [m.version for m in migrations.downgrade(3)] == [v for v in reversed(VERSIONS) if v > 3]


def _last_entry() -> AuditEntry:
    return AuditEntry.select().order_by(AuditEntry.id.desc()).get()


def test_keying_step_unkeys_the_demo_chain_and_keys_it_again(demo_unnotified):
    entries = AuditEntry.select().count()
    assert audit.verify() == [] and audit.verify(keyed=False) != []
    assert [m.version for m in migrations.downgrade(5)] == [v for v in reversed(VERSIONS) if v > 5]
    unkey = _last_entry()
    assert (unkey.action, unkey.entity, unkey.actor_name) == ("audit.unkey", "audit", "system")
    assert json.loads(unkey.before) == {"algorithm": "HMAC-SHA256"}
    assert json.loads(unkey.after) == {
        "algorithm": "SHA-256",
        "entries": entries,
        "failed_checks": 0,
    }
    assert audit.verify(keyed=False) == [] and audit.verify() != []
    assert [m.version for m in migrations.upgrade()] == [v for v in VERSIONS if v > 5]
    rekey = _last_entry()
    assert rekey.action == "audit.rekey"
    assert json.loads(rekey.after) == {
        "algorithm": "HMAC-SHA256",
        "entries": entries + 1,
        "failed_checks": 0,
    }
    assert audit.verify() == [] and audit.verify(keyed=False) != []


def test_publication_heads_are_found_again_after_a_round_trip(demo_unnotified):
    heads = {s.id: (s.audit_count, s.audit_mac) for s in ResultSnapshot.select()}
    assert heads and all(count for count, _mac in heads.values())
    assert all(audit.head_at(count).mac == mac for count, mac in heads.values())
    migrations.downgrade(5)
    assert "audit_mac" not in {c.name for c in database.get_columns("result_snapshot")}
    migrations.upgrade()
    assert {s.id: (s.audit_count, s.audit_mac) for s in ResultSnapshot.select()} == heads


@pytest.mark.parametrize("damage", ["edit", "delete"])
def test_keying_step_neither_hides_nor_invents_a_problem(demo_unnotified, damage):
    middle = AuditEntry.select().order_by(AuditEntry.id).offset(10).first()
    if damage == "edit":
        AuditEntry.update(after='{"forged": true}').where(AuditEntry.id == middle.id).execute()
    else:
        AuditEntry.delete().where(AuditEntry.id == middle.id).execute()
    found = [p.entry_id for p in audit.verify()]
    assert found
    migrations.downgrade(5)
    assert [p.entry_id for p in audit.verify(keyed=False)] == found
    migrations.upgrade()
    assert [p.entry_id for p in audit.verify()] == found
    assert json.loads(_last_entry().after)["failed_checks"] == 1


def test_downgrade_that_drops_rows_needs_force_and_is_audited(demo_copy):
    before = _counts(3)
    entries = AuditEntry.select().count()
    with pytest.raises(migrations.DataLossError, match="--force") as refused:
        migrations.downgrade(2)
    assert refused.value.lost["nomination"] > 0
    assert migrations.current_version() == LATEST  # nothing changed
    assert _counts(3) == before
    assert AuditEntry.select().count() == entries
    migrations.downgrade(2, force=True)
    assert migrations.current_version() == 2
    last = _last_entry()
    assert (last.action, last.entity, last.entity_id) == ("schema.downgrade", "schema", "2")
    assert '"nomination": ' in last.after and last.actor_name == "system"
    # Written after the keying step went: a plain link, like the rest of the chain there.
    assert audit.verify(keyed=False) == []


def test_cli_downgrade_asks_for_force(demo_copy, tmp_path, monkeypatch):
    _app, url = demo_copy
    database.close()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ASSESS_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("SECRET_KEY", "cli-test")
    monkeypatch.setenv("AUDIT_KEY", AUDIT_KEY)
    runner = CliRunner()
    refused = runner.invoke(main, ["db", "downgrade", "--to", "1"])
    assert refused.exit_code == 1
    assert "--force" in refused.output and "submission" in refused.output
    done = runner.invoke(main, ["db", "downgrade", "--to", "1", "--force"])
    assert done.exit_code == 0, done.output
    assert "当前版本：1" in done.output
