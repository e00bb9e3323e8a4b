"""Benchmark the PDF reports (SPEC §7): one unit report, then a batch on 1 and 2 workers.

    .venv/bin/python bench/report.py [--quick] [--reports M]

Prints, as plain numbers:
    report.pages               pages of one unit report (60 indicators, 2 charts)
    report.seconds_per_report  wall time of that report, warm, median of the runs
    report.bytes_per_report    size of that report
    report.batch_reports       M, the reports in each batch (200 of them like that one;
                               --quick: 4 reports of 20 indicators, to check it runs)
    report.speedup_2_workers   batch time on 1 worker ÷ batch time on 2 workers
Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assess.reports import render
from assess.reports.batch import ReportJob, render_batch
from tests.reports import sample_reports


def page_count(pdf: bytes) -> int:
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def batch_jobs(count: int, indicators: int) -> list[ReportJob]:
    """``count`` different unit reports: the 16 sample counties over successive seeds."""
    units = len(sample_reports.COUNTIES)
    return [
        ReportJob(
            sample_reports.sample_unit_report(
                i % units, seed=2011 + i // units, indicator_count=indicators
            ),
            f"report-{i:04d}.pdf",
        )
        for i in range(count)
    ]


def timed_batch(jobs: list[ReportJob], workers: int) -> float:
    with tempfile.TemporaryDirectory(prefix="assess-bench-") as out:
        start = time.perf_counter()
        render_batch(jobs, out, workers=workers)
        return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run for the test suite")
    parser.add_argument("--reports", type=int, help="reports per batch (default 200, quick 4)")
    args = parser.parse_args(argv)
    count = args.reports or (4 if args.quick else 200)
    runs = 1 if args.quick else 5
    batch_indicators = 20 if args.quick else len(sample_reports.INDICATORS)

    data = sample_reports.sample_unit_report(0)
    render.warm_up()
    pdf = render.render_unit_report(data)  # first report pays for font and chart caches
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        pdf = render.render_unit_report(data)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    print(
        f"single report: {len(pdf)} bytes, wall {[round(t, 3) for t in times]} s, "
        f"cpu {[round(t, 3) for t in cpu]} s (wall > cpu: the machine is busy)",
        file=sys.stderr,
    )

    jobs = batch_jobs(count, batch_indicators)
    one = timed_batch(jobs, 1)
    print(f"batch of {count} on 1 worker: {one:.1f} s", file=sys.stderr)
    two = timed_batch(jobs, 2)
    print(f"batch of {count} on 2 workers: {two:.1f} s", file=sys.stderr)

    print(f"report.pages: {page_count(pdf)}")
    print(f"report.seconds_per_report: {statistics.median(times):.3f}")
    print(f"report.bytes_per_report: {len(pdf)}")
    print(f"report.batch_reports: {count}")
    print(f"report.speedup_2_workers: {one / two:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
