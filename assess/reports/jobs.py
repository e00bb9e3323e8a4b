"""Batch generation of every unit's report in the background, with progress on disk.

The job's state lives in ``<instance>/reports/jobs/<id>.json`` (written atomically), so any
web worker can show its progress bar; the renderer's worker processes do the PDF work. The
instance folder, the issuing office and the app (whose context the thread needs for
translations) are arguments: this module never looks for a current app.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
import uuid
from pathlib import Path

from flask_babel import gettext as _

from assess.core.db import database
from assess.core.enums import JobState
from assess.cycles.models import Cycle, UnitResultRecord
from assess.cycles.publishing import current_snapshot
from assess.reports.batch import (
    MANIFEST_NAME,
    BatchRenderError,
    ReportJob,
    render_batch,
    zip_reports,
)
from assess.reports.content import unit_report
from assess.units.models import Unit

JOB_ID = re.compile(r"^[0-9a-f]{32}$")


def jobs_dir(instance: str | Path) -> Path:
    """``<instance>/reports/jobs``, created when missing."""
    path = Path(instance) / "reports" / "jobs"
    path.mkdir(parents=True, exist_ok=True)
    return path


# A running job writes its state at every finished report; one report takes seconds, so a
# job silent for this long has lost its worker even if a process with its PID is alive.
STALE_AFTER_SECONDS = 600


def _write_state(path: Path, state: dict) -> None:
    state["heartbeat"] = time.time()  # the worker's sign of life, read by ``read_state``
    tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def read_state(job_id: str, instance: str | Path, now: float | None = None) -> dict | None:
    """The job's state, or None for an unknown id. A running job whose worker is gone (its
    process has died, or it has not written for ``STALE_AFTER_SECONDS``) is returned, and
    recorded, as failed with the reason, so it can be restarted."""
    if not JOB_ID.match(job_id):
        return None
    path = jobs_dir(instance) / f"{job_id}.json"
    if not path.exists():
        return None
    state = json.loads(path.read_text(encoding="utf-8"))
    if state["state"] == JobState.RUNNING:
        reason = _worker_gone(state, time.time() if now is None else now)
        if reason:
            state["state"], state["error"] = JobState.FAILED, reason
            _write_state(path, state)
    return state


def _worker_gone(state: dict, now: float) -> str | None:
    """Why the worker of a running job is gone, or None while it lives."""
    pid = state.get("pid")
    if pid and not _process_alive(pid):
        return _("生成中断：生成报告的进程已退出，请重新生成。")
    if now - state.get("heartbeat", now) > STALE_AFTER_SECONDS:
        return _("生成中断：已超过 %(m)s 分钟没有进展，请重新生成。", m=STALE_AFTER_SECONDS // 60)
    return None


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, under another user
        return True
    return True


def zip_path(job_id: str, instance: str | Path) -> Path | None:
    if not JOB_ID.match(job_id):
        return None
    return jobs_dir(instance) / f"{job_id}.zip"


def report_jobs(
    cycle: Cycle, office: str, units: list[Unit] | None = None, *, show_peers: bool = False
) -> list[ReportJob]:
    """One job per published unit of the cycle (or of ``units``), named by unit code, each
    report issued by ``office``, naming its peers only with ``show_peers``."""
    snapshot = current_snapshot(cycle)
    if snapshot is None:
        return []
    query = (
        Unit.select()
        .join(UnitResultRecord, on=(UnitResultRecord.unit == Unit.id))
        .where(UnitResultRecord.snapshot == snapshot)
        .order_by(Unit.sort_order, Unit.code)
    )
    chosen = units if units is not None else list(query)
    jobs = []
    for unit in chosen:
        data = unit_report(cycle, unit, office, show_peers=show_peers)
        if data is not None:
            jobs.append(ReportJob(data, f"{cycle.year}-{unit.code}.pdf"))
    return jobs


def start_batch(cycle: Cycle, app, workers: int = 2) -> str:
    """Start rendering every unit report of ``cycle`` in a background thread; return the id.

    ``app`` is the Flask app itself (not a proxy): the thread outlives the request, and reads
    the instance folder and the issuing office from its config."""
    job_id = uuid.uuid4().hex
    state_path = jobs_dir(app.config["ASSESS_INSTANCE"]) / f"{job_id}.json"
    state = {
        "cycle": cycle.id,
        "title": cycle.title,
        "total": 0,
        "done": 0,
        "state": JobState.RUNNING,
        "error": "",
        "pid": os.getpid(),  # the thread runs in this process: when it dies, so does the job
    }
    _write_state(state_path, state)
    thread = threading.Thread(
        target=_run,
        args=(app, cycle.id, job_id, state, workers),
        name=f"report-batch-{job_id[:8]}",
        daemon=True,
    )
    thread.start()
    return job_id


def _run(app, cycle_id: int, job_id: str, state: dict, workers: int) -> None:
    folder = jobs_dir(app.config["ASSESS_INSTANCE"])
    out = folder / job_id
    state_path = folder / f"{job_id}.json"
    try:
        with app.app_context():
            database.connect(reuse_if_open=True)
            try:
                jobs = report_jobs(
                    Cycle.get_by_id(cycle_id),
                    app.config["ISSUING_OFFICE"],
                    show_peers=bool(app.config.get("UNITS_SEE_PEERS")),
                )
            finally:
                database.close()
        state["total"] = len(jobs)
        _write_state(state_path, state)

        def progress(done: int, total: int, _path) -> None:
            state["done"] = done
            _write_state(state_path, state)

        try:
            paths, failures = render_batch(jobs, out, workers=workers, progress=progress), []
        except BatchRenderError as exc:
            # One unit's failure never sinks the batch: the others are delivered, and the
            # failures are listed on the job page and in the zip.
            app.logger.error("report batch %s: %s", job_id, exc.failures)
            paths, failures = exc.written, exc.failures
        state["written"] = len(paths)
        state["failures"] = [list(failure) for failure in failures]
        if failures:
            state["manifest"] = MANIFEST_NAME
        if paths or not failures:
            zip_reports(paths, folder / f"{job_id}.zip", failures)
            state["state"] = JobState.DONE
        else:
            with app.app_context():
                state["state"] = JobState.FAILED
                state["error"] = _("%(n)s份报告均未能生成。", n=len(failures))
    except Exception as exc:  # the thread must record any failure, or the page waits forever
        app.logger.exception("report batch %s failed", job_id)
        with app.app_context():
            state["state"], state["error"] = JobState.FAILED, _("生成失败：%(e)s", e=str(exc))
    _write_state(state_path, state)
