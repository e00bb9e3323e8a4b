"""Report batches through the real queue: `assess worker` subprocesses consume what the web
app enqueued; a second app instance (another server) sees the same job; a worker killed
with SIGKILL mid-batch leaves a job shown as failed after the heartbeat timeout, and a
retry completes."""

from __future__ import annotations

import io
import os
import zipfile

import pytest

from assess.core.db import database
from assess.core.enums import JobState
from assess.reports import retention
from assess.reports.models import Job
from tests.conftest import AUDIT_KEY, PG_SERVER, login, make_app
from tests.loopback import Worker, wait_until
from tests.reports.test_views_reports import publish_three_counties

NAMES = ["2026-410102.pdf", "2026-410103.pdf", "2026-410105.pdf"]


# The default queue (a SqliteHuey file in the instance), RedisHuey, and on the PostgreSQL
# pass PostgresHuey on the app's own database.
QUEUES = ["sqlite-queue", "redis-queue"] + (["postgres-queue"] if PG_SERVER else [])


@pytest.fixture(params=QUEUES)
def queue_url(request, database_url):
    if request.param == "redis-queue":
        url = request.getfixturevalue("redis_url")
        import redis

        redis.Redis.from_url(url).flushdb()  # each test starts from an empty queue
        return url
    return "" if request.param == "sqlite-queue" else database_url


@pytest.fixture
def servers(database_url, tmp_path, queue_url, app):
    """Two app instances over one database, instance folder and queue: servers A and B."""
    config = {"QUEUE_URL": queue_url, "JOB_HEARTBEAT_SECONDS": 3}
    server_a = make_app(database_url, tmp_path, **config)
    server_b = make_app(database_url, tmp_path, **config)
    return server_a, server_b


@pytest.fixture
def published(demo, db):
    return publish_three_counties()


@pytest.fixture
def worker_of():
    started: list[Worker] = []

    def start(app, workers: int = 1) -> Worker:
        config = app.config
        settings = {
            "DATABASE_URL": config["DATABASE_URL"],
            "ASSESS_INSTANCE": config["ASSESS_INSTANCE"],
            "SECRET_KEY": "test-secret",
            "AUDIT_KEY": AUDIT_KEY,
            "QUEUE_URL": config["QUEUE_URL"],
        }
        log = os.path.join(config["ASSESS_INSTANCE"], "worker.log")
        started.append(Worker(settings, log, workers))
        return started[-1]

    yield start
    for worker in started:
        worker.stop()


def _signed_in(app, username="admin"):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def _job(job_id: str) -> Job:
    database.connect(reuse_if_open=True)
    try:
        return Job.get_by_id(job_id)
    finally:
        database.close()


def _batch_started_on_a(servers, cycle):
    """Admins signed in on servers A and B; A starts the batch: (a, b, job_url, job_id)."""
    a, b = (_signed_in(server) for server in servers)
    job_url = a.post(f"/reports/cycles/{cycle.id}/batch").headers["Location"]
    return a, b, job_url, job_url.rsplit("/", 1)[1]


def test_a_batch_started_on_one_server_completes_in_a_worker_and_shows_on_another(
    servers, published, worker_of
):
    server_a, server_b = servers
    a, b, job_url, job_id = _batch_started_on_a(servers, published)
    # Nothing runs in the web server: the job waits for a worker, on every server.
    queued = b.get(job_url).get_data(as_text=True)
    assert "排队中" in queued and 'http-equiv="refresh"' in queued
    assert _job(job_id).state == JobState.QUEUED

    worker_of(server_a, workers=2)
    wait_until(lambda: _job(job_id).state == JobState.DONE)
    page = b.get(job_url).get_data(as_text=True)
    assert "已生成 3 份督查报告" in page
    archive = b.get(job_url + "/download")
    assert archive.status_code == 200
    assert sorted(zipfile.ZipFile(io.BytesIO(archive.data)).namelist()) == NAMES
    # The download keeps the policy check, on every server.
    assert _signed_in(server_b, "viewer").get(job_url + "/download").status_code == 403
    # The parts are gone from the object store, the zip stays.
    objects = os.path.join(server_a.config["ASSESS_INSTANCE"], "objects", "reports", "jobs")
    assert sorted(os.listdir(objects)) == [f"{job_id}.zip"]


def test_a_worker_killed_mid_batch_leaves_a_failed_job_that_a_retry_completes(
    servers, published, worker_of
):
    server_a, server_b = servers
    a, b, job_url, job_id = _batch_started_on_a(servers, published)
    worker = worker_of(server_a, workers=1)
    wait_until(lambda: _job(job_id).done >= 1, what="the first report")
    worker.kill()
    killed = _job(job_id)
    assert killed.state == JobState.RUNNING and killed.done < killed.total  # mid-batch

    # Shown as running while the heartbeat is recent, then as failed with the reason.
    page = wait_until(
        lambda: "生成失败" in (text := b.get(job_url).get_data(as_text=True)) and text,
        seconds=30,
        what="the failure",
    )
    assert "已超过 3 秒没有进展" in page and 'http-equiv="refresh"' not in page
    assert _job(job_id).state == JobState.FAILED

    retry_url = b.post(f"/reports/jobs/{job_id}/restart").headers["Location"]
    retry_id = retry_url.rsplit("/", 1)[1]
    assert retry_id != job_id
    worker_of(server_b, workers=1)
    wait_until(lambda: _job(retry_id).state == JobState.DONE)
    archive = a.get(retry_url + "/download")
    assert sorted(zipfile.ZipFile(io.BytesIO(archive.data)).namelist()) == NAMES
    # The killed job's tasks still queued did nothing: it stays failed.
    assert _job(job_id).state == JobState.FAILED
    # Its parts (the reports rendered before the kill) go at the next prune; the row and
    # the retry's zip stay for the retention.
    parts = os.path.join(server_a.config["ASSESS_INSTANCE"], "objects", "reports", "jobs")
    assert os.listdir(os.path.join(parts, job_id))
    database.connect(reuse_if_open=True)
    try:
        assert retention.prune_jobs(server_a.config, 7).jobs == 0
    finally:
        database.close()
    assert sorted(os.listdir(parts)) == [f"{retry_id}.zip"]
    assert _job(job_id).state == JobState.FAILED
