"""The store's two backends (本地目录 / S3 兼容对象存储) behave alike through the web routes,
the sweep, named objects and backup and restore. Each test runs on the local folder and on
an S3 bucket served by moto on loopback (``backend`` in this folder's conftest)."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import threading
import time
from pathlib import Path

import pytest

from assess.accounts.models import User
from assess.evidence import attachments, objects
from assess.evidence.models import Evidence
from assess.evidence.storage import EvidenceStore, member_name
from assess.ops import backup as backups
from tests.conftest import login, make_app, migrated_app
from tests.cycle_helpers import make_cycle, pdf_bytes, png_bytes, unit
from tests.evidence import s3_server

DAY = 24 * 3600


def _upload(client, cycle, code: str, data: bytes, name: str):
    return client.post(
        f"/cycles/{cycle.id}/units/{unit(code).id}/items/A2",
        data={"version": 0, "value": "4", "files": [(io.BytesIO(data), name)]},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def _local_files(app) -> list[str]:
    """What the instance's own evidence folder holds, apart from upload temp files."""
    root = EvidenceStore.in_instance(app.config["ASSESS_INSTANCE"]).root
    return [p.name for p in root.glob("??/??/*")] if root.is_dir() else []


def test_uploads_are_stored_once_and_download_through_the_permission_check(
    app, as_user, db, backend
):
    """Two units upload the same image: one copy in the store (in the bucket, not on the
    local disk, with S3), each row downloads the same bytes and thumbnail; another unit's
    reporter gets a 404; a conditional request gets a 304."""
    cycle = make_cycle("open")
    data = png_bytes()
    jinshui, zhongyuan = as_user("r-410105"), as_user("r-410102")
    for client, code in ((jinshui, "410105"), (zhongyuan, "410102")):
        assert "A2 已保存，上传佐证材料 1 份" in _upload(client, cycle, code, data, "照片.png").text
    mine, theirs = Evidence.select().order_by(Evidence.id)
    assert mine.sha256 == theirs.sha256 and mine.has_thumbnail
    store = EvidenceStore.from_config(app.config)
    assert store.files() == [member_name(mine.sha256), member_name(mine.sha256, True)]
    if backend:
        assert _local_files(app) == [] and store.local_path(mine.sha256) is None
        assert not list(store.tmp.iterdir())  # the checked temp file went to the bucket

    download = jinshui.get(f"/evidence/{mine.id}")
    assert (download.status_code, download.data) == (200, data)
    assert download.headers["Content-Type"] == "image/png"
    assert "filename*=UTF-8''%E7%85%A7%E7%89%87.png" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    thumbnail = zhongyuan.get(f"/evidence/{theirs.id}/thumbnail")
    assert thumbnail.status_code == 200 and thumbnail.data.startswith(b"\x89PNG")
    assert thumbnail.data == store.open_thumbnail(mine.sha256).read()
    again = jinshui.get(f"/evidence/{mine.id}", headers={"If-None-Match": f'"{mine.sha256}"'})
    assert again.status_code == 304
    assert zhongyuan.get(f"/evidence/{mine.id}").status_code == 404  # not their unit's row


def test_a_download_of_bytes_the_store_lost_is_a_404(app, as_user, db):
    cycle = make_cycle("open")
    client = as_user("r-410105")
    _upload(client, cycle, "410105", pdf_bytes(2), "材料.pdf")
    (row,) = Evidence.select()
    store = EvidenceStore.from_config(app.config)
    store.backend.remove(member_name(row.sha256))
    assert client.get(f"/evidence/{row.id}").status_code == 404


def test_storing_known_bytes_again_makes_them_young_on_either_backend(app, db):
    """Deduplicated bytes restart their age (on S3 by copying the object onto itself), so
    the sweep reads them as just stored."""
    store = EvidenceStore.from_config(app.config)
    data = pdf_bytes(3)
    sha = store.save(io.BytesIO(data), "a.pdf").sha256
    s3_server.age(store, sha, 2 * DAY)
    assert store.backend.age(member_name(sha))[0] < time.time() - DAY
    store.save(io.BytesIO(data), "b.pdf")
    assert store.backend.age(member_name(sha))[0] > time.time() - 60
    assert store.open(sha).read() == data
    assert store.sweep(lambda hashes: set(), DAY).removed == 0


def test_concurrent_saves_of_the_same_content_all_succeed_with_one_copy(app, db):
    """Four uploads of the same bytes at once (on S3: puts only if absent, the losers
    refresh the winner's copy): all succeed, one file and one thumbnail stored."""
    store = EvidenceStore.from_config(app.config)
    data = pdf_bytes(2)
    barrier = threading.Barrier(4)
    results, errors = [], []

    def upload(n):
        try:
            barrier.wait()
            results.append(store.save(io.BytesIO(data), f"副本{n}.pdf"))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == [] and len(results) == 4
    sha = hashlib.sha256(data).hexdigest()
    assert {r.sha256 for r in results} == {sha} and all(r.has_thumbnail for r in results)
    assert store.files() == [member_name(sha), member_name(sha, thumbnail=True)]
    assert store.open(sha).read() == data


def test_the_sweep_never_touches_what_is_not_the_stores(app, db, backend):
    """Foreign keys under the evidence prefix (or files in its folder) stay."""
    store = EvidenceStore.from_config(app.config)
    stray = io.BytesIO(b"operator's note")
    if backend:
        store.backend.bucket.put(store.backend.key_for("ab/cd/README"), stray)
    else:
        (store.root / "ab" / "cd").mkdir(parents=True)
        (store.root / "ab" / "cd" / "README").write_bytes(stray.read())
    assert store.sweep(lambda hashes: set(), 0).removed == 0
    assert store.backend.exists("ab/cd/README")


# --- named objects ------------------------------------------------------------------------


def test_named_objects_put_open_replace_delete(app, backend):
    """``<instance>/objects/<key>`` locally (no temp file left), ``<prefix>/objects/<key>`` in
    the bucket."""
    config, key = app.config, "reports/batch-7/all.zip"
    assert not objects.exists(config, key)
    with pytest.raises(FileNotFoundError):
        objects.open_object(config, key)
    objects.put(config, key, io.BytesIO(b"PK first"))
    objects.put(config, key, io.BytesIO(b"PK second"))
    assert objects.exists(config, key)
    with objects.open_object(config, key) as fh:
        assert fh.read() == b"PK second"
    folder = Path(config["ASSESS_INSTANCE"]) / "objects"
    if backend:
        assert not folder.exists()
        bucket = EvidenceStore.from_config(config).backend.bucket
        assert bucket.head("city/objects/reports/batch-7/all.zip") is not None
    else:
        assert [p.name for p in (folder / "reports" / "batch-7").iterdir()] == ["all.zip"]
    objects.delete(config, key)
    objects.delete(config, key)  # nothing there: no error
    assert not objects.exists(config, key)


@pytest.mark.parametrize("key", ["../secret", "/etc/passwd", "a//b", "a/./b", "", "a b", "a\\b"])
def test_named_object_keys_are_plain_relative_paths(app, key):
    with pytest.raises(ValueError):
        objects.put(app.config, key, io.BytesIO(b"x"))
    with pytest.raises(ValueError):
        objects.exists(app.config, key)


# --- backup and restore ------------------------------------------------------------------------


def _inspector_download(app, row: Evidence) -> bytes:
    client = app.test_client()
    assert login(client, "inspector").status_code == 302
    response = client.get(f"/evidence/{row.id}")
    assert response.status_code == 200
    return response.data


def test_backup_archives_the_bucket_and_restore_fills_an_empty_one(
    app, as_user, db, backend, s3_endpoint, tmp_path
):
    """The archive holds every stored file, fetched from the bucket with S3; restored into
    an instance whose store is a new, empty bucket (the office's store lost, or a move from
    the local folder to S3), every row downloads its bytes and thumbnail again."""
    cycle = make_cycle("open")
    pdf, png = pdf_bytes(2), png_bytes()
    assert "A2 已保存" in _upload(as_user("r-410105"), cycle, "410105", pdf, "材料.pdf").text
    assert "A2 已保存" in _upload(as_user("r-410102"), cycle, "410102", png, "照片.png").text
    rows = list(Evidence.select().order_by(Evidence.id))
    store = EvidenceStore.from_config(app.config)
    archive = tmp_path / "backup.tar.gz"
    done = backups.backup(archive, instance=app.config["ASSESS_INSTANCE"], store=store)
    assert all(r.has_thumbnail for r in rows)  # a PDF's first page, the image itself
    assert done.evidence_files == 4
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert {f"evidence/{member_name(r.sha256)}" for r in rows} <= names
    assert f"evidence/{member_name(rows[1].sha256, True)}" in names

    moved = make_app(
        app.config["DATABASE_URL"],
        tmp_path / "elsewhere",
        **s3_server.new_bucket(s3_endpoint),
    )
    target = EvidenceStore.from_config(moved.config)
    assert target.files() == []
    backups.restore(archive, instance=moved.config["ASSESS_INSTANCE"], force=True, store=target)
    assert len(target.files()) == 4
    assert [_inspector_download(moved, r) for r in rows] == [pdf, png]
    assert (
        target.open_thumbnail(rows[1].sha256).read() == store.open_thumbnail(rows[1].sha256).read()
    )


def test_a_backup_is_refused_when_a_file_a_row_names_is_gone_from_the_store(
    app, as_user, db, tmp_path
):
    """Better no archive than one that cannot be restored: the operator is told which file
    is missing (with S3, a key someone deleted from the bucket)."""
    cycle = make_cycle("open")
    _upload(as_user("r-410105"), cycle, "410105", pdf_bytes(2), "材料.pdf")
    (row,) = Evidence.select()
    store = EvidenceStore.from_config(app.config)
    store.backend.remove(member_name(row.sha256))
    archive = tmp_path / "backup.tar.gz"
    with pytest.raises(backups.BackupError, match="不在存储中") as refused:
        backups.backup(archive, instance=app.config["ASSESS_INSTANCE"], store=store)
    assert row.sha256 in str(refused.value)
    assert not archive.exists()


def test_restore_refuses_an_archive_whose_files_are_neither_in_it_nor_in_the_store(
    app, demo, db, tmp_path, s3_endpoint
):
    """An archive from which the files were stripped restores only onto a store that has
    them; onto an empty bucket it is refused, changing nothing."""
    store = EvidenceStore.from_config(app.config)
    stored = store.save(io.BytesIO(pdf_bytes(2)), "材料.pdf")
    reporter = User.get(User.username == "r-410105")
    attachments.attach([stored], reporter, reporter.unit_id)
    full = tmp_path / "full.tar.gz"
    backups.backup(full, instance=app.config["ASSESS_INSTANCE"], store=store)
    stripped = tmp_path / "stripped.tar.gz"
    with tarfile.open(full) as src, tarfile.open(stripped, "w:gz") as out:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest["checksums"] = {
                    k: v for k, v in manifest["checksums"].items() if not k.startswith("evidence/")
                }
                data = json.dumps(manifest).encode()
                member.size = len(data)
            if not member.name.startswith("evidence/"):
                out.addfile(member, io.BytesIO(data))

    backups.restore(stripped, instance=app.config["ASSESS_INSTANCE"], force=True, store=store)
    empty = EvidenceStore.in_instance(tmp_path / "other", config=s3_server.new_bucket(s3_endpoint))
    with pytest.raises(backups.BackupError, match="不在备份中"):
        backups.restore(stripped, instance=tmp_path / "other", force=True, store=empty)
    assert empty.files() == []


def test_an_upload_the_bucket_refuses_is_not_acknowledged(app, as_user, db, s3_endpoint):
    """A bucket that is gone (or wrong keys, or the endpoint down): the item is not saved,
    the reporter is told why, and no row names bytes that were never stored."""
    settings = s3_server.new_bucket(s3_endpoint)
    broken = migrated_app(
        app.config["DATABASE_URL"],
        Path(app.config["ASSESS_INSTANCE"]).parent / "broken",
        **{**settings, "STORAGE_URL": "s3://no-such-bucket-here/city"},
    )
    cycle = make_cycle("open")
    client = broken.test_client()
    assert login(client, "r-410105").status_code == 302
    page = _upload(client, cycle, "410105", pdf_bytes(2), "材料.pdf")
    assert "A2 未保存" in page.text and "文件存储暂时无法访问" in page.text
    assert Evidence.select().count() == 0


@pytest.mark.pure
def test_storage_url_chooses_the_backend(tmp_path):
    """Empty: the instance's folder; ``file://PATH``: that folder; ``s3://bucket/prefix``:
    the bucket, keys under ``prefix/evidence/``; anything else is refused."""
    assert EvidenceStore.in_instance(tmp_path).root == tmp_path / "evidence"
    elsewhere = EvidenceStore.in_instance(tmp_path, config={"STORAGE_URL": f"file://{tmp_path}/x"})
    assert elsewhere.backend.local and elsewhere.root == tmp_path / "x"
    bucket = EvidenceStore.in_instance(
        tmp_path, config={"STORAGE_URL": "s3://office-files/assess/", **s3_server.ACCESS}
    )
    assert not bucket.backend.local and bucket.backend.bucket.name == "office-files"
    assert bucket.backend.key_for(member_name("a" * 64)) == f"assess/evidence/aa/aa/{'a' * 64}"
    assert bucket.local_path("a" * 64) is None and bucket.tmp == tmp_path / "evidence" / "tmp"
    for url in ("ftp://x/y", "s3:///no-bucket"):
        with pytest.raises(ValueError):
            EvidenceStore.in_instance(tmp_path, config={"STORAGE_URL": url})
