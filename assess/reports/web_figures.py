"""The published results' charts on the web pages (结果图表): the ranking bars of each unit
kind, the grade distribution, the heat map and the year-on-year comparison, drawn by the
chart functions of the city summary PDF from the data it prints
(:func:`assess.reports.content.city_summary`), each with its title and data table.

A snapshot never changes, so a publication's figures are drawn once per process and
language; republishing makes a new snapshot, hence new figures. The comparison with last
year reads the previous cycle's current snapshot, which is part of the key too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from flask_babel import force_locale
from flask_babel import gettext as _

from assess.cycles.models import Cycle, ResultSnapshot
from assess.cycles.publishing import current_snapshot
from assess.reports.data import CitySummaryData, HeatMap, KindRanking
from assess.reports.page_figure import DataTable, PageFigure, for_page

#: A kind with more units than this gets no ranking bars, comparison or heat map on the
#: web: a chart of hundreds of bars is no reading aid, and a page would carry megabytes of
#: SVG. The table above it and the city summary PDF still have every unit.
WEB_UNIT_LIMIT = 60


@dataclass(frozen=True)
class PublishedFigures:
    """A publication's figures. ``rankings`` and ``changes`` are (unit kind, figure)
    pairs in the order of the kinds; ``heatmaps`` are the parts of the heat map of
    ``heatmap_kind``; ``too_many`` names the kinds left out for their size."""

    grades: PageFigure | None
    rankings: tuple[tuple[str, PageFigure], ...]
    changes: tuple[tuple[str, PageFigure], ...]
    heatmaps: tuple[PageFigure, ...]
    heatmap_kind: str
    too_many: tuple[str, ...] = ()

    def ranking(self, kind: str) -> PageFigure | None:
        return next((f for k, f in self.rankings if k == kind), None)

    def change(self, kind: str) -> PageFigure | None:
        return next((f for k, f in self.changes if k == kind), None)

    def of_kind(self, kind: str) -> list[PageFigure]:
        """What the ranking page shows beside one kind's table: its bars, its comparison
        with last year, the grade distribution, and the heat map when it is of that kind."""
        figures = [self.ranking(kind), self.change(kind), self.grades]
        if kind == self.heatmap_kind:
            figures += self.heatmaps
        return [f for f in figures if f is not None]

    def every(self) -> list[PageFigure]:
        """All of them, as the cycle overview shows them: the distribution first."""
        figures = [self.grades]
        for kind, bars in self.rankings:
            figures += [bars, self.change(kind)]
        return [f for f in (*figures, *self.heatmaps) if f is not None]


def published_figures(cycle: Cycle, locale: str) -> PublishedFigures | None:
    """The figures of ``cycle``'s current snapshot with titles and tables in ``locale``;
    None while nothing is published. Three queries when they are drawn already."""
    snapshot = current_snapshot(cycle)
    if snapshot is None:
        return None
    previous = current_snapshot(cycle.previous) if cycle.previous_id else None
    return _drawn(
        snapshot.id,
        snapshot.published_at,
        previous.id if previous else None,
        previous.published_at if previous else None,
        locale,
    )


# The publication time is in the key beside the id: ids start again in another database
# (a restored backup, each test's own), a publication time does not come back.
@lru_cache(maxsize=16)
def _drawn(
    snapshot_id: int,
    published_at: datetime,
    previous_id: int | None,
    previous_published_at: datetime | None,
    locale: str,
) -> PublishedFigures | None:
    from assess.reports.content import city_summary

    cycle = ResultSnapshot.get_by_id(snapshot_id).cycle
    with force_locale(locale):
        # The issuing office is printed on the PDF only; no figure shows it.
        data = city_summary(cycle, office="")
        return figures_of(data) if data is not None else None


def figures_of(data: CitySummaryData) -> PublishedFigures:
    """The figures of a city summary's data, titled and tabled in the current language."""
    from assess.reports import charts, render

    small = [k for k in data.rankings if k.rows and len(k.rows) <= WEB_UNIT_LIMIT]
    too_many = tuple(k.kind_label for k in data.rankings if len(k.rows) > WEB_UNIT_LIMIT)
    rankings = tuple(
        (
            k.kind,
            _figure(
                f"ranking-{k.kind}",
                _("%(kind)s考核总得分", kind=k.kind_label),
                charts.ranking_bars(k.rows, width=charts.SCREEN_WIDTH),
                _ranking_table(k),
            ),
        )
        for k in small
    )
    changes = tuple(
        (
            k.kind,
            _figure(
                f"change-{k.kind}",
                _("%(kind)s总得分与上年度比较", kind=k.kind_label),
                charts.year_over_year_chart(k.rows, year=data.year, width=charts.SCREEN_WIDTH),
                _change_table(k),
            ),
        )
        for k in small
        if any(r.previous_total is not None for r in k.rows)
    )
    grades = (
        _figure(
            "grades",
            _("考核等次分布"),
            charts.grade_distribution_chart(data.grade_distribution),
            DataTable(
                (_("等次"), _("单位数")),
                tuple((grade, str(n)) for grade, n in data.grade_distribution),
                (1,),
            ),
        )
        if data.grade_distribution
        else None
    )
    heatmap = data.heatmap
    heatmaps: tuple[PageFigure, ...] = ()
    if heatmap is not None and len(heatmap.unit_labels) <= WEB_UNIT_LIMIT:
        parts = list(render.split_heatmap(heatmap, render.HEATMAP_ROWS_PER_FIGURE))
        label = next((k.kind_label for k in data.rankings if k.kind == heatmap.kind), "")
        heatmaps = tuple(
            _figure(
                f"heatmap-{n}",
                _("%(kind)s各项指标得分率（%%）", kind=label)
                + (_("（之%(n)s）", n=render.cn_number(n)) if len(parts) > 1 else ""),
                charts.heatmap_chart(part),
                _heatmap_table(part),
                legend=part.indicator_labels,
                wide=True,
            )
            for n, part in enumerate(parts, start=1)
        )
    return PublishedFigures(
        grades, rankings, changes, heatmaps, heatmap.kind if heatmap else "", too_many
    )


def _figure(
    key: str, title: str, svg: str, table: DataTable, legend=(), wide: bool = False
) -> PageFigure:
    # On a wide screen a chart may grow past its drawn size to fill its column, the heat
    # map (small figures in its cells) the most.
    svg = for_page(svg, key, grow=1.5 if wide else 1.35)
    return PageFigure(key, title, svg, table, tuple(legend), wide)


def _unit(row) -> str:
    return row.unit_name + (_("（否决）") if row.veto else "")


def _ranking_table(kind: KindRanking) -> DataTable:
    """As the PDF's ranking table: rank (— when unranked), unit, total, grade."""
    from assess.reports.render import num

    return DataTable(
        (_("排名"), _("单位"), _("总得分"), _("等次")),
        tuple(
            ("—" if r.rank is None else str(r.rank), _unit(r), num(r.total), r.grade)
            for r in kind.rows
        ),
        (0, 2),
    )


def _change_table(kind: KindRanking) -> DataTable:
    """This year's and last year's totals and the change, as the PDF's columns."""
    from assess.reports.render import num, signed

    return DataTable(
        (_("单位"), _("总得分"), _("上年得分"), _("增减")),
        tuple(
            (
                _unit(r),
                num(r.total),
                num(r.previous_total),
                "—" if r.previous_total is None else signed(r.total - r.previous_total),
            )
            for r in kind.rows
        ),
        (1, 2, 3),
    )


def _heatmap_table(part: HeatMap) -> DataTable:
    """One row per indicator (its code and full name), one column per unit; — where the
    indicator does not apply."""
    from assess.reports.render import num

    return DataTable(
        (_("指标"), *part.unit_labels),
        tuple(
            (label, *(num(v) for v in values))
            for label, values in zip(part.indicator_labels, part.values, strict=True)
        ),
        tuple(range(1, len(part.unit_labels) + 1)),
    )
