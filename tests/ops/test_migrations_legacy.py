"""An instance made before Runner upgrades in place: its ``schema_version`` history is adopted.

The instance is built here the way the hand-written runner of c65e1d8 built it (a frozen copy
of that runner's history table and loop below), with data, at its latest version and halfway.
"""

from __future__ import annotations

import datetime
import importlib
import json

import peewee as pw
import pytest
from playhouse.migrate import SchemaMigrator
from playhouse.migrations import Runner

from assess.core.db import database
from assess.ops import migrations
from tests.conftest import make_app

OLD_APPLIED_AT = datetime.datetime(2026, 11, 23, 8, 30, 0)


class LegacySchemaVersion(pw.Model):
    """Frozen from c65e1d8's ``assess/migrate.py``: the history that runner kept."""

    version = pw.IntegerField(primary_key=True)
    name = pw.CharField(max_length=100)
    # The original stamped utcnow(); a fixed stamp shows adoption keeps it.
    applied_at = pw.DateTimeField(default=lambda: OLD_APPLIED_AT)

    class Meta:
        database = database
        table_name = "schema_version"


def legacy_upgrade(target: int) -> None:
    """c65e1d8's ``upgrade(target)``: each step and its history row in one transaction.

    That runner called ``up(db)``; the steps built this same migrator themselves.
    """
    db = database.obj
    LegacySchemaVersion.create_table(safe=True)
    done = {row.version for row in LegacySchemaVersion.select()}
    for migration in migrations.available():
        if migration.version in done or migration.version > target:
            continue
        module = importlib.import_module(f"migrations.{migration.version:04d}_{migration.name}")
        with db.atomic():
            module.up(SchemaMigrator.from_database(db), db)
            LegacySchemaVersion.create(version=migration.version, name=migration.name)


def table(name: str) -> pw.Table:
    # The id is named so that PostgreSQL's INSERT returns it too.
    return pw.Table(name, primary_key="id").bind(database.obj)


def seed_data(version: int) -> None:
    """Units in a tree, a user, a cycle and the audit log, as the schema at ``version`` has them.

    Columns added by ``add_column`` carry no database default, so they are spelled out.
    """
    now = datetime.datetime(2026, 11, 23, 9, 0, 0)
    blank = {"contact_person": "", "contact_title": "", "contact_phone": ""}
    unit = table("unit")
    city = unit.insert(
        code="4101", name="郑州市", kind="city", parent_id=None, active=True, sort_order=0, **blank
    ).execute()
    unit.insert(
        code="410105",
        name="金水区",
        kind="county",
        parent_id=city,
        active=True,
        sort_order=1,
        **blank,
    ).execute()
    user = {"display_name": "", "active": True, "locale": "", "created_at": now}
    if version >= 4:
        user["session_version"] = 3
    table("user").insert(
        username="r-410105", password_hash="x", role="reporter", unit_id=city, **user
    ).execute()
    cycle = {"year": 2026, "name": "2026 年度考核", "state": "draft", "created_at": now}
    if version >= 2:
        cycle.update(indicator_yaml="code: a", indicator_source="zhengzhou")
    table("cycle").insert(**cycle).execute()
    table("audit_entry").insert(
        at=now,
        actor_name="",
        action="unit.create",
        entity="unit",
        entity_id="1",
        before="",
        after="",
        prev_hash="0" * 64,
        hash="a" * 64,
    ).execute()
    table("audit_head").update(count=1, last_hash="a" * 64).execute()


def assert_data_kept() -> None:
    names = [r["name"] for r in table("unit").select().order_by(pw.SQL("code")).dicts()]
    assert names == ["郑州市", "金水区"]
    kid = table("unit").select().where(pw.SQL("code") == "410105").dicts().get()
    city = table("unit").select().where(pw.SQL("code") == "4101").dicts().get()
    assert kid["parent_id"] == city["id"]
    assert table("user").select().dicts().get()["username"] == "r-410105"
    assert table("cycle").select().count() == 1
    # 0006 keys the chain and says so in one more entry; the seeded entry, whose hash never
    # checked, keeps its value, so it still does not check.
    entries = list(table("audit_entry").select().order_by(pw.SQL("id")).dicts())
    assert [e["action"] for e in entries] == ["unit.create", "audit.rekey"]
    assert entries[0]["hash"] == "a" * 64
    assert json.loads(entries[1]["after"])["failed_checks"] == 1
    # 0001 seeds the audit head; a second run would have added a genesis row.
    heads = list(table("audit_head").select().dicts())
    assert [(h["count"], h["last_hash"]) for h in heads] == [(2, entries[1]["hash"])]


@pytest.fixture
def bare_db(database_url, tmp_path):
    """An app on an empty database that nothing has migrated yet."""
    app = make_app(database_url, tmp_path)
    with app.app_context():
        database.connect(reuse_if_open=True)
        yield database.obj
        database.close()


def history(db) -> list[str]:
    return [r["name"] for r in table("schema_migration").select().order_by(pw.SQL("name")).dicts()]


def test_fresh_database_is_built_by_runner_from_0001(bare_db):
    ran = migrations.upgrade()
    assert [m.version for m in ran] == [m.version for m in migrations.available()]
    assert ran[0] == migrations.Migration(1, "initial")
    assert "schema_version" not in bare_db.get_tables()
    assert history(bare_db) == [f"{m.version:04d}_{m.name}" for m in migrations.available()]


def after_legacy() -> list[int]:
    """The steps shipped after the last one a pre-Runner instance could have had (4)."""
    return [m.version for m in migrations.available() if m.version > 4]


def test_latest_legacy_instance_is_adopted_running_only_later_steps(bare_db):
    legacy_upgrade(4)
    seed_data(4)

    assert [m.version for m in migrations.upgrade()] == after_legacy()
    assert migrations.current_version() == max(m.version for m in migrations.available())
    assert_data_kept()
    assert table("user").select().dicts().get()["session_version"] == 3
    assert "schema_version" not in bare_db.get_tables()
    assert history(bare_db)[:4] == [
        "0001_initial",
        "0002_cycle_workflow",
        "0003_nominations",
        "0004_session_version",
    ]
    applied = {
        r["applied"]
        for r in table("schema_migration").select().dicts()
        if r["name"] <= "0004_session_version"
    }
    assert {str(a)[:19] for a in applied} == {"2026-11-23 08:30:00"}


def test_halfway_legacy_instance_runs_only_the_missing_steps(bare_db):
    legacy_upgrade(2)
    seed_data(2)
    assert "nomination" not in bare_db.get_tables()

    ran = migrations.upgrade()
    assert [(m.version, m.name) for m in ran][:2] == [(3, "nominations"), (4, "session_version")]
    assert [m.version for m in ran][2:] == after_legacy()
    assert migrations.current_version() == max(m.version for m in migrations.available())
    assert_data_kept()
    assert table("user").select().dicts().get()["session_version"] == 0
    assert "nomination" in bare_db.get_tables()
    # The adopted steps step down like any other.
    # The seeded submissions go with step 2, so the downgrade must be forced.
    undone = [m.version for m in migrations.downgrade(1, force=True)]
    assert undone == [*reversed(after_legacy()), 4, 3, 2]
    assert migrations.current_version() == 1
    assert "cycle" in bare_db.get_tables() and "submission" not in bare_db.get_tables()


def test_current_version_alone_adopts_the_legacy_history(bare_db):
    # A backup of an old instance asks for the version before anything upgrades it.
    legacy_upgrade(3)
    assert migrations.current_version() == 3
    assert "schema_version" not in bare_db.get_tables()


def test_legacy_history_wins_over_a_stale_runner_history(bare_db):
    # A PostgreSQL restore of an old backup replaces the archived tables, schema_version
    # among them, and leaves the newer instance's schema_migration behind.
    legacy_upgrade(2)
    stale = Runner(bare_db).History
    stale.create_table()
    stale.create(name="0009_from_elsewhere")

    assert migrations.current_version() == 2
    assert history(bare_db) == ["0001_initial", "0002_cycle_workflow"]


def test_failed_adoption_changes_nothing(bare_db, monkeypatch):
    legacy_upgrade(4)
    seed_data(4)

    def refuse(self, *args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(pw.Model, "save", refuse)
    with pytest.raises(RuntimeError):
        migrations.upgrade()
    monkeypatch.undo()

    tables = bare_db.get_tables()
    assert "schema_version" in tables and "schema_migration" not in tables
    assert [
        r.version for r in LegacySchemaVersion.select().order_by(LegacySchemaVersion.version)
    ] == [
        1,
        2,
        3,
        4,
    ]
    assert [m.version for m in migrations.upgrade()] == after_legacy()
    assert migrations.current_version() == max(m.version for m in migrations.available())
    assert_data_kept()
