"""Fixtures of the scale test: moto's S3 server as a process, and one :class:`Stack` per
queue engine (PostgresHuey on the app's database, RedisHuey), shared by the tests of a
module. ``ASSESS_SCALE=full`` (scripts/scaletest.sh) runs the full size; the quick one
runs in the PostgreSQL pass of `make test`.

Whatever happens, every process is stopped at the end; a failing test carries the end of
every process's log in its report.
"""

from __future__ import annotations

import os
import sys
import uuid

import boto3
import pytest
import requests

from assess.core.db import database
from tests.conftest import AUDIT_KEY, fresh_pg_database, migrated_app
from tests.loopback import Child, free_port, wait_until
from tests.scale import data
from tests.scale.stack import ENGINES, FULL, QUICK, S3_ACCESS, SECRET_KEY, Size, Stack

# The stacks alive now, for the failure report of a test (or of a fixture that failed).
_ACTIVE: list[Stack] = []


@pytest.fixture(scope="session")
def size() -> Size:
    return FULL if os.environ.get("ASSESS_SCALE") == "full" else QUICK


@pytest.fixture(scope="session")
def moto(tmp_path_factory):
    """moto's standalone S3 server (`moto_server`) in a process of its own; its Child."""
    folder = tmp_path_factory.mktemp("moto")
    port = free_port()
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    server = Child("moto-server", command, folder / "moto.log")
    server.endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _answers(server), seconds=60, what="moto's server")
        yield server
    finally:
        server.stop()


def _answers(server: Child) -> bool:
    if not server.alive():
        raise AssertionError(f"moto's server exited:\n{server.log_text(4000)}")
    try:
        requests.get(server.endpoint, timeout=2)
    except requests.ConnectionError:
        return False
    return True


@pytest.fixture(scope="module", params=ENGINES)
def stack(request, size, moto, tmp_path_factory):
    """The running deployment, with its data loaded, on the queue engine of the param."""
    folder = tmp_path_factory.mktemp(request.param)
    with fresh_pg_database() as database_url:
        bucket = f"assess-{uuid.uuid4().hex[:12]}"
        boto3.client("s3", endpoint_url=moto.endpoint, **_boto_access()).create_bucket(
            Bucket=bucket
        )
        settings = {
            "DATABASE_URL": database_url,
            "SECRET_KEY": SECRET_KEY,
            "AUDIT_KEY": AUDIT_KEY,
            "STORAGE_URL": f"s3://{bucket}/city",
            "S3_ENDPOINT_URL": moto.endpoint,
            **S3_ACCESS,
            "QUEUE_URL": _queue_url(request, database_url),
            "JOB_HEARTBEAT_SECONDS": size.heartbeat_seconds,
        }
        running = Stack(request.param, settings, folder, size, bucket, others=[moto])
        _ACTIVE.append(running)
        try:
            running.data = _load(database_url, folder, size)
            running.start_servers()
            yield running
        finally:
            running.stop()
            _ACTIVE.remove(running)


def _boto_access() -> dict:
    return {
        "aws_access_key_id": S3_ACCESS["S3_ACCESS_KEY_ID"],
        "aws_secret_access_key": S3_ACCESS["S3_SECRET_ACCESS_KEY"],
        "region_name": S3_ACCESS["S3_REGION"],
    }


def _queue_url(request, database_url: str) -> str:
    if request.param == "postgres-queue":
        return database_url
    url = request.getfixturevalue("redis_url")
    import redis

    redis.Redis.from_url(url).flushdb()  # each stack starts from an empty queue
    return url


def _load(database_url: str, folder, size: Size) -> data.ScaleData:
    """The schema and the data, written by this process before any server starts."""
    app = migrated_app(database_url, folder / "loader")
    with app.app_context():
        database.connect(reuse_if_open=True)
        try:
            return data.load(size.units)
        finally:
            database.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and _ACTIVE:
        for stack in _ACTIVE:
            for name, text in stack.logs():
                report.sections.append((f"log of {name}", text))
