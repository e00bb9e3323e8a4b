"""Evidence bytes shared by content (按内容共享的佐证材料): no request deletes stored content,
so a file one unit was told is saved still downloads whatever another unit's upload of the
same bytes did meanwhile; the sweep alone removes content, once no row names it and it is
older than the grace period.

The race is made deterministic: the acknowledged upload is held after its files are stored
and before its transaction, and the refused one runs to its end meanwhile on its own
connection (a thread). Run on SQLite and, by ``scripts/with-postgres.sh``, on PostgreSQL.
"""

from __future__ import annotations

import errno
import io
import os
import tarfile
import threading
import time

import pytest

from assess.accounts.models import User
from assess.core.db import database
from assess.evidence import attachments, storage
from assess.evidence.models import Evidence
from assess.evidence.storage import EvidenceRejected, EvidenceStore
from assess.ops import backup as backups
from tests.cycle_helpers import make_cycle, pdf_bytes, png_bytes, unit
from tests.evidence import s3_server
from tests.helpers import command

DAY = 24 * 3600
EXECUTABLE = b"MZ\x90\x00" + b"\x00" * 200


def _post_item(client, cycle, unit_code: str, code: str, files, **fields):
    """POST one self-report item with ``files``; the page it redirects to."""
    return client.post(
        f"/cycles/{cycle.id}/units/{unit(unit_code).id}/items/{code}",
        data={"version": 0, **fields, "files": files},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def _in_thread(fn):
    """Run ``fn`` to its end in another thread (its own database connection); its result."""
    result = {}

    def run():
        result["value"] = fn()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(30)
    assert not thread.is_alive(), "the refused upload did not finish"
    return result["value"]


_age = s3_server.age


REFUSALS = {
    # The refused unit's value is invalid: refused inside the transaction, after its files
    # were stored.
    "invalid value": lambda data: ({"value": "不是数字"}, [(io.BytesIO(data), "同一文件.pdf")]),
    # The refused unit's second file is not evidence: the lot is refused after the first
    # file was stored.
    "bad second file": lambda data: (
        {"value": "3"},
        [(io.BytesIO(data), "同一文件.pdf"), (io.BytesIO(EXECUTABLE), "程序.pdf")],
    ),
}


@pytest.mark.parametrize("refusal", sorted(REFUSALS))
def test_a_refused_upload_never_deletes_what_another_unit_is_recording(
    app, as_user, db, monkeypatch, refusal
):
    """Jinshui's upload has stored its file and not yet committed its row when Zhongyuan's
    upload of the same bytes is refused: Jinshui is told 已保存 and must be able to
    download the file (it was a 404 when the refusal discarded "its" file)."""
    cycle = make_cycle("open")
    data = pdf_bytes(3)
    jinshui, zhongyuan = as_user("r-410105"), as_user("r-410102")
    fields, files = REFUSALS[refusal](data)
    original = attachments.store_uploads
    held, refused = threading.Lock(), []

    def store_then_let_the_other_unit_run(uploads, store):
        stored = original(uploads, store)
        if held.acquire(blocking=False):  # Jinshui's: held here while Zhongyuan's runs whole
            refused.append(
                _in_thread(lambda: _post_item(zhongyuan, cycle, "410102", "A2", files, **fields))
            )
        return stored

    monkeypatch.setattr(attachments, "store_uploads", store_then_let_the_other_unit_run)
    page = _post_item(jinshui, cycle, "410105", "A2", [(io.BytesIO(data), "材料.pdf")], value="4")
    assert "A2 已保存，上传佐证材料 1 份" in page.text
    assert "A2 未保存" in refused[0].text

    (row,) = Evidence.select()
    download = jinshui.get(f"/evidence/{row.id}")
    assert download.status_code == 200
    assert download.data == data


def test_removing_one_units_evidence_keeps_the_bytes_another_unit_still_uses(app, as_user, db):
    """Two units attach the same image; one removes its row: the other's file and thumbnail
    still download, the sweep keeps them, and they go only once no row names them."""
    cycle = make_cycle("open")
    data = png_bytes()
    jinshui, zhongyuan = as_user("r-410105"), as_user("r-410102")
    for client, code in ((jinshui, "410105"), (zhongyuan, "410102")):
        page = _post_item(client, cycle, code, "A2", [(io.BytesIO(data), "照片.png")], value="4")
        assert "A2 已保存，上传佐证材料 1 份" in page.text
    mine, theirs = Evidence.select().order_by(Evidence.id)
    assert mine.sha256 == theirs.sha256 and mine.has_thumbnail

    assert jinshui.post(f"/evidence/{mine.id}/delete").status_code == 302
    assert not Evidence.select().where(Evidence.id == mine.id).exists()
    store = EvidenceStore.from_config(app.config)
    _age(store, theirs.sha256, 2 * DAY)
    assert attachments.sweep(store, grace_hours=24).removed == 0
    for url in (f"/evidence/{theirs.id}", f"/evidence/{theirs.id}/thumbnail"):
        assert zhongyuan.get(url).status_code == 200, url
    assert zhongyuan.get(f"/evidence/{theirs.id}").data == data

    assert zhongyuan.post(f"/evidence/{theirs.id}/delete").status_code == 302
    assert attachments.sweep(store, grace_hours=24).removed == 1
    assert not store.exists(theirs.sha256)
    assert not store.has_thumbnail(theirs.sha256)


# --- the store: a save never takes back what it placed ------------------------------------


@pytest.mark.pure
def test_a_failed_save_leaves_the_thumbnail_another_save_of_the_image_reported(
    tmp_path, monkeypatch
):
    """Save A places the thumbnail and then fails (full disk at the rename); save B of the
    same image ran meanwhile, found the thumbnail and reported it. It must still be there
    (A used to remove the thumbnail "it" had made)."""
    store = EvidenceStore(tmp_path / "evidence", 2 * 1024 * 1024)
    data = png_bytes()
    replace = storage.os.replace
    first, other = threading.Lock(), []

    def other_save_then_full_disk(source, target):
        if str(target).endswith(storage.THUMBNAIL_SUFFIX) or not first.acquire(blocking=False):
            return replace(source, target)
        other.append(store.save(io.BytesIO(data), "b.png"))  # B: sees A's thumbnail
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(storage.os, "replace", other_save_then_full_disk)
    with pytest.raises(EvidenceRejected, match="磁盘空间不足"):
        store.save(io.BytesIO(data), "a.png")
    (saved,) = other
    assert saved.has_thumbnail
    assert store.thumbnail_path(saved.sha256) is not None
    assert store.open(saved.sha256).read() == data
    assert not list(store.tmp.iterdir())  # A's own temp file is gone


# --- the sweep --------------------------------------------------------------------------------


def _reporter():
    return User.get(User.username == "r-410105")


def _stored(store: EvidenceStore, data: bytes, name: str):
    return store.save(io.BytesIO(data), name)


def test_the_sweep_removes_old_unnamed_content_and_keeps_the_rest(app, demo, db):
    """Old and named: kept. Old and named by no row: removed with its thumbnail. Young and
    named by no row (an upload in flight, or refused a moment ago): kept. An old upload temp
    file: removed."""
    store = EvidenceStore.from_config(app.config)
    named = _stored(store, pdf_bytes(1), "有记录.pdf")
    orphan = _stored(store, png_bytes(), "无记录.png")
    young = _stored(store, pdf_bytes(4), "刚上传.pdf")
    attachments.attach([named], _reporter(), _reporter().unit_id)
    for sha in (named.sha256, orphan.sha256):
        _age(store, sha, 2 * DAY)
    leftover = store.tmp / (storage.TEMP_PREFIX + "dead-worker")
    leftover.write_bytes(b"partial")
    os.utime(leftover, (time.time() - 2 * DAY,) * 2)
    assert orphan.has_thumbnail
    thumbnail_size = s3_server.member_size(store, orphan.sha256, thumbnail=True)

    done = attachments.sweep(store, grace_hours=24)

    assert (done.removed, done.temp_files) == (1, 1)
    assert done.freed_bytes == orphan.size + thumbnail_size
    assert not store.exists(orphan.sha256) and not store.has_thumbnail(orphan.sha256)
    assert store.exists(named.sha256) and store.exists(young.sha256)
    assert not leftover.exists()
    assert attachments.sweep(store, grace_hours=24).removed == 0  # nothing more to do


def test_storing_known_bytes_again_restarts_their_grace(app, as_user, db):
    """An old orphan is uploaded again and the sweep runs before that upload's row is
    committed: the file stays, and the row's download works."""
    store = EvidenceStore.from_config(app.config)
    data = pdf_bytes(2)
    first = _stored(store, data, "旧.pdf")  # refused long ago: no row names it
    _age(store, first.sha256, 2 * DAY)

    again = _stored(store, data, "新.pdf")  # in flight: stored, not yet recorded
    assert attachments.sweep(store, grace_hours=24).removed == 0
    (row,) = attachments.attach([again], _reporter(), _reporter().unit_id)
    download = as_user("inspector").get(f"/evidence/{row.id}")
    assert (download.status_code, download.data) == (200, data)


def test_the_sweep_looks_again_under_the_lock(app, demo, db):
    """The same bytes are stored again between the sweep's first look (old, unnamed) and its
    delete: the second look, under the lock that excludes placing, finds them young."""
    store = EvidenceStore.from_config(app.config)
    data = pdf_bytes(2)
    sha = _stored(store, data, "旧.pdf").sha256
    _age(store, sha, 2 * DAY)
    looks = []

    def referenced(hashes):
        looks.append(list(hashes))
        if len(looks) == 1:
            _stored(store, data, "又一次.pdf")  # an upload lands right after the first look
        return set()

    assert store.sweep(referenced, older_than_seconds=DAY).removed == 0
    assert looks == [[sha]]  # found young at the second look: no need to ask again
    assert store.open(sha).read() == data


def test_the_sweep_waits_while_the_store_is_held(app, demo, db):
    """A hold (an upload placing its files, a backup copying) keeps the sweep from deleting
    until it is released; placing never waits for other holds."""
    store = EvidenceStore.from_config(app.config)
    sha = _stored(store, pdf_bytes(2), "旧.pdf").sha256
    _age(store, sha, 2 * DAY)
    results = []
    with store.held():
        _stored(store, pdf_bytes(5), "另一份.pdf")  # a second hold inside the first: no wait
        sweeper = threading.Thread(
            target=lambda: results.append(store.sweep(lambda hashes: set(), DAY)), daemon=True
        )
        sweeper.start()
        sweeper.join(0.5)
        assert sweeper.is_alive() and store.exists(sha)
    sweeper.join(10)
    assert results[0].removed == 1 and not store.exists(sha)


def test_sweep_command_and_backup_sweep_with_the_configured_grace(
    app, demo, db, monkeypatch, tmp_path
):
    """``assess evidence sweep`` (grace from EVIDENCE_SWEEP_GRACE_HOURS or --grace-hours) and
    ``assess backup`` remove old unnamed content; a backup never archives it."""
    store = EvidenceStore.from_config(app.config)
    named = _stored(store, pdf_bytes(1), "有记录.pdf")
    attachments.attach([named], _reporter(), _reporter().unit_id)
    hours_old = _stored(store, pdf_bytes(3), "三小时.pdf")
    days_old = _stored(store, pdf_bytes(4), "两天.pdf")
    _age(store, named.sha256, 2 * DAY)
    _age(store, hours_old.sha256, 3 * 3600)
    _age(store, days_old.sha256, 2 * DAY)

    monkeypatch.setenv("EVIDENCE_SWEEP_GRACE_HOURS", "72")
    result = command(monkeypatch, app, "evidence", "sweep")
    assert result.exit_code == 0, result.output
    assert "已清理无引用的佐证材料 0 个" in result.output and "宽限期 72 小时" in result.output

    monkeypatch.setenv("EVIDENCE_SWEEP_GRACE_HOURS", "24")
    archive = tmp_path / "backup.tar.gz"
    result = command(monkeypatch, app, "backup", str(archive))
    assert result.exit_code == 0, result.output
    assert not store.exists(days_old.sha256)
    with tarfile.open(archive) as tar:
        archived = {name.rsplit("/", 1)[-1] for name in tar.getnames()}
    assert {named.sha256, hours_old.sha256} <= archived and days_old.sha256 not in archived

    result = command(monkeypatch, app, "evidence", "sweep", "--grace-hours", "2")
    assert result.exit_code == 0, result.output
    assert "已清理无引用的佐证材料 1 个" in result.output and "宽限期 2 小时" in result.output
    assert not store.exists(hours_old.sha256) and store.exists(named.sha256)


def test_a_backup_holds_the_store_against_a_sweep(app, demo, db, monkeypatch, tmp_path):
    """A row is deleted after the backup copied the database, and a sweep starts: it waits
    until the files are archived, so the archive holds the file its database names."""
    store = EvidenceStore.from_config(app.config)
    stored = _stored(store, pdf_bytes(2), "材料.pdf")
    (row,) = attachments.attach([stored], _reporter(), _reporter().unit_id)
    _age(store, stored.sha256, 2 * DAY)
    list_files, swept, sweepers = backups._evidence_files, [], []

    def sweep():
        try:
            swept.append(attachments.sweep(store, grace_hours=24))
        finally:
            database.close()  # the thread's own connection

    def delete_and_sweep_then_list(store_):
        Evidence.delete_by_id(row.id)  # the copy still holds the row
        sweepers.append(threading.Thread(target=sweep, daemon=True))
        sweepers[0].start()
        sweepers[0].join(0.5)
        assert sweepers[0].is_alive(), "the sweep did not wait for the backup"
        return list_files(store_)

    monkeypatch.setattr(backups, "_evidence_files", delete_and_sweep_then_list)
    archive = tmp_path / "backup.tar.gz"
    backups.backup(archive, instance=app.config["ASSESS_INSTANCE"], store=store)
    with tarfile.open(archive) as tar:
        assert any(name.endswith(stored.sha256) for name in tar.getnames())
    sweepers[0].join(10)
    assert swept[0].removed == 1 and not store.exists(stored.sha256)
