"""Batch jobs whose worker is gone: shown as failed with the reason, and restartable."""

from __future__ import annotations

import json
import os
import time

import pytest

from assess.core.enums import CycleState, JobState
from assess.cycles.models import Cycle
from assess.reports import jobs
from tests.cycle_helpers import make_cycle


def _dead_pid() -> int:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


def _running_job(app, cycle, **fields) -> str:
    job_id = "ab" * 16
    path = jobs.jobs_dir(app.config["ASSESS_INSTANCE"]) / f"{job_id}.json"
    state = {"cycle": cycle.id, "title": cycle.title, "total": 9, "done": 3, "error": ""}
    state |= {"state": JobState.RUNNING, "pid": os.getpid(), "heartbeat": time.time()}
    path.write_text(json.dumps(state | fields), encoding="utf-8")
    return job_id


@pytest.fixture
def published(demo, db):
    cycle = make_cycle("review")
    Cycle.update(state=CycleState.PUBLISHED).where(Cycle.id == cycle.id).execute()
    return Cycle.get_by_id(cycle.id)


@pytest.mark.parametrize(
    ("gone", "reason"),
    [
        (lambda: {"pid": _dead_pid()}, "进程已退出"),
        (lambda: {"heartbeat": time.time() - jobs.STALE_AFTER_SECONDS - 1}, "没有进展"),
    ],
    ids=["dead-process", "no-heartbeat"],
)
def test_a_job_whose_worker_is_gone_is_failed_and_can_be_restarted(
    app, as_user, published, monkeypatch, gone, reason
):
    job_id = _running_job(app, published, **gone())
    admin = as_user("admin")
    page = admin.get(f"/reports/jobs/{job_id}").get_data(as_text=True)
    assert "生成失败" in page and reason in page
    assert 'http-equiv="refresh"' not in page  # no longer waits forever
    state = json.loads(
        (jobs.jobs_dir(app.config["ASSESS_INSTANCE"]) / f"{job_id}.json").read_text()
    )
    assert state["state"] == JobState.FAILED  # recorded, for every worker to see

    started = []
    monkeypatch.setattr(
        jobs, "start_batch", lambda cycle, app: started.append(cycle.id) or "cd" * 16
    )
    response = admin.post(f"/reports/jobs/{job_id}/restart")
    assert response.status_code == 302 and response.location.endswith("/reports/jobs/" + "cd" * 16)
    assert started == [published.id]
    assert as_user("viewer").post(f"/reports/jobs/{job_id}/restart").status_code == 403


def test_a_job_whose_worker_lives_is_still_running_and_cannot_be_restarted(app, as_user, published):
    job_id = _running_job(app, published)
    admin = as_user("admin")
    page = admin.get(f"/reports/jobs/{job_id}").get_data(as_text=True)
    assert "生成中" in page and "生成失败" not in page
    assert admin.post(f"/reports/jobs/{job_id}/restart").status_code == 404
