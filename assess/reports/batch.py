"""Render many reports at once in worker processes, and zip them for download.

WeasyPrint is single-threaded Python: throughput comes from processes. Each worker imports
WeasyPrint and matplotlib itself (workers start from a forkserver, not from the caller,
which may be a threaded web server holding database connections), keeps its fonts and
templates warm between reports, and is replaced after ``max_tasks_per_child`` reports so
that memory held by layout caches does not grow over a long batch.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import pickle
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from assess.reports.data import CitySummaryData, ReportData, UnitReportData
from scoring.i18n import _

log = logging.getLogger(__name__)

Progress = Callable[[int, int, "Path | None"], object]

# Reports per worker before it is replaced: a worker's first report pays ~1 s of imports
# and font loading, so recycling rarely keeps that cost small.
MAX_TASKS_PER_CHILD = 50
# The list of the reports a batch could not render, inside its zip (a plain name: not a PDF).
MANIFEST_NAME = "failures.txt"


@dataclass(frozen=True)
class ReportJob:
    """One report to render: its data and the file name it gets in the output folder."""

    data: ReportData
    filename: str


class BatchRenderError(RuntimeError):
    """Some reports of a batch failed; the others were written.

    ``failures`` lists ``(filename, message)``; ``written`` the paths that were written.
    """

    def __init__(self, failures: list[tuple[str, str]], written: list[Path]) -> None:
        names = "、".join(name for name, _message in failures[:5])
        super().__init__(_("%(count)s份报告生成失败：%(names)s", count=len(failures), names=names))
        self.failures = failures
        self.written = written


def render_batch(
    jobs: Iterable[ReportJob],
    out_dir: str | os.PathLike,
    workers: int = 2,
    progress: Progress | None = None,
    *,
    max_tasks_per_child: int = MAX_TASKS_PER_CHILD,
    start_method: str | None = None,
) -> list[Path]:
    """Render ``jobs`` into ``out_dir`` with ``workers`` processes; returns the written
    paths in job order.

    ``progress(done, total, path)`` is called in the calling process after each report
    (``path`` is None for a report that failed). Files are written whole or not at all.
    Raises ValueError for a file name that is not a plain name or appears twice, and
    BatchRenderError after the batch when some reports failed.
    """
    jobs = list(jobs)
    out = Path(out_dir)
    _check_filenames(jobs)
    out.mkdir(parents=True, exist_ok=True)
    if not jobs:
        return []
    context = multiprocessing.get_context(start_method or _default_start_method())
    written: dict[int, Path] = {}
    failures: list[tuple[str, str]] = []
    done = 0
    # Workers are recycled by giving each group of jobs a fresh pool, not with
    # ProcessPoolExecutor(max_tasks_per_child=…): from 3.11 until its fix (CPython
    # gh-115634) the pool may replace no retiring worker while tasks are queued and hang;
    # 200 reports on one worker stopped after the 50th.
    group = max(1, workers) * max_tasks_per_child
    for first in range(0, len(jobs), group):
        indices = range(first, min(len(jobs), first + group))
        with ProcessPoolExecutor(
            max_workers=max(1, min(workers, len(indices))),
            mp_context=context,
            initializer=_start_worker,
        ) as pool:
            pending = {
                pool.submit(_render_to_file, jobs[i].data, str(out / jobs[i].filename)): i
                for i in indices
            }
            try:
                while pending:
                    finished, _still = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        index = pending.pop(future)
                        path: Path | None = None
                        try:
                            path = Path(future.result())
                            written[index] = path
                        except Exception:  # one report fails, not all
                            # The person reads which document failed, in Chinese; the
                            # exception (with the worker's traceback) goes to the log.
                            log.exception("report %s failed", jobs[index].filename)
                            failures.append((jobs[index].filename, _failed(jobs[index].data)))
                        done += 1
                        if progress is not None:
                            progress(done, len(jobs), path)
            except BaseException:
                # Interrupted (Ctrl-C, a failing progress callback): drop what has not
                # started.
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    paths = [written[i] for i in sorted(written)]
    if failures:
        raise BatchRenderError(sorted(failures), paths)
    return paths


def document_name(data: ReportData) -> str:
    """What a person calls the document: the unit's report, the city summary, the award
    list."""
    if isinstance(data, UnitReportData):
        return _("%(unit)s督查报告", unit=data.unit_name)
    if isinstance(data, CitySummaryData):
        return _("%(area)s汇总报告", area=data.area)
    return _("表彰名单")


def _failed(data: ReportData) -> str:
    return _("%(document)s：生成时出错，详情已记入系统日志", document=document_name(data))


def failure_manifest(failures: Iterable[tuple[str, str]]) -> str:
    """The text of :data:`MANIFEST_NAME`: one line per report that failed, with why."""
    lines = [_("以下报告未能生成，其余报告已生成：")]
    lines += [f"{name}\t{message}" for name, message in failures]
    return "\n".join(lines) + "\n"


def zip_reports(
    paths: Iterable[str | os.PathLike],
    zip_path: str | os.PathLike,
    failures: Iterable[tuple[str, str]] = (),
) -> Path:
    """Put ``paths`` in a zip archive at ``zip_path`` (each under its file name; names must
    differ), written whole or not at all. With ``failures`` (``(filename, message)``), the
    archive also holds :data:`MANIFEST_NAME` listing them, so whoever unpacks it knows
    which reports are missing. Returns ``zip_path``."""
    paths = [Path(p) for p in paths]
    failures = list(failures)
    names = [p.name for p in paths] + ([MANIFEST_NAME] if failures else [])
    if len(set(names)) != len(names):
        raise ValueError("duplicate file names in the archive")
    target = Path(zip_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".zip")
    os.close(handle)
    try:
        # PDFs are compressed already: the lightest deflate level gains what there is.
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            for path in paths:
                archive.write(path, arcname=path.name)
            if failures:
                archive.writestr(MANIFEST_NAME, failure_manifest(failures).encode("utf-8"))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def _check_filenames(jobs: list[ReportJob]) -> None:
    seen = set()
    for job in jobs:
        name = job.filename
        if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
            raise ValueError(f"not a plain file name: {name!r}")
        if name in seen:
            raise ValueError(f"file name used twice: {name!r}")
        seen.add(name)


def _default_start_method() -> str:
    # forkserver: workers fork from a clean server process, never from a (threaded) caller.
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


def _start_worker() -> None:
    """Load WeasyPrint, the fonts, matplotlib and the templates once per worker. A
    failure here (fonts missing) is left for each report to raise with its message."""
    from assess.reports import render

    with contextlib.suppress(Exception):  # render_report raises it again, per report
        render.warm_up()


def _render_to_file(data: ReportData, path: str) -> str:
    from assess.reports.render import render_report

    try:
        pdf = render_report(data)
    except Exception as exc:
        # An exception that does not pickle would break the whole pool, not one report.
        try:
            pickle.dumps(exc)
        except Exception:  # noqa: BLE001
            raise RuntimeError(f"{type(exc).__name__}: {exc}") from None
        raise
    target = Path(path)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".pdf")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(pdf)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return str(target)
