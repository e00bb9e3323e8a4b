"""Self-report progress over time (填报进度) on the cycle overview: how many units had
handed in their whole self-report day by day, drawn with the report charts.

A unit counts from the day its last scored item was handed in, and only while its
self-report is complete (the overview's 已提交单位): an item sent back (退回) takes the
unit off the line until it hands it in again, on the day of that new submission. So the
line ends at the overview's count; it is the present state traced back, not a log of every
withdrawal and return. Days are the office's calendar days.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from flask_babel import gettext as _
from peewee import fn

from assess.core.enums import HANDED_IN_SUBMISSION_STATES
from assess.core.formatting import local_date
from assess.cycles.lifecycle import indicator_set
from assess.cycles.models import Assignment, Cycle, Submission
from assess.reports.page_figure import DataTable, PageFigure, for_page
from scoring.rules import rounded


@dataclass(frozen=True)
class ProgressDay:
    """One day on which units completed their self-report: how many, and how many had by
    the end of it."""

    day: date
    completed: int
    cumulative: int


def completion_times(cycle: Cycle, unit_ids: Iterable[int]) -> dict[int, datetime]:
    """unit id -> when the last of its scored items was handed in, for ``unit_ids`` (the
    units whose self-report is complete); one query whatever their number. A unit whose
    items carry no submission time (rows written around the services) is left out."""
    wanted = set(unit_ids)
    if not wanted:
        return {}
    scored = [i.code for i in indicator_set(cycle).indicators() if i.is_base] or [""]
    last = fn.MAX(Submission.submitted_at).python_value(Submission.submitted_at.python_value)
    rows = (
        Submission.select(Submission.unit, last)
        .join(Assignment, on=Submission.of_its_assignment())
        .where(
            Submission.cycle == cycle,
            Submission.indicator_code.in_(scored),
            Submission.status.in_(list(HANDED_IN_SUBMISSION_STATES)),
            Submission.submitted_at.is_null(False),
        )
        .group_by(Submission.unit)
        .tuples()
    )
    return {unit_id: at for unit_id, at in rows if unit_id in wanted and at is not None}


def progress_days(times: Iterable[datetime]) -> list[ProgressDay]:
    """The completion ``times`` (UTC) counted per office calendar day, oldest first, with
    the running total."""
    per_day = Counter(local_date(at) for at in times)
    days, total = [], 0
    for day in sorted(per_day):
        total += per_day[day]
        days.append(ProgressDay(day, per_day[day], total))
    return days


def chart_points(days: list[ProgressDay], start: date | None, end: date) -> list[tuple[date, int]]:
    """The step line's points, a day's count drawn across that day: none complete from
    ``start`` (the day the cycle opened, at the latest the day before the first
    completion, so the first step shows), then each day of ``days``, held flat to the
    close of ``end`` (today: the point at the day after it)."""
    first = days[0].day if days else end
    start = min(start or first, first - timedelta(days=1) if days else first)
    points = [(start, 0), *((d.day, d.cumulative) for d in days)]
    close = max(end, points[-1][0]) + timedelta(days=1)
    return [*points, (close, points[-1][1])]


def progress_figure(
    cycle: Cycle, complete_unit_ids: Iterable[int], total: int, today: date
) -> PageFigure | None:
    """The overview's progress chart with its table, or None when no unit is assessed."""
    if total <= 0:
        return None
    days = progress_days(completion_times(cycle, complete_unit_ids).values())
    start = local_date(cycle.opened_at) if cycle.opened_at else None
    points = chart_points(days, start, today)
    rows = tuple(
        (
            d.day.isoformat(),
            str(d.completed),
            str(d.cumulative),
            str(rounded(Decimal(d.cumulative) * 100 / total)),
        )
        for d in days
    )
    return PageFigure(
        "progress",
        _("自评提交进度"),
        _progress_svg(tuple(points), total, cycle.self_report_due),
        DataTable(
            (_("日期"), _("当日完成提交"), _("累计已提交单位"), _("完成率（%）")), rows, (1, 2, 3)
        ),
    )


@lru_cache(maxsize=64)
def _progress_svg(points: tuple, total: int, due: date | None) -> str:
    # Keyed on what it draws: the same progress is drawn once, a new submission draws anew.
    # matplotlib loads with the first chart, not with every overview.
    from assess.reports.charts import submission_progress_chart

    return for_page(submission_progress_chart(points, total, due), "progress", grow=1.35)
