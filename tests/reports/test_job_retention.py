"""Finished jobs are kept JOB_RETENTION_DAYS, then pruned with their zips; parts of finished
(failed, killed) batches go at the next prune; unfinished jobs are never touched; objects
no row names go once as old. On the local folder and an S3 bucket (moto's server), by the
nightly task (one worker at a time) and by ``assess jobs prune``."""

from __future__ import annotations

import io
import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from assess.cli.main import main
from assess.core.db import database
from assess.core.enums import JobState
from assess.core.models import AuditEntry, utcnow
from assess.core.queue import huey
from assess.evidence import objects, s3
from assess.evidence.storage import StoreUnavailable
from assess.reports import jobs, retention
from assess.reports.models import Job
from tests.conftest import AUDIT_KEY
from tests.evidence import s3_server
from tests.evidence.backend_fixtures import app, backend, s3_endpoint  # noqa: F401 (fixtures)
from tests.helpers import at_once

DAY = timedelta(days=1)
PART = "2026-410105.pdf"


def _age(config, key: str, days: float) -> None:
    """Make a stored object look ``days`` old (moto keeps its state in this process)."""
    if not s3.is_s3(config):
        when = time.time() - days * 86400
        path = Path(config["ASSESS_INSTANCE"]) / "objects" / key
        os.utime(path, (when, when))
        return
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    bucket = s3.Bucket(config)
    stored = s3_backends[DEFAULT_ACCOUNT_ID]["global"].buckets[bucket.name]
    when = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=days)
    for version in stored.keys.getlist(bucket.prefix + s3.OBJECTS_PREFIX + key, []):
        version.last_modified = when


def _job(config, n: int, state: JobState, finished_days_ago=None, *, parts=0, zipped=False, **kw):
    """A job row ``n`` with ``parts`` parts and maybe its zip in the store (as old as it)."""
    job_id = f"{n:032x}"
    when = utcnow() - DAY * (finished_days_ago or 0)
    Job.create(
        id=job_id,
        kind=jobs.REPORT_BATCH,
        state=state,
        created_at=when - timedelta(minutes=5),
        finished_at=when if finished_days_ago is not None else None,
        result_key=jobs.zip_key(job_id) if zipped else "",
        written=json.dumps([f"{i}-{PART}" for i in range(parts)]),
        **kw,
    )
    keys = [jobs.part_key(job_id, f"{i}-{PART}") for i in range(parts)]
    keys += [jobs.zip_key(job_id)] if zipped else []
    for key in keys:
        objects.put(config, key, io.BytesIO(b"%PDF-1.7 stored"))
        _age(config, key, finished_days_ago or 0)
    return job_id


def _stored(config) -> list[str]:
    return [key for key, _when in objects.listing(config, "reports/jobs")]


def test_prune_removes_what_retention_allows_and_never_an_unfinished_job(app, db):  # noqa: F811
    config = app.config
    old_done = _job(config, 1, JobState.DONE, 8, zipped=True)
    new_done = _job(config, 2, JobState.DONE, 1, zipped=True, parts=1)  # parts left behind
    old_failed = _job(config, 3, JobState.FAILED, 8, parts=2)
    killed = _job(config, 4, JobState.FAILED, 0, parts=2)  # failed today: row stays
    running = _job(config, 5, JobState.RUNNING, parts=2, heartbeat_at=utcnow())
    Job.update(created_at=utcnow() - DAY * 30).where(Job.id == running).execute()
    queued = _job(config, 6, JobState.QUEUED)
    dead = _job(config, 7, JobState.RUNNING, parts=1, heartbeat_at=utcnow() - DAY)
    orphan_old, orphan_new = f"{8:032x}", f"{9:032x}"
    for job_id, days in ((orphan_old, 8), (orphan_new, 1)):
        objects.put(config, jobs.zip_key(job_id), io.BytesIO(b"PK"))
        _age(config, jobs.zip_key(job_id), days)

    result = retention.prune_jobs(config, 7)

    left = {job.id: job.state for job in Job.select()}
    assert left == {
        new_done: JobState.DONE,
        killed: JobState.FAILED,
        running: JobState.RUNNING,
        queued: JobState.QUEUED,
        dead: JobState.FAILED,  # silent past the heartbeat: recorded failed, as a page would
    }
    assert old_done not in left and old_failed not in left
    assert _stored(config) == sorted(
        [jobs.zip_key(new_done), jobs.zip_key(orphan_new)]
        + [jobs.part_key(running, f"{i}-{PART}") for i in range(2)]
    )
    assert result == retention.PruneResult(jobs=2, objects=8)
    entry = AuditEntry.select().where(AuditEntry.action == "job.prune").get()
    assert entry.actor_id is None
    assert json.loads(entry.after)["jobs"] == sorted([old_done, old_failed])
    # Nothing more to do: nothing removed, no audit entry.
    assert retention.prune_jobs(config, 7) == retention.PruneResult(0, 0)
    assert AuditEntry.select().where(AuditEntry.action == "job.prune").count() == 1
    if not s3.is_s3(config):  # the local folders emptied go too
        assert not (
            Path(config["ASSESS_INSTANCE"]) / "objects" / "reports/jobs" / old_failed
        ).exists()


def test_the_nightly_task_runs_on_every_worker_and_prunes_once(app, db):  # noqa: F811
    old = _job(app.config, 1, JobState.DONE, 8, zipped=True)
    task = retention.prune_jobs_nightly

    def due(hour: int, minute: int) -> list[str]:
        return [t.name for t in huey.read_periodic(datetime(2026, 12, 2, hour, minute))]

    assert "prune_jobs_nightly" in due(19, 23)  # UTC: 03:23 in China
    assert "prune_jobs_nightly" not in due(19, 24) + due(3, 23)
    # a worker killed mid-prune once left huey's lock held, refusing every later night
    stale = huey.lock_task("assess.prune_jobs")
    stale.acquire()
    at_once(task.call_local)  # two workers' schedulers enqueued it: both run, at once
    assert Job.get_or_none(Job.id == old) is None and _stored(app.config) == []
    entries = AuditEntry.select().where(AuditEntry.action == "job.prune")
    assert [old in entry.after for entry in entries].count(True) == 1  # one run took the row
    stale.clear()


def test_assess_jobs_prune(app, db, monkeypatch):  # noqa: F811
    kept = _job(app.config, 1, JobState.DONE, 3, zipped=True)
    gone = _job(app.config, 2, JobState.DONE, 8, zipped=True)
    for name in ("DATABASE_URL", "ASSESS_INSTANCE", "STORAGE_URL", "S3_ENDPOINT_URL"):
        monkeypatch.setenv(name, str(app.config.get(name) or ""))
    for name, value in s3_server.ACCESS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SECRET_KEY", "test-secret")
    monkeypatch.setenv("AUDIT_KEY", AUDIT_KEY)
    database.close()
    result = CliRunner().invoke(main, ["jobs", "prune"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "已删除超过 7 天的任务 1 个，文件 1 个" in result.output
    result = CliRunner().invoke(main, ["jobs", "prune", "--days", "2"], catch_exceptions=False)
    assert "已删除超过 2 天的任务 1 个" in result.output
    database.connect(reuse_if_open=True)
    assert not Job.select().where(Job.id.in_([kept, gone])).exists()


def test_the_job_page_says_how_long_the_zip_is_kept(app, as_user, db):  # noqa: F811
    job_id = _job(app.config, 1, JobState.DONE, 0, zipped=True)
    page = as_user("admin").get(f"/reports/jobs/{job_id}").get_data(as_text=True)
    assert "压缩包保留 7 天，之后自动删除" in page


def test_a_store_that_is_down_keeps_every_row_for_the_next_night(app, db, caplog):  # noqa: F811
    if not s3.is_s3(app.config):
        pytest.skip("only a bucket can be unreachable")
    old = _job(app.config, 1, JobState.DONE, 8, zipped=True)
    app.config.update(S3_ENDPOINT_URL="http://127.0.0.1:9", S3_MAX_ATTEMPTS=1)
    with pytest.raises(StoreUnavailable):
        retention.prune_jobs(app.config, 7)
    retention.prune_jobs_nightly.call_local()  # logs and waits for the next night
    assert "job prune: file store unavailable, rows kept" in caplog.text
    assert Job.get_or_none(Job.id == old) is not None
    assert not AuditEntry.select().where(AuditEntry.action == "job.prune").exists()
