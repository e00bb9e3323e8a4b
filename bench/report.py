"""Benchmark the PDF reports (SPEC §7): one unit report, then a batch on 1 and 2 workers.

    .venv/bin/python bench/report.py [--quick]

Prints, as plain numbers:
    report.pages               pages of one unit report (60 indicators, 2 charts)
    report.seconds_per_report  wall time of that report, warm, median of the runs
    report.bytes_per_report    size of that report
    report.batch_reports       M, the reports in each batch: every county and department
                               of a published cycle over the demo's units (--quick: 4)
    report.speedup_2_workers   time of that batch through the task queue on 1 worker
                               process ÷ on 2 (`assess worker --workers N`, the default
                               SqliteHuey queue, from enqueueing to the zip in the store)
    report.seconds_per_batch_report  that batch on 1 worker ÷ M: the time per report of
                               the demo's real indicator sets, queue and zip included
    report.seconds_per_summary the city summary of the sample's 16 counties (rankings,
                               heat map, year-on-year chart), warm, median of the runs
Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assess.reports import render
from tests.reports import sample_reports


def page_count(pdf: bytes) -> int:
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def published_instance(folder: Path, quick: bool):
    """An app over a fresh SQLite instance in ``folder``: the demo's units and a published
    cycle over its counties and departments (``quick``: four counties). Returns (app, cycle)."""
    from assess import create_app
    from assess.accounts.models import User
    from assess.core.db import database
    from assess.cycles import publishing
    from assess.demo import units as demo_data
    from assess.ops import migrations
    from assess.units.models import Unit
    from tests.cycle_helpers import make_cycle

    app = create_app({"ASSESS_INSTANCE": str(folder), "DATABASE_URL": ""})
    with app.app_context():
        database.connect(reuse_if_open=True)
        migrations.upgrade()
        demo_data.load_demo(extensions=False)
        if quick:
            counties = Unit.select(Unit.code).where(Unit.kind == "county").order_by(Unit.code)
            keep = [u.code for u in counties.limit(4)]
            Unit.update(active=False).where(
                Unit.kind.in_(["county", "department"]), Unit.code.not_in(keep)
            ).execute()
        cycle = make_cycle("review")
        publishing.publish(cycle, User.get(User.username == "admin"))
        database.close()
    return app, cycle


def queued_batch(app, cycle, workers: int) -> tuple[int, float]:
    """Enqueue a batch of ``cycle``'s reports, run `assess worker --workers N` until the
    job is done; returns (reports, seconds from enqueueing to done)."""
    from assess.accounts.models import User
    from assess.core.db import database
    from assess.core.enums import JobState
    from assess.reports import jobs
    from assess.reports.models import Job

    env = os.environ | {
        "ASSESS_INSTANCE": app.config["ASSESS_INSTANCE"],
        "DATABASE_URL": app.config["DATABASE_URL"],
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-c", "from assess.cli.main import main; main()", "worker"]
    log = open(Path(app.config["ASSESS_INSTANCE"]) / "worker.log", "ab")  # noqa: SIM115
    worker = subprocess.Popen(
        command + ["--workers", str(workers)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        with app.app_context():
            database.connect(reuse_if_open=True)
            start = time.perf_counter()
            job_id = jobs.start_batch(cycle, User.get(User.username == "admin"))
            while True:
                job = Job.get_by_id(job_id)
                if job.state in (JobState.DONE, JobState.FAILED):
                    break
                time.sleep(0.05)
            seconds = time.perf_counter() - start
            database.close()
        if job.state != JobState.DONE or job.failure_list():
            raise SystemExit(f"batch failed: {job.error} {job.failure_list()}")
        return job.total, seconds
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(60)
        log.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run for the test suite")
    args = parser.parse_args(argv)
    runs = 1 if args.quick else 5

    data = sample_reports.sample_unit_report(0)
    render.warm_up()
    pdf = render.render_unit_report(data)  # first report pays for font and chart caches
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        pdf = render.render_unit_report(data)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    summary = sample_reports.sample_city_summary()
    render.render_city_summary(summary)
    summary_times = []
    for _ in range(runs):
        start = time.perf_counter()
        render.render_city_summary(summary)
        summary_times.append(time.perf_counter() - start)
    print(
        f"single report: {len(pdf)} bytes, wall {[round(t, 3) for t in times]} s, "
        f"cpu {[round(t, 3) for t in cpu]} s (wall > cpu: the machine is busy)",
        file=sys.stderr,
    )

    with tempfile.TemporaryDirectory(prefix="assess-bench-") as folder:
        app, cycle = published_instance(Path(folder), args.quick)
        count, one = queued_batch(app, cycle, 1)
        print(f"batch of {count} on 1 worker: {one:.1f} s", file=sys.stderr)
        _count, two = queued_batch(app, cycle, 2)
        print(f"batch of {count} on 2 workers: {two:.1f} s", file=sys.stderr)

    print(f"report.pages: {page_count(pdf)}")
    print(f"report.seconds_per_report: {statistics.median(times):.3f}")
    print(f"report.bytes_per_report: {len(pdf)}")
    print(f"report.batch_reports: {count}")
    print(f"report.speedup_2_workers: {one / two:.2f}")
    # Not in SPEC §7's list, hence last: the spec's lines keep their order for parsers.
    print(f"report.seconds_per_batch_report: {one / count:.3f}")
    print(f"report.seconds_per_summary: {statistics.median(summary_times):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
