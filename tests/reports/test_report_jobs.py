"""Batch jobs in the ``job`` table: a running job whose worker is silent past the heartbeat
timeout is shown, and recorded, as failed with the reason, and can be restarted."""

from __future__ import annotations

from datetime import timedelta

import pytest

from assess.core.enums import CycleState, JobState
from assess.core.models import utcnow
from assess.cycles.models import Cycle
from assess.reports import jobs
from assess.reports.models import Job
from tests.cycle_helpers import make_cycle


@pytest.fixture
def published(demo, db):
    cycle = make_cycle("review")
    Cycle.update(state=CycleState.PUBLISHED).where(Cycle.id == cycle.id).execute()
    return Cycle.get_by_id(cycle.id)


def _running_job(cycle, seconds_since_heartbeat: float) -> str:
    job_id = "ab" * 16
    beat = utcnow() - timedelta(seconds=seconds_since_heartbeat)
    Job.create(
        id=job_id,
        kind=jobs.REPORT_BATCH,
        cycle=cycle,
        state=JobState.RUNNING,
        total=9,
        done=3,
        started_at=beat,
        heartbeat_at=beat,
    )
    return job_id


def test_a_job_whose_worker_is_silent_is_failed_and_can_be_restarted(
    app, as_user, published, monkeypatch
):
    timeout = int(app.config["JOB_HEARTBEAT_SECONDS"])
    job_id = _running_job(published, timeout + 1)
    admin = as_user("admin")
    page = admin.get(f"/reports/jobs/{job_id}").get_data(as_text=True)
    assert "生成失败" in page and f"已超过 {timeout} 秒没有进展" in page
    assert 'http-equiv="refresh"' not in page  # no longer waits forever
    assert Job.get_by_id(job_id).state == JobState.FAILED  # recorded, for every server

    started = []
    monkeypatch.setattr(
        jobs,
        "start_batch",
        lambda cycle, actor: started.append((cycle.id, actor.username)) or "cd" * 16,
    )
    response = admin.post(f"/reports/jobs/{job_id}/restart")
    assert response.status_code == 302 and response.location.endswith("/reports/jobs/" + "cd" * 16)
    assert started == [(published.id, "admin")]
    assert as_user("viewer").post(f"/reports/jobs/{job_id}/restart").status_code == 403


def test_a_job_whose_worker_lives_is_still_running_and_cannot_be_restarted(app, as_user, published):
    job_id = _running_job(published, 1)
    admin = as_user("admin")
    page = admin.get(f"/reports/jobs/{job_id}").get_data(as_text=True)
    assert "生成中" in page and "生成失败" not in page and "3 / 9" in page
    assert admin.post(f"/reports/jobs/{job_id}/restart").status_code == 404
    assert admin.get(f"/reports/jobs/{job_id}/download").status_code == 404
    assert admin.get("/reports/jobs/" + "ef" * 16).status_code == 404


def test_a_job_queued_for_hours_with_no_worker_is_failed_and_can_be_restarted(
    app, as_user, published
):
    """No worker ever took it up (none runs, or the queue's storage lost its tasks)."""
    hours = int(app.config["JOB_QUEUED_HOURS"])
    fresh, lost = "ab" * 16, "cd" * 16
    for job_id, age in ((fresh, hours * 3600 - 60), (lost, hours * 3600 + 60)):
        Job.create(
            id=job_id,
            kind=jobs.REPORT_BATCH,
            cycle=published,
            state=JobState.QUEUED,
            total=9,
            created_at=utcnow() - timedelta(seconds=age),
        )
    admin = as_user("admin")
    waiting = admin.get(f"/reports/jobs/{fresh}").get_data(as_text=True)
    assert "已加入任务队列" in waiting and Job.get_by_id(fresh).state == JobState.QUEUED
    page = admin.get(f"/reports/jobs/{lost}").get_data(as_text=True)
    assert "生成失败" in page and f"排队超过 {hours} 小时仍未开始" in page
    assert "重新生成" in page
    assert Job.get_by_id(lost).state == JobState.FAILED
    assert jobs.fail_stale_jobs(jobs.Patience.of(app.config)) == 0  # nothing more to fail
