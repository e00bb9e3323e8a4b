"""Outages: a database that is down or unreadable, a disk that is full.

Each page then is the app's own Chinese page (503 or 507), rendered without the database,
never a framework's bare English 500; a refused write leaves nothing behind; and the next
request after the database or the space is back works, without a restart.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import peewee
import pytest

from assess.core.db import database, is_sqlite
from assess.core.models import AuditEntry
from assess.cycles.models import Submission
from tests.conftest import PG_SERVER, login, make_app
from tests.cycle_helpers import make_cycle, unit

DOWN = "数据库暂时无法连接"
FULL = "磁盘空间不足"


def _assert_outage_page(response, code: int, text: str) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == code, page[:300]
    assert text in page and "督查考核评分系统" in page
    assert "Traceback" not in page and "Internal Server Error" not in page
    assert "退出" not in page  # the signed-in user's block reads the database: left out


# --- SQLite: the database file cannot be read -----------------------------------------------


def _directory_in_place(path: Path) -> None:
    path.mkdir()


def _garbage_in_place(path: Path) -> None:
    path.write_bytes(b"not a database " * 512)


@pytest.mark.skipif(bool(PG_SERVER), reason="the SQLite file itself is what breaks")
@pytest.mark.parametrize("damage", [_directory_in_place, _garbage_in_place])
def test_unreadable_sqlite_file_gives_the_chinese_503_and_recovers(app, as_user, damage, tmp_path):
    reporter = as_user("r-410105")
    assert reporter.get("/").status_code == 200
    path = Path(database.obj.database)
    files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
    aside = tmp_path / "aside"
    aside.mkdir()
    for file in files:  # the file with its write-ahead log, kept to be put back
        if file.exists():
            os.replace(file, aside / file.name)
    damage(path)

    _assert_outage_page(reporter.get("/"), 503, DOWN)
    _assert_outage_page(app.test_client().get("/auth/login"), 503, DOWN)
    _assert_outage_page(reporter.post("/auth/logout"), 503, DOWN)

    shutil.rmtree(path) if path.is_dir() else path.unlink()
    for file in files:
        if (aside / file.name).exists():
            os.replace(aside / file.name, file)
    assert reporter.get("/").status_code == 200  # the same process, the same session


def test_error_pages_of_a_healthy_database_still_show_the_user(as_user):
    page = as_user("r-410105").get("/no-such-page")
    assert page.status_code == 404
    assert "退出" in page.get_data(as_text=True)


# --- PostgreSQL: the server stops mid-test --------------------------------------------------

PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1:]), None)


class OwnPostgres:
    """A PostgreSQL server of this test alone, to be stopped and started again
    (``scripts/with-postgres.sh`` starts the suite's the same way)."""

    def __init__(self, folder: Path, port: int) -> None:
        self.data, self.port = folder / "data", port
        self.folder = folder
        if os.getuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        subprocess.run(
            [*prefix, str(PG_BIN / tool), *args], check=True, capture_output=True, timeout=120
        )

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off"
        log = str(self.folder / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-w", "-o", options, "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")


@pytest.fixture
def own_postgres():
    if PG_BIN is None or not (PG_BIN / "initdb").exists():
        pytest.skip("PostgreSQL server binaries not installed")
    from bench.harness import free_port

    # Not under tmp_path: the postgres user may not enter the test runner's folders.
    folder = Path(tempfile.mkdtemp(prefix="assess-pg-"))
    server = OwnPostgres(folder, free_port())
    server.start()
    yield server
    with contextlib.suppress(subprocess.CalledProcessError):  # stopped by the test
        server.stop()
    shutil.rmtree(folder, ignore_errors=True)


# It brings its own server, so it runs once, on the SQLite pass.
@pytest.mark.pure
def test_postgres_stopped_mid_test_gives_the_chinese_503_and_recovers(own_postgres, tmp_path):
    from assess.demo import units as demo_data
    from assess.ops import migrations

    app = make_app(own_postgres.url, tmp_path)
    with app.app_context():
        database.connect(reuse_if_open=True)
        migrations.upgrade()
        demo_data.load_demo(extensions=False)
        database.close()
    reporter = app.test_client()
    assert login(reporter, "r-410105").status_code == 302
    assert reporter.get("/").status_code == 200

    own_postgres.stop()
    _assert_outage_page(reporter.get("/"), 503, DOWN)
    _assert_outage_page(app.test_client().get("/auth/login"), 503, DOWN)
    assert reporter.get("/health").status_code == 200  # alive: it reads nothing
    assert reporter.get("/health/ready").get_json()["failing"] == ["database", "schema"]

    own_postgres.start()
    assert reporter.get("/").status_code == 200  # no restart of the app
    if not database.is_closed():
        database.close()


# --- a full disk at the database layer -------------------------------------------------------


def _disk_full_error() -> Exception:
    if is_sqlite():
        return sqlite3.OperationalError("database or disk is full")
    import psycopg2.errors

    return psycopg2.errors.DiskFull('could not extend file "base/1/2": No space left on device')


def _writes_fail_with_a_full_disk(monkeypatch) -> None:
    """Every INSERT, UPDATE and DELETE fails as the engine fails on a full disk, reads go on."""
    real = type(database.obj).execute_sql
    error = _disk_full_error()

    def execute_sql(self, sql, params=None, *args, **kwargs):
        if sql.lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            with peewee.__exception_wrapper__:
                raise error
        return real(self, sql, params, *args, **kwargs)

    monkeypatch.setattr(type(database.obj), "execute_sql", execute_sql)


def test_full_disk_refuses_writes_with_a_chinese_507_keeps_reads_and_recovers(
    as_user, db, monkeypatch
):
    cycle = make_cycle("open")
    jinshui = unit("410105")
    reporter = as_user("r-410105")
    page_url = f"/cycles/{cycle.id}/units/{jinshui.id}/"
    database.close()
    entries = AuditEntry.select().count()
    _writes_fail_with_a_full_disk(monkeypatch)

    response = reporter.post(f"{page_url}items/A2", data={"version": 0, "value": "3"})
    _assert_outage_page(response, 507, FULL)
    assert reporter.get(page_url).status_code == 200  # reading needs no space
    monkeypatch.undo()
    assert Submission.select().count() == 0  # nothing half-written
    assert AuditEntry.select().count() == entries

    response = reporter.post(f"{page_url}items/A2", data={"version": 0, "value": "3"})
    assert "A2 已保存" in reporter.get(response.location).get_data(as_text=True)
    assert Submission.select().count() == 1


def test_full_disk_outside_the_database_is_a_507_too(as_user, monkeypatch):
    from assess.web import home

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(home, "render_template", no_space)
    _assert_outage_page(as_user("r-410105").get("/"), 507, FULL)


# --- SQLite on a real full filesystem ----------------------------------------------------------


@pytest.fixture
def small_filesystem(tmp_path):
    """A 4 MB tmpfs (root only: skipped where mounting is not allowed)."""
    folder = tmp_path / "small"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=False)


def _fill(folder: Path) -> Path:
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
        try:
            while True:
                fh.write(b"\0" * 512)
        except OSError:
            pass
    return filler


@pytest.mark.skipif(bool(PG_SERVER), reason="the SQLite file on a small filesystem")
def test_sqlite_on_a_full_filesystem_reads_refuses_writes_and_recovers(small_filesystem, tmp_path):
    from assess.demo import units as demo_data
    from assess.ops import migrations

    app = make_app(f"sqlite:///{small_filesystem}/assess.db", tmp_path)
    with app.app_context():
        database.connect(reuse_if_open=True)
        migrations.upgrade()
        demo_data.load_demo(extensions=False)
        cycle = make_cycle("open")
        jinshui = unit("410105")
        database.close()
    reporter = app.test_client()
    assert login(reporter, "r-410105").status_code == 302
    page_url = f"/cycles/{cycle.id}/units/{jinshui.id}/"
    assert reporter.get(page_url).status_code == 200
    filler = _fill(small_filesystem)

    assert reporter.get(page_url).status_code == 200  # reads keep working
    # A big note needs new pages: refused whole, or (if the WAL had room) acknowledged and kept.
    note = "整改说明" * 1200
    form = {"version": 0, "value": "3", "narrative": note}
    response = reporter.post(f"{page_url}items/A2", data=form)
    acknowledged = response.status_code == 302
    if acknowledged:
        assert "A2 已保存" in reporter.get(response.location).get_data(as_text=True)
    else:
        _assert_outage_page(response, 507, FULL)

    filler.unlink()
    with app.app_context():
        database.connect(reuse_if_open=True)
        saved = Submission.select().where(Submission.indicator_code == "A2").count()
        database.close()
    assert saved == int(acknowledged)
    form = {"version": saved, "value": "4", "narrative": note}
    response = reporter.post(f"{page_url}items/A2", data=form)
    assert "A2 已保存" in reporter.get(response.location).get_data(as_text=True)
