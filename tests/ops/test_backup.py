"""``assess backup`` and ``assess restore``: a round trip into a fresh instance, the refusal to
overwrite data without ``--force``, damaged and foreign archives, a backup taken while the
database is being written. On the PostgreSQL pass the same tests go through pg_dump and
pg_restore.
"""

from __future__ import annotations

import hashlib
import io
import json
import multiprocessing
import os
import signal
import tarfile
import threading
import time
import uuid
from pathlib import Path

import pytest

from assess.core import audit
from assess.core.db import database
from assess.core.models import AuditEntry
from assess.cycles.models import Submission
from assess.evidence.models import Evidence
from assess.evidence.storage import EvidenceStore
from assess.ops import backup as backups
from assess.ops.schema import ALL_MODELS
from assess.units import tree
from assess.units.models import Unit
from tests.conftest import PG_SERVER, make_app
from tests.cycle_helpers import make_cycle, pdf_bytes, png_bytes, unit
from tests.helpers import command


@pytest.fixture
def other_database_url(tmp_path):
    """A second, empty database (a fresh instance to restore into)."""
    if not PG_SERVER:
        (tmp_path / "other").mkdir()
        yield f"sqlite:///{tmp_path}/other/assess.db"
        return
    import psycopg2

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(PG_SERVER)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    yield f"{PG_SERVER.rsplit('/', 1)[0]}/{name}"
    if not database.is_closed():
        database.close()
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, for comparing two databases."""
    rows = {}
    for model in ALL_MODELS:
        query = model.select().order_by(model._meta.primary_key).tuples()
        rows[model._meta.table_name] = [tuple(map(str, row)) for row in query]
    return rows


@pytest.fixture
def filled(app, as_user, db):
    """The demo instance with a cycle, values and evidence (a PDF and an image)."""
    cycle = make_cycle("open")
    jinshui = unit("410105")
    reporter = as_user("r-410105")
    files = [(io.BytesIO(pdf_bytes()), "调查汇总表.pdf"), (io.BytesIO(png_bytes()), "照片.png")]
    response = reporter.post(
        f"/cycles/{cycle.id}/units/{jinshui.id}/items/A1",
        data={"version": 0, "numerator": "90", "denominator": "100", "files": files},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert Evidence.select().count() == 2
    return app


def test_round_trip_into_a_fresh_instance(filled, monkeypatch, tmp_path, other_database_url):
    archive = tmp_path / "backups" / "assess.tar.gz"
    before = snapshot()
    store = EvidenceStore.from_config(filled.config)
    stored = sorted(p.relative_to(store.root) for p in store.root.rglob("*") if p.is_file())

    result = command(monkeypatch, filled, "backup", str(archive))
    assert result.exit_code == 0, result.output
    assert "已备份到" in result.output and "佐证材料 4 个文件" in result.output  # + 2 thumbnails
    assert not [p for p in archive.parent.iterdir() if p != archive]  # no temp left behind

    fresh = make_app(other_database_url, tmp_path / "fresh")
    result = command(monkeypatch, fresh, "restore", str(archive))
    assert result.exit_code == 0, result.output
    assert "已从" in result.output and "恢复" in result.output

    database.connect(reuse_if_open=True)
    after = snapshot()
    for table in ("audit_entry", "audit_head"):  # the restore itself is logged
        before.pop(table), after.pop(table)
    assert after == before
    assert audit.verify() == []
    last = AuditEntry.select().order_by(AuditEntry.id.desc()).first()
    assert last.action == "backup.restore" and json.loads(last.after)["evidence_files"] == 4
    fresh_store = EvidenceStore.from_config(fresh.config)
    assert (
        sorted(p.relative_to(fresh_store.root) for p in fresh_store.root.rglob("*") if p.is_file())
        == stored
    )
    for row in Evidence.select():
        data = fresh_store.path_for(row.sha256).read_bytes()
        assert hashlib.sha256(data).hexdigest() == row.sha256


def test_restore_elsewhere_warns_when_the_audit_key_differs(filled, monkeypatch, tmp_path):
    archive = tmp_path / "assess.tar.gz"
    assert command(monkeypatch, filled, "backup", str(archive)).exit_code == 0
    elsewhere = make_app(
        filled.config["DATABASE_URL"], tmp_path / "elsewhere", AUDIT_KEY="another instance"
    )
    restored = command(monkeypatch, elsewhere, "restore", "--force", str(archive))
    assert restored.exit_code == 0, restored.output
    assert "AUDIT_KEY" in restored.output and "assess audit verify" in restored.output
    same_key = command(monkeypatch, filled, "restore", "--force", str(archive))
    assert same_key.exit_code == 0 and "AUDIT_KEY" not in same_key.output


def test_restore_refuses_a_database_with_data_unless_forced(filled, monkeypatch, tmp_path):
    archive = tmp_path / "assess.tar.gz"
    assert command(monkeypatch, filled, "backup", str(archive)).exit_code == 0
    database.connect(reuse_if_open=True)
    tree.create_unit("after-backup", "备份后新建单位", "county", Unit.get(Unit.kind == "city"))
    database.close()

    refused = command(monkeypatch, filled, "restore", str(archive))
    assert refused.exit_code == 1
    assert "当前数据库不是空的" in refused.output and "--force" in refused.output
    database.connect(reuse_if_open=True)
    assert Unit.by_code("after-backup") is not None  # untouched
    database.close()

    forced = command(monkeypatch, filled, "restore", "--force", str(archive))
    assert forced.exit_code == 0, forced.output
    database.connect(reuse_if_open=True)
    assert Unit.by_code("after-backup") is None  # back to the state of the backup
    assert Submission.select().count() == 1
    assert audit.verify() == []


def _rewrite(archive, out, change):
    """Copy a backup, passing each member's (name, bytes) through ``change`` (None: left out)."""
    with tarfile.open(archive, "r:gz") as src, tarfile.open(out, "w:gz") as dst:
        for member in src:
            changed = change(member.name, src.extractfile(member).read())
            if changed is None:
                continue
            name, data = changed
            info = tarfile.TarInfo(name)
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))


def _damage_evidence(name, data):
    if name.startswith("evidence/") and not name.endswith(".thumb.png"):
        return name, data[:-10] + b"0123456789"
    return name, data


def _other_engine(name, data):
    if name == "manifest.json":
        manifest = json.loads(data)
        manifest["engine"] = "postgresql" if manifest["engine"] == "sqlite" else "sqlite"
        return name, json.dumps(manifest).encode()
    return name, data


def _stray_member(name, data):
    return ("../../escape" if name.startswith("evidence/") else name), data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_damage_evidence, "内容与其哈希不符"),
        (_other_engine, "不能直接恢复"),
        (_stray_member, "不认识的内容"),
    ],
)
def test_restore_refuses_a_damaged_or_foreign_archive_and_changes_nothing(
    filled, monkeypatch, tmp_path, other_database_url, change, message
):
    archive, bad = tmp_path / "good.tar.gz", tmp_path / "bad.tar.gz"
    assert command(monkeypatch, filled, "backup", str(archive)).exit_code == 0
    _rewrite(archive, bad, change)
    fresh = make_app(other_database_url, tmp_path / "fresh")
    result = command(monkeypatch, fresh, "restore", "--force", str(bad))
    assert result.exit_code == 1
    assert message in result.output
    store = EvidenceStore.from_config(fresh.config)
    assert not store.root.exists() or not any(store.root.rglob("*"))
    assert not (tmp_path / "escape").exists()
    assert not any(p.name.startswith("restore-") for p in (tmp_path / "fresh").iterdir())


def test_backup_while_the_database_is_written_is_consistent(
    filled, monkeypatch, tmp_path, other_database_url
):
    city = Unit.get(Unit.kind == "city")
    database.close()
    written, stop, errors = [], threading.Event(), []

    def keep_writing():
        try:
            with database.connection_context():
                while not stop.is_set():
                    code = f"busy-{len(written)}"
                    tree.create_unit(code, "并发写入", "county", city)
                    written.append(code)
        except Exception as exc:
            errors.append(exc)

    def wait_for(count):
        while len(written) < count and not errors:
            time.sleep(0.005)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    archive = tmp_path / "busy.tar.gz"
    try:
        wait_for(5)
        # In this process (the command would rebind the database the writer is using).
        backups.backup(archive, instance=filled.config["ASSESS_INSTANCE"])
        wait_for(len(written) + 5)
    finally:
        stop.set()
        writer.join()
    assert errors == []
    fresh = make_app(other_database_url, tmp_path / "fresh")
    assert command(monkeypatch, fresh, "restore", str(archive)).exit_code == 0
    database.connect(reuse_if_open=True)
    # A snapshot of one moment: the audit chain is whole and the units are a prefix of the
    # writer's, each with its audit entry.
    assert audit.verify() == []
    busy = list(Unit.select().where(Unit.code.startswith("busy-")).order_by(Unit.id))
    assert 5 <= len(busy) < len(written)
    assert [u.code for u in busy] == written[: len(busy)]
    logged = AuditEntry.select().where(
        AuditEntry.action == "unit.create", AuditEntry.entity_id.in_([str(u.id) for u in busy])
    )
    assert logged.count() == len(busy)


def test_unusable_paths_and_files_fail_clearly(app, monkeypatch, tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    result = command(monkeypatch, app, "backup", str(blocked / "backup.tar.gz"))
    assert result.exit_code == 1 and "无法写入备份文件" in result.output
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a backup at all")
    result = command(monkeypatch, app, "restore", str(junk))
    assert result.exit_code == 1 and "备份文件无法使用" in result.output


def _without_pdf(name, data):
    # The PDF's own file goes missing; its first-page thumbnail stays.
    if name.startswith("evidence/") and data.startswith(b"%PDF"):
        return None
    return name, data


def _without_thumbnail(name, data):
    return None if name.endswith(".thumb.png") else (name, data)


def _damage_thumbnail(name, data):
    return (name, data[:-12] + b"\0" * 12) if name.endswith(".thumb.png") else (name, data)


def _old_archive_with_a_bad_thumbnail(name, data):
    # As written before manifests carried checksums: a thumbnail is checked as an image.
    if name == "manifest.json":
        manifest = json.loads(data)
        del manifest["checksums"]
        return name, json.dumps(manifest).encode()
    return (name, b"not a png at all") if name.endswith(".thumb.png") else (name, data)


def _damage_database(name, data):
    if name.startswith("database."):
        return name, data + b"trailing bytes"
    return name, data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_without_pdf, "佐证材料文件不在备份中"),
        (_without_thumbnail, "缺少备份清单中列出的文件"),
        (_damage_thumbnail, "内容与备份清单中的哈希不符"),
        (_old_archive_with_a_bad_thumbnail, "不是有效的图片"),
        (_damage_database, "内容与备份清单中的哈希不符"),
    ],
)
def test_restore_refuses_missing_or_unverified_files_and_changes_nothing(
    filled, monkeypatch, tmp_path, other_database_url, change, message
):
    archive, bad = tmp_path / "good.tar.gz", tmp_path / "bad.tar.gz"
    assert command(monkeypatch, filled, "backup", str(archive)).exit_code == 0
    _rewrite(archive, bad, change)
    fresh = make_app(other_database_url, tmp_path / "fresh")
    result = command(monkeypatch, fresh, "restore", str(bad))
    assert result.exit_code == 1, result.output
    assert message in result.output
    store = EvidenceStore.from_config(fresh.config)
    assert not store.root.exists() or not any(store.root.rglob("*"))
    with fresh.app_context():
        database.connect(reuse_if_open=True)
        assert "unit" not in database.get_tables()  # the database was not replaced
        database.close()
    # The intact archive still restores.
    assert command(monkeypatch, fresh, "restore", str(archive)).exit_code == 0


def _killed_inside_staging(parent: str, prefix: str) -> None:
    with backups.staging(Path(parent), prefix) as work:
        (work / "half-written").write_bytes(b"x" * 1000)
        os.kill(os.getpid(), signal.SIGKILL)


def _leave_staging_of_a_killed_run(parent: Path, prefix: str) -> Path:
    child = multiprocessing.get_context("fork").Process(
        target=_killed_inside_staging, args=(str(parent), prefix)
    )
    child.start()
    child.join()
    assert child.exitcode == -signal.SIGKILL
    (left,) = [p for p in parent.iterdir() if p.name.startswith(prefix)]
    return left


def test_staging_left_by_killed_runs_is_cleaned_by_the_next_run(
    filled, monkeypatch, tmp_path, other_database_url
):
    backups_dir = tmp_path / "backups"
    backups_dir.mkdir()
    fresh = make_app(other_database_url, tmp_path / "fresh")
    instance = Path(fresh.config["ASSESS_INSTANCE"])
    dead_backup = _leave_staging_of_a_killed_run(backups_dir, backups.BACKUP_STAGING)
    dead_restore = _leave_staging_of_a_killed_run(instance, backups.RESTORE_STAGING)
    # A run still going keeps its folder: its lock is held.
    with backups.staging(backups_dir, backups.BACKUP_STAGING) as live:
        archive = backups_dir / "assess.tar.gz"
        assert command(monkeypatch, filled, "backup", str(archive)).exit_code == 0
        assert not dead_backup.exists() and live.is_dir()
        assert dead_restore.is_dir()  # a backup sweeps only beside its archive
        assert command(monkeypatch, fresh, "restore", str(archive)).exit_code == 0
        assert not dead_restore.exists()
    assert not live.exists()
    assert sorted(p.name for p in backups_dir.iterdir()) == ["assess.tar.gz"]
