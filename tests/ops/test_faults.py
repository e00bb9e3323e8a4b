"""Faults: the server killed with SIGKILL in the middle of saves and uploads, a worker dying
inside the evidence store, a full disk during an upload.

The kill test runs the real server (gunicorn, two workers with threads, CSRF on) as a
subprocess on this test's database, lets the reporters of six units save and upload as
fast as they can, kills the whole process group mid-way, restarts it on the same instance
and checks that every write the server acknowledged is there, that every stored file is
whole (its SHA-256 is its name) and that each one downloads whole.
"""

from __future__ import annotations

import errno
import hashlib
import http.client
import io
import json
import os
import signal
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from flask.sessions import SecureCookieSessionInterface

from assess.core import audit
from assess.core.db import database, is_sqlite
from assess.core.models import AuditEntry
from assess.cycles.models import Submission
from assess.demo.units import DEMO_PASSWORD
from assess.evidence import storage
from assess.evidence.models import Evidence
from assess.evidence.storage import EvidenceStore
from bench.harness import evidence_pdf, free_port, start_gunicorn, stop_server
from tests.cycle_helpers import make_cycle, pdf_bytes, unit
from tests.ops.browser import Browser

REPORTERS = ("r-410102", "r-410103", "r-410104", "r-410105", "r-410106", "r-410108")
ACKED_BEFORE_KILL = 30
# Big enough that some upload is still on the wire, or in the store, at the kill.
PDF_PADDING = 300 * 1024
DISK_FULL = "磁盘空间不足，文件未保存"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- kill -9 of the whole server ------------------------------------------------------------


class Crashable:
    """gunicorn on the test's database and instance, to be killed and restarted."""

    def __init__(self, app, tmp_path: Path) -> None:
        self.config = {
            key: str(app.config[key])
            for key in ("DATABASE_URL", "ASSESS_INSTANCE", "SECRET_KEY", "AUDIT_KEY")
        }
        self.log = tmp_path / "gunicorn.log"
        self.port = free_port()
        self.server = None

    def start(self) -> None:
        self.server = start_gunicorn(self.config, self.port, 2, 4, self.log)

    def kill(self) -> None:
        """SIGKILL to the master and every worker at once: no handler or clean-up runs."""
        os.killpg(self.server.pid, signal.SIGKILL)
        self.server.wait()

    def stop(self) -> None:
        if self.server is not None:
            stop_server(self.server, seconds=10)


@pytest.fixture
def crashable(app, demo, tmp_path):
    server = Crashable(app, tmp_path)
    yield server
    server.stop()


class Reporter(threading.Thread):
    """Saves A2 and B1 of its unit in turn, every other save with a unique PDF, until the
    server goes away, and keeps what the server acknowledged.

    A save is acknowledged when its redirect arrives carrying the success message (read
    from the signed session cookie, where the next page would take it from), whether or
    not the next page can still be fetched.
    """

    def __init__(self, port: int, username: str, cycle_id: int, unit_id: int, flashes) -> None:
        super().__init__(daemon=True)
        self.browser = Browser(port)
        self.username, self.unit_id = username, unit_id
        self.page = f"/cycles/{cycle_id}/units/{unit_id}/"
        self.flashes = flashes
        self.acked: list[tuple[str, str, int, str | None]] = []  # code, value, version, sha
        self.cut_off: Exception | None = None  # the network error that ended it
        self.failure: Exception | None = None  # anything else: a test failure

    def run(self) -> None:
        try:
            assert self.browser.login(self.username, DEMO_PASSWORD).status == 302
            page = self.browser.get(self.page)
            for n in range(100_000):
                page = self._save(n, page)
        except (OSError, http.client.HTTPException) as exc:
            self.cut_off = exc
        except Exception as exc:
            self.failure = exc
        finally:
            self.browser.close()

    def _save(self, n: int, page):
        code = ("A2", "B1")[n % 2]
        value = str(n) if code == "A2" else "优良中差"[n % 4]
        version = page.item_versions()[code]
        files, sha = [], None
        if n % 2:
            data = evidence_pdf(f"{self.username}-{n}", PDF_PADDING)
            files, sha = [("files", f"材料{n}.pdf", data)], _sha(data)
        fields = {"csrf_token": page.csrf_token(), "version": str(version), "value": value}
        response = self.browser.post(f"{self.page}items/{code}", fields, files)
        messages = self.flashes(self.browser.cookies.get("session", ""))
        assert response.status == 302, response.status
        assert any(c == "success" and m.startswith(f"{code} 已保存") for c, m in messages), messages
        self.acked.append((code, value, version + 1, sha))
        return self.browser.get(self.page)  # shows, and so clears, the message


def test_kill_9_during_saves_and_uploads_loses_no_acknowledged_write(app, crashable, db):
    cycle = make_cycle("open")
    units = {name: unit(name.removeprefix("r-")) for name in REPORTERS}
    database.close()
    cookies = SecureCookieSessionInterface().get_signing_serializer(app)

    def flashes(cookie: str) -> list[tuple[str, str]]:
        return [tuple(f) for f in cookies.loads(cookie).get("_flashes", [])] if cookie else []

    crashable.start()
    reporters = [
        Reporter(crashable.port, name, cycle.id, units[name].id, flashes) for name in REPORTERS
    ]
    for reporter in reporters:
        reporter.start()
    deadline = time.monotonic() + 90
    while sum(len(r.acked) for r in reporters) < ACKED_BEFORE_KILL:
        assert time.monotonic() < deadline, "the server acknowledged too few writes"
        assert all(r.is_alive() for r in reporters), [r.failure for r in reporters]
        time.sleep(0.01)
    crashable.kill()
    for reporter in reporters:
        reporter.join(15)
    assert [r.failure for r in reporters] == [None] * len(reporters)
    assert all(r.cut_off is not None for r in reporters)  # each was stopped by the kill

    crashable.start()  # the same instance, after the crash
    database.connect(reuse_if_open=True)
    assert _acknowledged_writes_missing(cycle, units, reporters) == []
    store = EvidenceStore.from_config(app.config)
    _assert_store_is_whole(store)
    assert audit.verify() == []
    if is_sqlite():
        with sqlite3.connect(database.obj.database) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    _assert_downloads_are_whole(crashable.port, store)
    _assert_takes_new_writes(crashable.port, cycle, reporters[0])


def _acknowledged_writes_missing(cycle, units, reporters) -> list[str]:
    """Each acknowledged save by its audit entry (version and value) and its evidence row."""
    recorded = set()
    for entry in AuditEntry.select().where(AuditEntry.action == "submission.save"):
        after = json.loads(entry.after)
        recorded.add((entry.entity_id, after["version"], after["value_text"]))
    missing, acked = [], 0
    for reporter in reporters:
        subs = {
            s.indicator_code: s
            for s in Submission.select().where(
                Submission.cycle == cycle, Submission.unit == units[reporter.username]
            )
        }
        for code, value, version, sha in reporter.acked:
            acked += 1
            sub = subs.get(code)
            if sub is None or (str(sub.id), version, value) not in recorded:
                missing.append(f"{reporter.username} {code} v{version}={value}")
            elif (
                sha
                and not Evidence.select()
                .where(Evidence.sha256 == sha, Evidence.submission == sub)
                .exists()
            ):
                missing.append(f"{reporter.username} {code} evidence {sha[:12]}")
        for code, sub in subs.items():
            mine = [a for a in reporter.acked if a[0] == code]
            if not mine:
                continue
            _, value, version, _ = mine[-1]
            # A write in flight at the kill may have landed after the last acknowledged one.
            if sub.version < version or (sub.version == version and sub.value_text != value):
                missing.append(f"{reporter.username} {code}: now v{sub.version}={sub.value_text}")
    assert acked >= ACKED_BEFORE_KILL
    return missing


def _assert_store_is_whole(store: EvidenceStore) -> None:
    """Every file under a final name is complete; only the temp folder holds leftovers."""
    finals = set()
    for path in _files(store.root):
        parts = path.relative_to(store.root).parts
        if parts[0] == "tmp":
            assert path.name.startswith(storage.TEMP_PREFIX), path
        elif not path.name.endswith(".thumb.png"):
            assert _sha(path.read_bytes()) == path.name, f"partial file under a final name: {path}"
            assert parts[:2] == (path.name[:2], path.name[2:4])
            finals.add(path.name)
    # Every row's file is there (a file without a row, killed before its commit, may be).
    assert {e.sha256 for e in Evidence.select()} <= finals
    store.clean_temp(older_than_seconds=0)  # what a crash leaves is swept, and only that
    assert not _files(store.tmp)


def _assert_downloads_are_whole(port: int, store: EvidenceStore) -> None:
    browser = Browser(port)
    assert browser.login("inspector", DEMO_PASSWORD).status == 302
    rows = list(Evidence.select())
    assert rows
    for row in rows:
        response = browser.get(f"/evidence/{row.id}")
        assert response.status == 200
        assert _sha(response.body) == row.sha256 == _sha(store.path_for(row.sha256).read_bytes())
    browser.close()


def _assert_takes_new_writes(port: int, cycle, reporter: Reporter) -> None:
    browser = Browser(port)
    assert browser.login(reporter.username, DEMO_PASSWORD).status == 302
    page = browser.get(reporter.page)
    fields = {
        "csrf_token": page.csrf_token(),
        "version": str(page.item_versions()["A2"]),
        "value": "7",
    }
    response = browser.post(f"{reporter.page}items/A2", fields)
    assert response.status == 302
    assert "A2 已保存" in browser.get(response.location).text
    browser.close()


# --- a worker dying inside the store ----------------------------------------------------------


def _die_while_writing(store: EvidenceStore) -> None:
    writes = 0

    def write_then_die(fh, chunk):
        nonlocal writes
        fh.write(chunk)
        writes += 1
        if writes == 3:
            fh.flush()
            os.kill(os.getpid(), signal.SIGKILL)

    storage._write_chunk = write_then_die


def _die_before_the_rename(store: EvidenceStore) -> None:
    def die(*args):
        os.kill(os.getpid(), signal.SIGKILL)

    storage.os.replace = die


@pytest.mark.pure
@pytest.mark.parametrize("die", [_die_while_writing, _die_before_the_rename])
def test_a_worker_killed_inside_the_store_leaves_no_file_under_a_final_name(tmp_path, die):
    store = EvidenceStore(tmp_path / "evidence", 10 * 1024 * 1024)
    data = evidence_pdf("killed", 400 * 1024)  # several chunks
    pid = os.fork()
    if pid == 0:  # the "worker": dies by SIGKILL mid-way, nothing of Python's runs after
        try:
            die(store)
            store.save(io.BytesIO(data), "材料.pdf")
        finally:
            os._exit(3)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    # Only temporary files are left (the upload's, and its first-page preview's when the
    # worker died after drawing it), none under a final name.
    left = _files(store.root)
    assert left and all(f.parent == store.tmp for f in left)
    assert all(f.name.startswith(storage.TEMP_PREFIX) for f in left)
    assert not store.exists(_sha(data))

    # The next upload of the same bytes is stored whole; the leftovers are swept.
    stored = store.save(io.BytesIO(data), "材料.pdf")
    assert _sha(store.path_for(stored.sha256).read_bytes()) == stored.sha256 == _sha(data)
    assert store.clean_temp(older_than_seconds=0) == len(left)
    thumbnail = store.thumbnail_path(stored.sha256)
    assert _files(store.root) == sorted([store.path_for(stored.sha256), *filter(None, [thumbnail])])


# --- a full disk ----------------------------------------------------------------------------------


def _no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("where", ["write", "fsync"])
def test_full_disk_during_upload_gives_a_clear_error_and_stores_nothing(
    app, as_user, db, monkeypatch, where
):
    cycle = make_cycle("open")
    jinshui = unit("410105")
    reporter = as_user("r-410105")
    audit_entries = AuditEntry.select().count()
    if where == "write":
        monkeypatch.setattr(storage, "_write_chunk", _no_space)
    else:  # delayed allocation: the error only surfaces when the data is synced
        monkeypatch.setattr(storage.os, "fsync", _no_space)
    url = f"/cycles/{cycle.id}/units/{jinshui.id}/items/A2"
    upload = {"version": 0, "value": "3", "files": [(io.BytesIO(pdf_bytes()), "会议纪要.pdf")]}
    response = reporter.post(url, data=upload, content_type="multipart/form-data")
    assert response.status_code == 302
    page = reporter.get(response.location).get_data(as_text=True)
    assert "A2 未保存：文件“会议纪要.pdf”未上传：" + DISK_FULL in page
    # Nothing stored: no value (the save is refused as a whole), no row, no file, no log.
    assert Submission.select().count() == 0
    assert Evidence.select().count() == 0
    assert AuditEntry.select().count() == audit_entries
    assert _files(EvidenceStore.from_config(app.config).root) == []

    monkeypatch.undo()  # space again: the same save goes through
    upload["files"] = [(io.BytesIO(pdf_bytes()), "会议纪要.pdf")]
    response = reporter.post(url, data=upload, content_type="multipart/form-data")
    assert "A2 已保存" in reporter.get(response.location).get_data(as_text=True)
    assert Evidence.select().count() == 1
