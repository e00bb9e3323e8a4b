"""How long finished jobs are kept (任务保留期), and their removal: rows and store objects.

A finished job (done or failed) keeps its row and its zip for ``JOB_RETENTION_DAYS``, so
that whoever started it can still download the result or read why it failed; after that
:func:`prune_jobs` deletes the zip, then the row. Parts (one PDF per report) are needed
only until their batch is zipped: a finished job's leftover parts (a failed or killed
batch's, or a done one's whose clean-up the store refused) go at the next prune whatever
their age. Objects under ``reports/jobs/`` that no row names (the row pruned, or removed
with its cycle) go once they are as old as the retention.

A job still queued or running is never touched, except one whose workers have been
silent past ``JOB_HEARTBEAT_SECONDS``: that one is recorded as failed first, as any page
showing it would (:func:`assess.reports.jobs.fail_if_stale`), and then counts as failed.

Objects go before rows: a store that fails halfway leaves rows that name objects (the
next prune tries again), never objects that no row will lead back to. The periodic task
runs it every night on one worker at a time; ``assess jobs prune`` runs it by hand.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from assess.core import audit
from assess.core.db import database, locked
from assess.core.enums import FINISHED_JOB_STATES
from assess.core.models import utcnow
from assess.core.queue import crontab, huey, task_context
from assess.evidence import objects
from assess.evidence.storage import StoreUnavailable
from assess.reports.jobs import JOB_ID, Patience, fail_stale_jobs, zip_key
from assess.reports.models import Job

log = logging.getLogger(__name__)

JOBS_FOLDER = "reports/jobs"
DAY = 24 * 3600


@dataclass(frozen=True)
class PruneResult:
    """What a prune removed: job rows, and store objects (zips and parts)."""

    jobs: int
    objects: int


def _job_of(key: str) -> str | None:
    """The job id a key under ``reports/jobs/`` belongs to (``<id>.zip``, ``<id>/<part>``)."""
    rest = key.removeprefix(JOBS_FOLDER + "/")
    job_id = rest.split("/", 1)[0].removesuffix(".zip")
    return job_id if JOB_ID.match(job_id) else None


def prune_jobs(config, retention_days: float) -> PruneResult:
    """Remove the finished jobs older than ``retention_days`` (their rows and objects), the
    parts of every finished job, and job objects no row names once that old; return the
    counts. Raises StoreUnavailable, having deleted no row whose objects remain, when the
    store cannot be reached."""
    cutoff = time.time() - retention_days * DAY
    expired_before = utcnow() - timedelta(days=retention_days)
    fail_stale_jobs(Patience.of(config))
    rows = {
        job.id: job
        for job in Job.select(Job.id, Job.finished_at, Job.created_at).where(
            Job.state.in_(FINISHED_JOB_STATES)
        )
    }
    expired = sorted(
        job_id
        for job_id, job in rows.items()
        if (job.finished_at or job.created_at) < expired_before
    )
    unfinished = {j.id for j in Job.select(Job.id).where(Job.state.not_in(FINISHED_JOB_STATES))}

    by_job: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for key, written in objects.listing(config, JOBS_FOLDER):
        job_id = _job_of(key)
        if job_id is not None:
            by_job[job_id].append((key, written))
    removed = 0
    for job_id, stored in by_job.items():
        if job_id in unfinished:
            continue  # a batch in progress: its parts are still to be zipped
        if job_id in rows:
            doomed = [k for k, _w in stored if job_id in expired or k != zip_key(job_id)]
        else:  # no row: an orphan, left until it is as old as a finished job's result
            doomed = [k for k, w in stored if w < cutoff]
        for key in doomed:
            objects.delete(config, key)
            removed += 1

    with database.atomic():
        gone = []
        for job_id in expired:
            try:
                job = locked(Job, job_id)
            except Job.DoesNotExist:
                continue  # pruned meanwhile by another run
            if job.state in FINISHED_JOB_STATES:
                job.delete_instance()
                gone.append(job_id)
        if gone or removed:
            audit.record(
                "job.prune",
                "job",
                "",
                after={"jobs": gone, "objects": removed, "retention_days": retention_days},
                actor=None,
            )
    return PruneResult(len(gone), removed)


# The queue keeps UTC (utc=True): 19:23 UTC is 03:23 in China, when nobody is working.
@huey.periodic_task(crontab(minute="23", hour="19"))
def prune_jobs_nightly() -> None:
    """Every night at 03:23 China time: prune with ``JOB_RETENTION_DAYS``. Every consumer's
    scheduler enqueues it, so with several workers it runs more than once, even at once:
    ``prune_jobs`` is safe so (each row deleted under its lock, a gone object is no error).
    No huey ``lock_task``: its lock has no expiry, and a worker killed mid-prune would
    leave it held, every later night refused without a word."""
    with task_context() as config:
        try:
            result = prune_jobs(config, float(config["JOB_RETENTION_DAYS"]))
        except StoreUnavailable as exc:  # nothing lost: the next night tries again
            log.error("job prune: file store unavailable, rows kept: %s", exc)
            return
        log.info("job prune: %s rows, %s objects", result.jobs, result.objects)


@huey.periodic_task(crontab(minute="*/5"))
def fail_stale_jobs_every_five_minutes() -> None:
    """A batch whose worker died is recorded failed, and its starter told, within minutes,
    not only when someone opens its page or the night's prune runs."""
    with task_context() as config:
        failed = fail_stale_jobs(Patience.of(config))
        if failed:
            log.warning(
                "report batches: %s recorded failed after their workers went silent", failed
            )
