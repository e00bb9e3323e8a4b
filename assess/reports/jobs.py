"""Batch generation of every unit's report on the task queue (批量生成), state in ``job``.

``start_batch`` records the job and enqueues one task per unit report; any worker
(``assess worker``, on any machine sharing ``QUEUE_URL``) renders one report, stores it in
the object store and counts it on the job row; the task that counts the last one enqueues
the zipping. Every server reads the same row (:func:`read_job`), and a running job whose
workers have written nothing for ``JOB_HEARTBEAT_SECONDS`` is recorded as failed (its worker
died) so that it can be started again as a new job: tasks of a failed job still queued
do nothing.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
import tempfile
import uuid
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from flask_babel import gettext as _

from assess.accounts.models import User
from assess.core import audit
from assess.core.db import database, locked
from assess.core.enums import UNFINISHED_JOB_STATES, JobState, NotificationKind
from assess.core.formatting import plain_number
from assess.core.models import utcnow
from assess.core.queue import huey, task_context
from assess.cycles.models import Cycle, UnitResultRecord
from assess.cycles.publishing import current_snapshot
from assess.evidence import objects
from assess.evidence.storage import StoreUnavailable
from assess.notifications import store
from assess.reports.batch import MANIFEST_NAME, ReportJob, failure_manifest
from assess.reports.content import unit_report
from assess.reports.models import Job
from assess.units.models import Unit

log = logging.getLogger(__name__)

JOB_ID = re.compile(r"^[0-9a-f]{32}$")
REPORT_BATCH = "report_batch"


def report_units(cycle: Cycle) -> list[Unit]:
    """The units of the cycle's current snapshot, in the tree's order."""
    snapshot = current_snapshot(cycle)
    if snapshot is None:
        return []
    return list(
        Unit.select()
        .join(UnitResultRecord, on=(UnitResultRecord.unit == Unit.id))
        .where(UnitResultRecord.snapshot == snapshot)
        .order_by(Unit.sort_order, Unit.code)
    )


def report_filename(cycle: Cycle, unit: Unit) -> str:
    return f"{cycle.year}-{unit.code}.pdf"


def report_jobs(
    cycle: Cycle, office: str, units: list[Unit] | None = None, *, show_peers: bool = False
) -> list[ReportJob]:
    """One job per published unit of the cycle (or of ``units``), named by unit code, each
    report issued by ``office``, naming its peers only with ``show_peers``."""
    jobs = []
    for unit in units if units is not None else report_units(cycle):
        data = unit_report(cycle, unit, office, show_peers=show_peers)
        if data is not None:
            jobs.append(ReportJob(data, report_filename(cycle, unit)))
    return jobs


def part_key(job_id: str, filename: str) -> str:
    return f"reports/jobs/{job_id}/{filename}"


def zip_key(job_id: str) -> str:
    return f"reports/jobs/{job_id}.zip"


def start_batch(cycle: Cycle, actor) -> str:
    """Record a batch of every unit report of ``cycle`` and put it on the queue; return
    the job's id. The job row and its audit entry are committed before any task is
    enqueued, so a worker never meets a job that is not there."""
    units = report_units(cycle)
    job_id = uuid.uuid4().hex
    with database.atomic():
        Job.create(id=job_id, kind=REPORT_BATCH, cycle=cycle, total=len(units), created_by=actor)
        audit.record(
            "report.batch",
            "job",
            job_id,
            after={"cycle": cycle.id, "reports": len(units)},
            actor=actor,
        )
    try:
        for unit in units:
            render_part(job_id, unit.id)
        if not units:
            finish_batch(job_id)
    except Exception as exc:
        log.exception("report batch %s could not be queued", job_id)
        _fail(job_id, _("无法加入任务队列：%(e)s", e=str(exc)))
    return job_id


@dataclass(frozen=True)
class Patience:
    """How long a job may show no progress before it counts as failed: running with no
    sign of life from its workers (``heartbeat_seconds``: they died), or still queued with
    no worker having started it (``queued_seconds``: no worker runs, or the queue's
    storage lost its tasks, as a Redis flushed or a queue file deleted does)."""

    heartbeat_seconds: int
    queued_seconds: int

    @classmethod
    def of(cls, config) -> Patience:
        return cls(
            int(config["JOB_HEARTBEAT_SECONDS"]), int(float(config["JOB_QUEUED_HOURS"]) * 3600)
        )


def read_job(job_id: str, patience: Patience) -> Job | None:
    """The job, or None for an unknown id. A job past its ``patience`` is recorded (and
    returned) as failed, with the reason."""
    if not isinstance(job_id, str) or not JOB_ID.match(job_id):
        return None
    job = Job.get_or_none(Job.id == job_id)
    if job is not None and _stale(job, patience):
        job = fail_if_stale(job_id, patience)
    return job


def fail_if_stale(job_id: str, patience: Patience) -> Job:
    """The job, recorded as failed with the reason first if it is past its ``patience``
    (checked again under the lock); the person who started it is told, as of any batch
    that ends, in the same transaction."""
    with database.atomic():
        job = locked(Job, job_id)
        if _stale(job, patience):
            if job.state == JobState.RUNNING:
                job.error = _(
                    "生成中断：处理任务的进程已超过 %(s)s 秒没有进展（可能已退出），请重新生成。",
                    s=patience.heartbeat_seconds,
                )
            else:
                job.error = _(
                    "排队超过 %(h)s 小时仍未开始：没有处理任务的进程在运行，或任务队列已丢失，"
                    "请确认任务进程已启动后重新生成。",
                    h=plain_number(Decimal(patience.queued_seconds) / 3600),
                )
            job.state = JobState.FAILED
            job.finished_at = utcnow()
            job.save()
            _notify_finished(job, JobState.FAILED, error=job.error)
    return job


def fail_stale_jobs(patience: Patience) -> int:
    """Record every unfinished job past its ``patience`` as failed (see
    :func:`fail_if_stale`); the number recorded."""
    waiting = Job.select().where(Job.state.in_(UNFINISHED_JOB_STATES))
    ended = [fail_if_stale(job.id, patience) for job in waiting if _stale(job, patience)]
    return len(ended)


def _stale(job: Job, patience: Patience) -> bool:
    now = utcnow()
    if job.state == JobState.RUNNING:
        beat = job.heartbeat_at or job.started_at or job.created_at
        return now - beat > timedelta(seconds=patience.heartbeat_seconds)
    if job.state == JobState.QUEUED:
        return now - job.created_at > timedelta(seconds=patience.queued_seconds)
    return False


def _fail(job_id: str, reason: str) -> int:
    """Record an unfinished job as failed with ``reason``; 1 if it was, 0 if it had ended."""
    return (
        Job.update(state=JobState.FAILED, error=reason, finished_at=utcnow())
        .where(Job.id == job_id, Job.state.in_(UNFINISHED_JOB_STATES))
        .execute()
    )


def _notify_finished(
    job: Job, state: str, reports: int = 0, failed: int = 0, error: str = ""
) -> None:
    """Tell the person who started the batch that it ended, with a link to its page (the
    download, or the reason it failed); a batch started by no one (a command) tells nobody."""
    if job.created_by_id is None:
        return
    starter = User.get_or_none(User.id == job.created_by_id, User.active == True)  # noqa: E712
    if starter is None:
        return
    done = state == JobState.DONE
    store.notify(
        [starter],
        NotificationKind.BATCH_DONE if done else NotificationKind.BATCH_FAILED,
        {"cycle": job.cycle.title if job.cycle_id else "", "reports": reports, "failed": failed}
        | ({} if done else {"error": error}),
        store.target("reports.job", job_id=job.id),
    )


@huey.on_startup()
def warm_up_worker() -> None:
    """Load WeasyPrint, the fonts and matplotlib once per worker, before its first report. A
    failure here (fonts missing) is left for each report to raise with its message."""
    from assess.reports import render

    with contextlib.suppress(Exception):
        render.warm_up()


@huey.task()
def render_part(job_id: str, unit_id: int) -> None:
    """Render one unit's report of a batch into the object store and count it."""
    from assess.reports.render import render_report

    with task_context() as config:
        # A job given up (failed, or restarted as another) has nothing more to do.
        started = (
            Job.update(state=JobState.RUNNING, heartbeat_at=utcnow())
            .where(Job.id == job_id, Job.state.in_(UNFINISHED_JOB_STATES))
            .execute()
        )
        if not started:
            return
        Job.update(started_at=utcnow()).where(Job.id == job_id, Job.started_at.is_null()).execute()
        job = Job.get_by_id(job_id)
        unit = Unit.get_by_id(unit_id)
        filename = report_filename(job.cycle, unit)
        failure = None
        try:
            data = unit_report(
                job.cycle,
                unit,
                config["ISSUING_OFFICE"],
                show_peers=bool(config.get("UNITS_SEE_PEERS")),
            )
            if data is None:
                raise LookupError(_("该单位没有已公布的结果"))
            pdf = render_report(data)
            objects.put(config, part_key(job_id, filename), io.BytesIO(pdf))
        except StoreUnavailable as exc:
            log.error("report batch %s: %s not stored: %s", job_id, filename, exc)
            failure = (filename, _("%(unit)s：文件存储暂时无法访问，报告未能保存", unit=unit.name))
        except LookupError as exc:
            failure = (filename, f"{unit.name}：{exc}")
        except Exception:  # one report's failure never sinks the batch
            # The page and the manifest name the unit in Chinese; the exception, in the
            # program's words, goes to the log with its traceback for whoever runs it.
            log.exception("report batch %s: %s", job_id, filename)
            failure = (filename, _("%(unit)s：生成时出错，详情已记入系统日志", unit=unit.name))
        with database.atomic():
            job = locked(Job, job_id)
            if job.state != JobState.RUNNING:
                return
            job.done += 1
            job.heartbeat_at = utcnow()
            if failure:
                job.failures = json.dumps(job.failure_list() + [failure], ensure_ascii=False)
            else:
                job.written = json.dumps(job.written_names() + [filename], ensure_ascii=False)
            job.save()
            last = job.done >= job.total
    if last:
        finish_batch(job_id)


@huey.task()
def finish_batch(job_id: str) -> None:
    """Zip the parts of a batch whose reports are all counted into the object store."""
    with task_context() as config:
        job = Job.get_or_none(Job.id == job_id)
        if job is None or job.state not in UNFINISHED_JOB_STATES:
            return
        names = sorted(job.written_names())
        failures = sorted(job.failure_list())
        if names or not failures:
            try:
                _zip_parts(config, job_id, names, failures)
            except StoreUnavailable as exc:
                # The parts stay for the prune (assess.reports.retention); a new job
                # renders them again once the store is back.
                log.error("report batch %s: zip not stored: %s", job_id, exc)
                reason = _("文件存储暂时无法访问，压缩包未能保存，请稍后重新生成。")
                with database.atomic():
                    if _fail(job_id, reason):
                        _notify_finished(job, JobState.FAILED, error=reason)
                return
            update = {"state": JobState.DONE, "result_key": zip_key(job_id)}
        else:
            update = {
                "state": JobState.FAILED,
                "error": _("%(n)s份报告均未能生成。", n=len(failures)),
            }
        with database.atomic():
            finished = (
                Job.update(finished_at=utcnow(), heartbeat_at=utcnow(), **update)
                .where(Job.id == job_id, Job.state.in_(UNFINISHED_JOB_STATES))
                .execute()
            )
            if finished:
                _notify_finished(
                    job,
                    update["state"],
                    reports=len(names),
                    failed=len(failures),
                    error=update.get("error", ""),
                )
        try:
            for name in names:
                objects.delete(config, part_key(job_id, name))
        except StoreUnavailable as exc:  # the job is done; the prune removes what is left
            log.warning("report batch %s: parts left in the store: %s", job_id, exc)


def _zip_parts(config, job_id: str, names: list[str], failures: list) -> None:
    """Zip the batch's stored parts (and the manifest of its failures) into its result."""
    with tempfile.TemporaryFile() as archive:
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
            for name in names:
                with objects.open_object(config, part_key(job_id, name)) as part:
                    z.writestr(name, part.read())
            if failures:
                z.writestr(MANIFEST_NAME, failure_manifest(failures).encode("utf-8"))
        archive.seek(0)
        objects.put(config, zip_key(job_id), archive)
