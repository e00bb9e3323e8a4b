"""A report batch that ends tells the person who started it, with a link to the job."""

from __future__ import annotations

import pytest

from assess.accounts.models import User
from assess.core.enums import CycleState, JobState, NotificationKind
from assess.cycles.models import Cycle
from assess.evidence.storage import StoreUnavailable
from assess.reports import jobs
from assess.reports.models import Job
from tests.cycle_helpers import make_cycle
from tests.notifications.helpers import texts_of, told


@pytest.fixture
def published(demo, db):
    """A cycle marked published with no snapshot: its batch has no reports to render, so
    the queue goes straight to the zip (the rendering is tests/reports' business)."""
    cycle = make_cycle("review")
    Cycle.update(state=CycleState.PUBLISHED).where(Cycle.id == cycle.id).execute()
    return Cycle.get_by_id(cycle.id)


@pytest.fixture
def inline_queue():
    from assess.core.queue import huey

    huey.immediate = True
    yield
    huey.immediate = False


def test_a_finished_batch_tells_whoever_started_it(published, inline_queue):
    admin = User.get(User.username == "admin")
    job_id = jobs.start_batch(published, admin)
    assert Job.get_by_id(job_id).state == JobState.DONE
    (note,) = told(admin)
    assert note.kind == NotificationKind.BATCH_DONE
    assert note.target_parts == ("reports.job", {"job_id": job_id})
    assert texts_of(admin) == [f"{published.title}：批量生成的 0 份督查报告已完成，可下载压缩包"]
    assert told(User.get(User.username == "inspector")) == []


def test_a_batch_whose_zip_cannot_be_stored_says_so(published, inline_queue, monkeypatch):
    def down(*args, **kwargs):
        raise StoreUnavailable("connect timeout")

    monkeypatch.setattr(jobs, "_zip_parts", down)
    admin = User.get(User.username == "admin")
    job_id = jobs.start_batch(published, admin)
    assert Job.get_by_id(job_id).state == JobState.FAILED
    (note,) = told(admin)
    assert note.kind == NotificationKind.BATCH_FAILED
    assert texts_of(admin) == [
        f"{published.title}：批量生成督查报告失败：文件存储暂时无法访问，压缩包未能保存，请稍后重新生成。"
    ]


def test_a_batch_finished_twice_tells_once(published, inline_queue):
    """A retried zip task meets a job already done: it changes nothing and tells nobody."""
    admin = User.get(User.username == "admin")
    job_id = jobs.start_batch(published, admin)
    jobs.finish_batch(job_id)
    assert len(told(admin)) == 1


def test_a_batch_whose_worker_went_silent_tells_its_starter_once(published):
    """No page opened: the five-minute scan records it failed and tells who started it."""
    from datetime import timedelta

    from assess.core.models import utcnow
    from assess.core.queue import huey
    from assess.reports import retention

    admin = User.get(User.username == "admin")
    job_id = jobs.start_batch(published, admin)  # queued, not run (no inline queue)
    Job.update(state=JobState.RUNNING, heartbeat_at=utcnow() - timedelta(hours=1)).where(
        Job.id == job_id
    ).execute()
    huey.flush()
    retention.fail_stale_jobs_every_five_minutes.call_local()
    job = Job.get_by_id(job_id)
    assert job.state == JobState.FAILED and "没有进展" in job.error
    (note,) = told(admin)
    assert note.kind == NotificationKind.BATCH_FAILED and "没有进展" in texts_of(admin)[0]
    retention.fail_stale_jobs_every_five_minutes.call_local()  # and again: nothing new
    jobs.read_job(job_id, jobs.Patience(60, 3600))
    assert len(told(admin)) == 1
