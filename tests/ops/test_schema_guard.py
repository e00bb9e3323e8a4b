"""A database older or newer than the code is refused with the command to run."""

from __future__ import annotations

import peewee
import pytest
from click.testing import CliRunner

from assess.cli.main import main
from assess.core.db import database, is_sqlite
from assess.ops import migrations
from assess.web.schema_guard import schema_problem_at_start
from tests.conftest import AUDIT_KEY, PG_SERVER, make_app


def _fresh_app(database_url, tmp_path):
    return make_app(database_url, tmp_path, SECRET_KEY="guard-test")


def test_an_older_database_is_refused_until_upgraded(app, database_url, tmp_path):
    with app.app_context():
        database.connect(reuse_if_open=True)
        migrations.downgrade(3)
        database.close()
    assert "assess db upgrade" in schema_problem_at_start(app)
    fresh = _fresh_app(database_url, tmp_path)
    client = fresh.test_client()
    for url in ("/auth/login", "/"):
        page = client.get(url)
        assert page.status_code == 503
        assert "assess db upgrade" in page.get_data(as_text=True)
    refused = client.post("/auth/login", data={"username": "x", "password": "y"})
    assert refused.status_code == 503
    with fresh.app_context():
        database.connect(reuse_if_open=True)
        migrations.upgrade()
        database.close()
    # Upgraded: the same process serves again, without a restart.
    assert client.get("/auth/login").status_code == 200
    assert schema_problem_at_start(fresh) is None


def test_a_newer_database_is_refused(app, database_url, tmp_path):
    with app.app_context():
        database.connect(reuse_if_open=True)
        database.execute_sql(
            "INSERT INTO schema_migration (name, applied) VALUES ('0099_future', '2030-01-01')"
        )
        database.close()
    page = _fresh_app(database_url, tmp_path).test_client().get("/auth/login")
    assert page.status_code == 503
    assert "更新版本" in page.get_data(as_text=True)
    assert "0099_future" in page.get_data(as_text=True)


def test_cli_refuses_an_older_database_but_init_and_upgrade_work(
    database_url, tmp_path, monkeypatch
):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ASSESS_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("SECRET_KEY", "cli-test")
    monkeypatch.setenv("AUDIT_KEY", AUDIT_KEY)
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade", "--to", "3"]).exit_code == 0
    refused = runner.invoke(main, ["audit", "verify"])
    assert refused.exit_code == 1
    assert "assess db upgrade" in refused.output
    assert runner.invoke(main, ["init"]).exit_code == 0
    assert runner.invoke(main, ["audit", "verify"]).exit_code == 0


@pytest.mark.skipif(bool(PG_SERVER), reason="SQLite only: PostgreSQL checks keys per statement")
def test_a_sqlite_step_leaving_dangling_rows_is_undone(db):
    assert is_sqlite()
    migrator = migrations.CheckedSqliteMigrator(db.obj)
    with pytest.raises(migrations.MigrationError, match="外键"), migrator.migration_context():
        # A rebuild gone wrong: rows that point at a unit that is not there.
        db.execute_sql("CREATE TABLE probe (unit_id INTEGER REFERENCES unit (id))")
        db.execute_sql("INSERT INTO probe (unit_id) VALUES (999999)")
    assert "probe" not in db.obj.get_tables()
    assert db.pragma("foreign_keys") == 1


@pytest.mark.skipif(bool(PG_SERVER), reason="SQLite only")
def test_a_sqlite_step_inside_a_transaction_is_refused(db):
    migrator = migrations.CheckedSqliteMigrator(db.obj)
    with db.atomic(), pytest.raises(migrations.MigrationError), migrator.migration_context():
        pass
    assert isinstance(db.obj, peewee.SqliteDatabase)
