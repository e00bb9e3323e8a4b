"""Benchmark of the pages that grow with the number of units (SPEC §7).

Builds its own data in a temporary folder: a SQLite instance with 2,000 county units
(``--units``) under the city, the shipped 2012 county indicator set (18 indicators), a
cycle created and opened by ``assess.cycles``, a verified self-report for every unit, the
cycle moved to review and published by ``assess.publishing``. One unit's report goes the
whole way through ``assess.submissions`` (save_value → submit_unit → verify_item, with a
verified value and a deduction); the others' rows are written in bulk, their values checked
by ``submissions.normalise_value``, because 100,000 audited writes would take minutes and
measure the writes, not the pages.

Then, signed in as a leader (viewer) through the Flask test client, it requests in rounds,
in the same run and interleaved so that noise from other processes falls on each alike:
- the ranking page ``/cycles/<id>/ranking?page=k``, k cycling through every page of the
  county table (the deep pages pay for their offset too);
- one unit's result page ``/cycles/<id>/units/<uid>/result`` (18 score lines, radar chart);
- ``/health``, the app's floor: a request's fixed cost and one trivial query.
Each page is requested a few times first (templates compiled, caches warm) and every answer
must be 200. Prints ``pages.units``, p50/p95 of each page in ms, and
``pages.queries_ranking`` (SQL statements of one ranking request), then ``pages.townships``,
p50/p95 of a county office's overview of its own township cycle (``build_county``) and
``pages.queries_overview``, one ``name: value`` a line, on stdout. ``--quick`` runs 100 units,
10 townships and 10 rounds, in a few seconds.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assess import create_app
from assess.accounts import users
from assess.core.db import database
from assess.core.models import utcnow
from assess.cycles import lifecycle, publishing, submissions
from assess.cycles.models import Submission
from assess.ops import migrations
from assess.units import tree
from assess.units.models import Unit
from indicators import SETS_DIR
from scoring.model import Indicator
from tests.helpers import count_queries

INDICATOR_SET = "zz-2012-county.yaml"
TOWNSHIP_SET = "county-variant-township.yaml"
COMMUNITIES_PER_TOWNSHIP = 10
OFFICE = "office-hx"
PASSWORD = "Bench@2026!"  # noqa: S105 (a throwaway instance)
BATCH = 500


def value_text(indicator: Indicator, rng: random.Random) -> str:
    """A plausible reported value, as a unit would type it."""
    if indicator.rule == "veto":
        return "是" if rng.random() < 0.01 else "否"
    if indicator.measure == "rate":
        denominator = rng.choice((200, 500, 1000))
        return f"{round(denominator * rng.uniform(0.5, 1.0))}/{denominator}"
    if indicator.measure == "grade":
        return rng.choice(("优", "良", "中", "差"))
    if indicator.measure == "boolean":
        return rng.choice(("是", "否"))
    if indicator.rule in ("deduct", "bonus"):
        return str(rng.randint(0, 3))
    target = float(indicator.target) if indicator.target is not None else 10.0
    return str(round(target * rng.uniform(0.5, 1.3)))


def build(units_count: int, seed: int = 7, publish: bool = True) -> tuple[int, int]:
    """Create the units, accounts and the cycle, published (or left in review for
    ``bench/publish.py`` to time); return (cycle id, unit id)."""
    rng = random.Random(seed)
    with database.atomic():
        city = tree.create_unit("zz", "郑州市", "city")
        for n in range(units_count):
            tree.create_unit(f"c{n:05d}", f"第{n + 1}县区", "county", city, sort_order=n)
    admin = users.create_user("admin", PASSWORD, "admin")
    users.create_user("viewer", PASSWORD, "viewer")
    text = (SETS_DIR / INDICATOR_SET).read_text(encoding="utf-8")
    cycle = lifecycle.create_cycle(2012, "页面基准", text, INDICATOR_SET, actor=admin)
    lifecycle.transition(cycle, "open", admin)
    parsed = lifecycle.indicator_set(cycle)
    counties = list(Unit.select().where(Unit.kind == "county").order_by(Unit.sort_order))
    timed = counties[len(counties) // 2]

    # The timed unit through the domain, as reporter and inspector would do it.
    for indicator in parsed.applicable(timed.code, timed.kind):
        submissions.save_value(
            cycle, timed, indicator.code, value_text(indicator, rng), "详见佐证材料", None, admin
        )
    submissions.submit_unit(cycle, timed, admin)
    own = Submission.select().where(Submission.cycle == cycle, Submission.unit == timed)
    for number, sub in enumerate(own.order_by(Submission.id)):
        indicator = parsed.indicator(sub.indicator_code)
        extra = {}
        if number == 0 and indicator.measure == "rate":
            extra = {"verified_value": "1/2", "reason": "抽样复核"}
        elif number == 1 and indicator.is_base:
            extra = {"deduction": Decimal(1), "deduction_reason": "台账不全"}
        submissions.verify_item(sub, sub.version, admin, **extra)

    # Everyone else in bulk, verified.
    now = utcnow()
    rows = [
        {
            "cycle": cycle.id,
            "unit": unit.id,
            "indicator_code": indicator.code,
            "status": "verified",
            "value_text": submissions.normalise_value(indicator, value_text(indicator, rng)),
            "version": 3,
            "updated_by": admin.id,
            "submitted_at": now,
            "reviewed_by": admin.id,
            "reviewed_at": now,
        }
        for unit in counties
        if unit.id != timed.id
        for indicator in parsed.applicable(unit.code, unit.kind)
    ]
    with database.atomic():
        for start in range(0, len(rows), BATCH):
            Submission.insert_many(rows[start : start + BATCH]).execute()
    lifecycle.transition(cycle, "review", admin)
    if publish:
        publishing.publish(cycle, admin)
    return cycle.id, timed.id


def build_county(townships: int, seed: int = 11) -> int:
    """A county with ``townships`` townships and 10 communities below each (2,000 at the
    default 200), its own office (an admin scoped to the county), and a cycle the county owns
    of the shipped county-variant-township set (it applies to townships only, so the cycle
    assesses the 200 townships; the communities are there because the office's reach is the
    whole subtree). The cycle is left open, mid-reporting, with most townships' items
    verified, some submitted and some drafts, the state in which the office watches its
    overview. Return the cycle id."""
    rng = random.Random(seed)
    with database.atomic():
        city = Unit.get(Unit.kind == "city")
        county = tree.create_unit("hx", "示范县", "county", city, sort_order=10**6)
        for t in range(townships):
            township = tree.create_unit(f"hx-{t:03d}", f"第{t + 1}乡镇", "township", county)
            for c in range(COMMUNITIES_PER_TOWNSHIP):
                tree.create_unit(
                    f"hx-{t:03d}-{c:02d}", f"第{t + 1}乡镇第{c + 1}社区", "community", township
                )
    office = users.create_user(OFFICE, PASSWORD, "admin", scope_unit=county)
    text = (SETS_DIR / TOWNSHIP_SET).read_text(encoding="utf-8")
    cycle = lifecycle.create_cycle(
        2012, "示范县乡镇考核", text, TOWNSHIP_SET, actor=office, owner=county
    )
    lifecycle.transition(cycle, "open", office)
    parsed = lifecycle.indicator_set(cycle)
    now = utcnow()
    rows = []
    for unit in lifecycle.units_in(cycle):
        status = rng.choices(("verified", "submitted", "draft"), (6, 3, 1))[0]
        for indicator in parsed.applicable(unit.code, unit.kind):
            reviewed = status == "verified"
            rows.append(
                {
                    "cycle": cycle.id,
                    "unit": unit.id,
                    "indicator_code": indicator.code,
                    "status": status,
                    "value_text": submissions.normalise_value(
                        indicator, value_text(indicator, rng)
                    ),
                    "version": 3 if reviewed else 1,
                    "updated_by": office.id,
                    "submitted_at": None if status == "draft" else now,
                    "reviewed_by": office.id if reviewed else None,
                    "reviewed_at": now if reviewed else None,
                }
            )
    with database.atomic():
        for start in range(0, len(rows), BATCH):
            Submission.insert_many(rows[start : start + BATCH]).execute()
    return cycle.id


def percentile(samples: list[float], p: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[p - 1]


def timed_get(client, url: str, samples: list[float] | None = None) -> None:
    start = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url}: {response.status_code}\n{response.get_data(as_text=True)[:500]}")
    if samples is not None:
        samples.append(elapsed)


def signed_in(app, username: str):
    """A test client signed in as ``username``."""
    client = app.test_client()
    login = client.post("/auth/login", data={"username": username, "password": PASSWORD})
    if login.status_code != 302:
        raise SystemExit(f"login of {username} failed: {login.status_code}")
    return client


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Time the ranking, unit and health pages.")
    parser.add_argument("--quick", action="store_true", help="100 units, 10 rounds")
    parser.add_argument("--units", type=int, help="county units (default 2000)")
    parser.add_argument("--rounds", type=int, help="timed requests per page (default 200)")
    parser.add_argument(
        "--townships",
        type=int,
        help="townships of the county office's cycle, 10 communities each (default 200)",
    )
    args = parser.parse_args(argv)
    units_count = args.units or (100 if args.quick else 2000)
    townships = args.townships or (10 if args.quick else 200)
    rounds = max(2, args.rounds or (10 if args.quick else 200))

    with tempfile.TemporaryDirectory(prefix="assess-bench-") as folder:
        app = create_app(
            {
                "ASSESS_INSTANCE": folder,
                "DATABASE_URL": f"sqlite:///{folder}/assess.db",
                "SECRET_KEY": "bench",
                "WTF_CSRF_ENABLED": False,  # only the login posts; the pages are GETs
            }
        )
        started = time.perf_counter()
        with app.app_context():
            database.connect(reuse_if_open=True)
            migrations.upgrade()
            cycle_id, unit_id = build(units_count)
            county_cycle_id = build_county(townships)
            database.close()
        print(
            f"built {units_count} units and {townships} townships in"
            f" {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )

        client, office = signed_in(app, "viewer"), signed_in(app, OFFICE)
        page_size = int(app.config["PAGE_SIZE"])
        pages, county_pages = -(-units_count // page_size), -(-townships // page_size)
        ranking = f"/cycles/{cycle_id}/ranking"
        unit = f"/cycles/{cycle_id}/units/{unit_id}/result"
        overview = f"/cycles/{county_cycle_id}"
        for _ in range(1 if args.quick else 3):
            for url in (ranking, unit, "/health"):
                timed_get(client, url)
            timed_get(office, overview)

        with count_queries() as queries:
            timed_get(client, ranking)
        ranking_queries = queries()
        with count_queries() as queries:
            timed_get(office, overview)
        overview_queries = queries()

        times: dict[str, list[float]] = {"ranking": [], "unit": [], "overview": [], "health": []}
        for n in range(rounds):
            timed_get(client, f"{ranking}?page={n % pages + 1}", times["ranking"])
            timed_get(client, unit, times["unit"])
            timed_get(office, f"{overview}?page={n % county_pages + 1}", times["overview"])
            timed_get(client, "/health", times["health"])
        if not database.is_closed():
            database.close()

    print(f"pages.units: {units_count}")
    print(f"pages.ranking_p50_ms: {statistics.median(times['ranking']):.2f}")
    print(f"pages.ranking_p95_ms: {percentile(times['ranking'], 95):.2f}")
    print(f"pages.unit_p95_ms: {percentile(times['unit'], 95):.2f}")
    print(f"pages.health_p95_ms: {percentile(times['health'], 95):.2f}")
    print(f"pages.queries_ranking: {ranking_queries}")
    print(f"pages.townships: {townships}")
    print(f"pages.overview_p50_ms: {statistics.median(times['overview']):.2f}")
    print(f"pages.overview_p95_ms: {percentile(times['overview'], 95):.2f}")
    print(f"pages.queries_overview: {overview_queries}")


if __name__ == "__main__":
    main()
