"""Benchmark publishing (SPEC §7): score, rank and store one snapshot of N units.

    .venv/bin/python bench/publish.py [--quick] [--units N] [--database-url URL]

Builds the data of ``bench/pages.py`` (N county units under the city, the shipped 2012
county set, every unit's self-report verified, one of them through the whole audited path)
in a temporary SQLite instance, or in the PostgreSQL database ``--database-url`` names (it
must be empty: the run creates its tables there), leaves the cycle in review, then times
``publishing.publish`` — scoring every unit, ranking, writing the snapshot and its unit
results, the audit entry and the notifications in one transaction — three times (a
republish with a reason after the first). Prints ``publish.units`` and ``publish.seconds``
(the median), one ``name: value`` a line. ``--quick`` runs 100 units.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assess import create_app
from assess.accounts.models import User
from assess.core.db import database
from assess.cycles import publishing
from assess.cycles.models import Cycle
from assess.ops import migrations
from bench.pages import build

RUNS = 3


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 units")
    parser.add_argument("--units", type=int, help="county units (default 2000)")
    parser.add_argument("--database-url", default="", help="an empty PostgreSQL database")
    args = parser.parse_args(argv)
    units_count = args.units or (100 if args.quick else 2000)

    with tempfile.TemporaryDirectory(prefix="assess-bench-") as folder:
        app = create_app(
            {
                "ASSESS_INSTANCE": folder,
                "DATABASE_URL": args.database_url or f"sqlite:///{folder}/assess.db",
                "SECRET_KEY": "bench",
            }
        )
        with app.app_context():
            database.connect(reuse_if_open=True)
            migrations.upgrade()
            started = time.perf_counter()
            cycle_id, _unit_id = build(units_count, publish=False)
            print(
                f"built {units_count} units in {time.perf_counter() - started:.1f} s",
                file=sys.stderr,
            )
            admin = User.get(User.username == "admin")
            seconds = []
            for run in range(RUNS):
                cycle = Cycle.get_by_id(cycle_id)
                start = time.perf_counter()
                publishing.publish(cycle, admin, reason="" if run == 0 else "基准测试重新公布")
                seconds.append(time.perf_counter() - start)
            print(f"publish runs: {[round(s, 2) for s in seconds]} s", file=sys.stderr)
            database.close()

    print(f"publish.units: {units_count}")
    print(f"publish.seconds: {statistics.median(seconds):.3f}")


if __name__ == "__main__":
    main()
