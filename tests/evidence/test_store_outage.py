"""A file store (S3) that goes down: downloads, thumbnails and report zips answer the app's
Chinese 503 (文件存储暂时无法访问) with the request id and log the reason; an upload changes
nothing in the database; a dead or silent endpoint fails after the configured tries, in
seconds; the next request after the store is back works. The store "goes down" mid-test:
the app is pointed from moto's server to a closed port, or to a server that never answers.
"""

from __future__ import annotations

import contextlib
import io
import logging
import socket
import threading

import pytest

from assess.core.enums import JobState
from assess.core.models import AuditEntry
from assess.cycles.models import Submission
from assess.evidence import objects, s3
from assess.evidence.models import Evidence
from assess.reports import jobs
from assess.reports.models import Job
from tests.cycle_helpers import make_cycle, pdf_bytes, png_bytes, unit
from tests.evidence import s3_server

DOWN = "文件存储暂时无法访问，请稍后再试"


@pytest.fixture
def backend(s3_endpoint):
    """Only the S3 backend can be unreachable: a fresh bucket on moto's server."""
    return s3_server.new_bucket(s3_endpoint)


def _closed_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"  # nothing listens there once the probe is closed


@contextlib.contextmanager
def _store_down(app, endpoint: str | None = None, **limits):
    """The app's store pointed at ``endpoint`` (a closed port by default) while inside."""
    saved = dict(app.config)
    app.config.update({"S3_MAX_ATTEMPTS": 1, **limits}, S3_ENDPOINT_URL=endpoint or _closed_port())
    try:
        yield
    finally:
        app.config.clear()
        app.config.update(saved)


class SilentServer:
    """Accepts connections and never answers: a store that hangs. Counts the connections."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                self.accepted.append(self.sock.accept()[0])

    def close(self) -> None:
        self.sock.close()
        for conn in self.accepted:
            conn.close()


def _upload(client, cycle, data: bytes, name: str, version: int = 0):
    return client.post(
        f"/cycles/{cycle.id}/units/{unit('410105').id}/items/A2",
        data={"version": version, "value": "4", "files": [(io.BytesIO(data), name)]},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def _assert_store_page(response) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page[:300]
    assert DOWN in page and "文件存储暂时无法访问" in page
    assert f"请求编号：{response.headers['X-Request-ID']}" in page
    assert "Traceback" not in page and "Internal Server Error" not in page
    assert "127.0.0.1" not in page and "Endpoint" not in page  # the reason is for the log


def test_while_the_store_is_down_pages_get_the_chinese_503_uploads_save_nothing(
    app, as_user, db, caplog
):
    cycle = make_cycle("open")
    reporter = as_user("r-410105")
    assert "A2 已保存" in _upload(reporter, cycle, png_bytes(), "照片.png").text
    (row,) = Evidence.select()
    submissions = [(s.id, s.version, s.value_text) for s in Submission.select()]
    audit_before = AuditEntry.select().count()
    with _store_down(app), caplog.at_level(logging.ERROR):
        _assert_store_page(reporter.get(f"/evidence/{row.id}"))
        _assert_store_page(reporter.get(f"/evidence/{row.id}/thumbnail"))
        page = _upload(reporter, cycle, pdf_bytes(2), "材料.pdf")
    logged = [r.getMessage() for r in caplog.records if "file store unavailable" in r.getMessage()]
    assert len(logged) == 2 and "EndpointConnectionError" in logged[0]
    assert f"GET /evidence/{row.id}" in logged[0]
    # The upload: the item's page again with the message at the item, and nothing saved.
    assert "A2 未保存" in page.text and "文件存储暂时无法访问，文件未保存" in page.text
    assert Evidence.select().count() == 1
    assert [(s.id, s.version, s.value_text) for s in Submission.select()] == submissions
    assert AuditEntry.select().count() == audit_before
    # Back up: the same requests work, without a restart.
    assert reporter.get(f"/evidence/{row.id}").data == png_bytes()
    saved = _upload(reporter, cycle, pdf_bytes(2), "材料.pdf", version=submissions[0][1])
    assert "上传佐证材料 1 份" in saved.text and Evidence.select().count() == 2


def _done_job() -> str:
    job_id = "ab" * 16
    Job.create(
        id=job_id, kind=jobs.REPORT_BATCH, state=JobState.DONE, result_key=jobs.zip_key(job_id)
    )
    return job_id


def test_a_report_zip_download_while_the_store_is_down_gets_the_503(app, as_user, db):
    job_id = _done_job()
    objects.put(app.config, jobs.zip_key(job_id), io.BytesIO(b"PK zip"))
    admin = as_user("admin")
    with _store_down(app):
        _assert_store_page(admin.get(f"/reports/jobs/{job_id}/download"))
    assert admin.get(f"/reports/jobs/{job_id}/download").data == b"PK zip"


def test_a_store_that_never_answers_fails_after_the_configured_tries(app, as_user, db):
    """Connected but silent (an overloaded or half-dead endpoint): each try waits
    S3_READ_TIMEOUT, S3_MAX_ATTEMPTS tries in all, then the 503; botocore's defaults would
    wait 60 s per try, five tries."""
    job_id = _done_job()
    admin = as_user("admin")
    silent = SilentServer()
    try:
        with _store_down(app, silent.url, S3_READ_TIMEOUT=1, S3_MAX_ATTEMPTS=2):
            _assert_store_page(admin.get(f"/reports/jobs/{job_id}/download"))
    finally:
        silent.close()
    assert len(silent.accepted) == 2


@pytest.mark.pure
def test_the_client_fails_fast_by_default():
    config = {"STORAGE_URL": "s3://bucket/x", "S3_ENDPOINT_URL": "http://127.0.0.1:9"}
    client_config = s3.Bucket(config | s3_server.ACCESS).client.meta.config
    assert (client_config.connect_timeout, client_config.read_timeout) == (3, 20)
    assert client_config.retries == {"total_max_attempts": 3, "mode": "standard"}
    # MinIO, Ceph RGW and Chinese clouds' S3 modes refuse botocore's new default checksums.
    assert client_config.request_checksum_calculation == "when_required"


def test_a_batch_whose_zip_the_store_refuses_fails_with_the_reason(app, db):
    job_id = "cd" * 16
    Job.create(
        id=job_id,
        kind=jobs.REPORT_BATCH,
        state=JobState.RUNNING,
        total=1,
        done=1,
        written='["2026-410105.pdf"]',
    )
    objects.put(app.config, jobs.part_key(job_id, "2026-410105.pdf"), io.BytesIO(b"%PDF"))
    with _store_down(app):
        jobs.finish_batch.call_local(job_id)
    job = Job.get_by_id(job_id)
    assert job.state == JobState.FAILED and job.error.startswith("文件存储暂时无法访问")
    assert "Endpoint" not in job.error
