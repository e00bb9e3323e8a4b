"""Benchmark of the scoring engine (SPEC §7).

Builds a set of 60 indicators sampled evenly from the shipped sets in ``indicators/sets``
(so the mix of rules and measures is the real one), and 20,000 county units with a value
for each: 1.2 M values, written as a values file holds them (``175/200``, ``3``, ``良``,
``是``) and parsed with ``parse_value`` before timing, as the web app holds them typed.

Engine: ``score_units`` over all units — per-indicator scores, normalised totals, grades
and ranks. Baseline, in the same run and on the same values: only the minimal per-value
work, ``Decimal(number) × weight`` quantized half-up to 2 places, where ``number`` is the
value's number (a rate's percent, a grade's share, 1/0 for a yes/no). Each is timed three
times, the runs taking turns, and the best kept, since other processes share the machine;
the set-up data are frozen out of the garbage collector so that neither timing pays for
the other's data.

Prints ``score.values``, ``score.values_per_second``, ``score.baseline_values_per_second``
and ``score.ratio_to_baseline`` (engine time ÷ baseline time), one ``name: value`` a line,
on stdout. The same figures with parsing from text included go to stderr, for reference.
``--quick`` runs 500 units, in well under a couple of seconds.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indicators import load_shipped_set, shipped_sets
from scoring.dumper import indicator_to_dict
from scoring.engine import score_units
from scoring.loader import parse_indicator_set
from scoring.model import IndicatorSet
from scoring.values import Rate, parser_for

CENT = Decimal("0.01")
GRADES = ("优", "良", "中", "差")
INDICATORS = 60
REPEATS = 3


def build_set() -> IndicatorSet:
    """60 indicators sampled evenly from every shipped set, all applying to counties."""
    pool = [i for name in shipped_sets() for i in load_shipped_set(name).indicators()]
    picked = [pool[n * len(pool) // INDICATORS] for n in range(INDICATORS)]
    indicators = []
    for number, indicator in enumerate(picked, start=1):
        item = indicator_to_dict(indicator)
        item["code"] = f"I{number:02d}"
        item["applies_to"] = ["county"]
        indicators.append(item)
    data = {
        "program": "bench",
        "year": 2011,
        "grades": [
            {"min": 90, "grade": "优秀"},
            {"min": 60, "grade": "合格"},
            {"min": 0, "grade": "不合格"},
        ],
        "categories": [{"code": "A", "name": "A", "indicators": indicators}],
    }
    return parse_indicator_set(data, "bench")


def value_text(rng: random.Random, indicator) -> str:
    """A value as a values file holds it."""
    measure = indicator.measure
    if measure == "rate":
        denominator = rng.randint(100, 400)
        numerator = rng.randint(denominator // 2, denominator)
        return f"{numerator}/{denominator}"
    if measure == "count":
        return str(rng.randint(0, 6))
    if measure == "amount":
        return str(int(indicator.target * Decimal(rng.uniform(0.6, 1.8))))
    if measure == "grade":
        return rng.choice(GRADES)
    flag = rng.random() < (0.01 if indicator.rule == "veto" else 0.7)
    return "是" if flag else "否"


def number_of(indicator, value) -> Decimal:
    """The number the baseline multiplies for a parsed value."""
    if isinstance(value, Rate):
        return value.percent
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, str):
        return indicator.points()[value]
    return value


def best_times(*runs: Callable[[], object]) -> list[float]:
    """The best of :data:`REPEATS` wall times of each run, the runs taking turns so that
    a change in the machine's load falls on all of them alike."""
    best = [float("inf")] * len(runs)
    for _n in range(REPEATS):
        for number, run in enumerate(runs):
            gc.collect()
            started = time.perf_counter()
            run()
            best[number] = min(best[number], time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="score 500 units, in seconds")
    parser.add_argument("--units", type=int, default=None, help="units to score (default 20000)")
    args = parser.parse_args()
    unit_count = args.units or (500 if args.quick else 20_000)

    indicator_set = build_set()
    indicators = indicator_set.indicators()
    rng = random.Random(2011)
    units = [(f"U{n:05d}", "county") for n in range(unit_count)]
    texts = [(code, [value_text(rng, i) for i in indicators]) for code, _kind in units]
    values = unit_count * len(indicators)
    # How a bulk reader parses: one parser per indicator, looked up once.
    parsers = [(indicator.code, parser_for(indicator)) for indicator in indicators]

    def parse() -> dict[str, dict[str, object]]:
        return {
            code: {key: read(text) for (key, read), text in zip(parsers, row, strict=True)}
            for code, row in texts
        }

    values_by_unit = parse()
    baseline_input = [
        [(number_of(i, unit_values[i.code]), i.weight) for i in indicators]
        for unit_values in values_by_unit.values()
    ]
    gc.collect()
    gc.freeze()

    def engine() -> None:
        results = score_units(indicator_set, units, values_by_unit)
        assert len(results) == unit_count

    def baseline() -> None:
        for row in baseline_input:
            for number, weight in row:
                (Decimal(number) * weight).quantize(CENT, ROUND_HALF_UP)

    engine_seconds, baseline_seconds, parse_seconds = best_times(engine, baseline, parse)
    print(f"score.values: {values}")
    print(f"score.values_per_second: {values / engine_seconds:.0f}")
    print(f"score.baseline_values_per_second: {values / baseline_seconds:.0f}")
    print(f"score.ratio_to_baseline: {engine_seconds / baseline_seconds:.2f}")
    with_parsing = engine_seconds + parse_seconds
    print(f"score.with_parsing_values_per_second: {values / with_parsing:.0f}", file=sys.stderr)
    print(
        f"score.with_parsing_ratio_to_baseline: {with_parsing / baseline_seconds:.2f}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
