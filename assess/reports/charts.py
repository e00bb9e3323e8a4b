"""The report charts, one function each, returning SVG text for web pages and PDFs alike.

Each function builds its own :class:`matplotlib.figure.Figure` (never pyplot: no global
figure state, safe to call from several threads) and returns an ``<svg …>`` element with no
XML prolog, so it can be inlined in HTML or handed to WeasyPrint as it is. Same data, same
SVG (fixed id salt, no date), so pages can cache it.

Text stays text (``svg.fonttype = "none"``, family list: the report fonts, then generic
sans-serif): in the PDF, WeasyPrint draws it with the embedded report fonts, where it can
be searched and copied; in a browser, any CJK font will do, every CJK glyph being one em
wide. Labels use the report's sans font (:mod:`assess.reports.fonts`); a missing font
raises ``MissingFontError``. Labels are user text (unit, category and indicator names), so
they are printed literally (no mathtext: ``$`` is a dollar sign) and a character no report
font can draw prints as a logged replacement rather than breaking the chart.
"""

from __future__ import annotations

import io
import math
import os
import tempfile
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from assess.reports import fonts as report_fonts_module
from assess.reports.data import CategoryScore, HeatMap, RankingRow
from scoring.i18n import _
from scoring.rules import rounded


def _ensure_writable_mplconfigdir() -> None:
    """Matplotlib keeps its font cache in MPLCONFIGDIR (default ~/.cache/matplotlib);
    without a writable one it rebuilds the cache, CJK collections included, in every
    process. Step in only when the default is not writable (a locked-down service user)."""
    if "MPLCONFIGDIR" in os.environ:
        return
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    probe = cache
    while not os.path.exists(probe) and os.path.dirname(probe) != probe:
        probe = os.path.dirname(probe)
    if not os.access(probe, os.W_OK):
        os.environ["MPLCONFIGDIR"] = os.path.join(
            tempfile.gettempdir(), f"assess-matplotlib-{os.getuid()}"
        )


_ensure_writable_mplconfigdir()

import matplotlib  # noqa: E402
from cycler import cycler  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.colors import LinearSegmentedColormap  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

# Inches: the PDF text block is 156 mm wide; charts are drawn at the size they print so
# their 9 pt labels stay 9 pt on paper.
FULL_WIDTH = 6.1
# The width of the bar and line charts on a web page: a phone (~360 px of column) shows
# them at about 90 % of their size, so their labels stay readable; a wider screen shows
# them at their size. The heat map keeps the print width (its page scrolls sideways).
SCREEN_WIDTH = 4.2
BASE_FONT_SIZE = 9

INK = "#1f2d3d"
GRID = "#c8ccd2"
PRIMARY = "#2f5d8a"
PREVIOUS = "#b8c4d0"
HIGHLIGHT = "#b5302a"
VETO = "#8a8a8a"
GRADE_COLOURS = {
    "优秀": "#2e7d4f",
    "良好": "#2f5d8a",
    "合格": "#c58b1b",
    "基本合格": "#c58b1b",
    "不合格": "#b5302a",
}
# One hue from pale to deep: darker always means a higher rate, so the map reads the same
# printed in grey (a red-to-green map turns both ends into the same mid grey).
ATTAINMENT_CMAP = LinearSegmentedColormap.from_list(
    "assess_attainment", ["#f7f9fb", "#b9cde0", "#5d87b0", "#173a5e"]
)
# A cell's figure is white on a cell darker than this (relative luminance), black otherwise.
_DARK_CELL = 0.4
# The smallest type on paper (issue 15: ≥ 7 pt), for the heat map's figures.
CELL_FONT_SIZE = 7
# One line of a heat map's column head (7.5 pt, line spacing 1.0), in inches.
HEAD_LINE = 7.5 * 1.2 / 72

_setup_lock = threading.Lock()
_configured: tuple[str, ...] | None = None


def _setup() -> tuple[str, ...]:
    """Point matplotlib at the report fonts (once per font configuration) and return the
    family chain in use. Raises MissingFontError when the fonts are not installed."""
    global _configured
    fonts = report_fonts_module.report_fonts()
    with _setup_lock:
        known = {entry.name for entry in font_manager.fontManager.ttflist}
        families = []
        for font in (fonts.sans, fonts.serif, fonts.title):
            name = _family_in_matplotlib(font, known)
            if name not in families:
                families.append(name)
        chain = (*families, "DejaVu Sans")
        if chain != _configured:
            matplotlib.rcParams.update(
                {
                    "font.family": "sans-serif",
                    "font.sans-serif": list(chain),
                    "font.size": BASE_FONT_SIZE,
                    "axes.unicode_minus": False,  # many CJK fonts lack U+2212
                    "axes.edgecolor": GRID,
                    "axes.labelcolor": INK,
                    "xtick.color": INK,
                    "ytick.color": INK,
                    "text.color": INK,
                    # Every label here is literal text: a "$" in a unit's name would
                    # otherwise start mathtext and fail the chart.
                    "text.parse_math": False,
                    # Text stays text (see the module docstring). matplotlib >= 3.11
                    # writes font-family and font-size as separate properties, which
                    # WeasyPrint reads correctly (it mis-reads the older "font:" form).
                    "svg.fonttype": "none",
                    # One colour: every chart sets its own; a long default cycle costs
                    # ~10 ms per Axes in cycler.by_key().
                    "axes.prop_cycle": cycler(color=[PRIMARY]),
                    "svg.hashsalt": "assess-report",  # stable ids: same data, same SVG
                }
            )
            _configured = chain
        return chain


def warm_up() -> None:
    """Configure matplotlib for the report fonts now. Raises MissingFontError."""
    _setup()


def _family_in_matplotlib(font: report_fonts_module.ReportFont, known: set[str]) -> str:
    """The family name matplotlib knows ``font`` by, registering its file if need be (a
    font installed after matplotlib built its cache, or a font given as a file)."""
    if not font.from_file and font.family in known:
        return font.family
    font_manager.fontManager.addfont(str(font.path))
    from matplotlib.ft2font import FT2Font

    face = FT2Font(str(font.path), face_index=font.index)
    return font_manager.ttfFontProperty(face).name


def _printable(text: str) -> str:
    """User text as a chart prints it: characters no report font has become a replacement
    (matplotlib searches only its family list, no system fallback)."""
    return report_fonts_module.printable(text, system_fallback=False, where="chart")


def _new_figure(width: float, height: float, layout: str | None = "constrained") -> Figure:
    """A figure of ``width`` × ``height`` inches. The charts of the unit report, drawn
    hundreds of times in a batch, pass ``layout=None`` and place their axes themselves
    (the constrained layout draws a figure twice: ~50 ms a chart)."""
    _setup()
    return Figure(figsize=(width, height), layout=layout)


def _text_width(text: str, size: float) -> float:
    """Approximate width in inches of a one-line label: CJK characters are one em wide,
    the rest about half."""
    ems = sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.56 for c in text)
    return ems * size / 72


def _to_svg(fig: Figure) -> str:
    buffer = io.StringIO()
    fig.savefig(
        buffer, format="svg", metadata={"Creator": None, "Date": None, "Format": None, "Type": None}
    )
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    # Scope matplotlib's "*{stroke-linejoin…}" rule to the chart: inlined in a web page,
    # an SVG <style> applies to the whole page.
    text = text.replace("<svg ", '<svg class="assess-chart" ', 1)
    return text.replace("*{stroke-linejoin", ".assess-chart *{stroke-linejoin", 1)


def _f(value: Decimal | float | int) -> float:
    return float(value)


def _fmt(value: Decimal | float) -> str:
    """A figure on a chart as the tables print it: 2 decimals, half-up as scores are."""
    return "" if value is None else f"{rounded(Decimal(str(value))):.2f}"


def _luminance(rgba) -> float:
    """Relative luminance (WCAG) of a colour given as 0–1 channels."""

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgba[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


# A line may not end with an opening bracket or quote, nor start with closing punctuation
# (the usual Chinese line-breaking rules, 禁则).
_NO_LINE_END = "“‘（《〈【「『(["
_NO_LINE_START = "”’）》〉】」』)]，。、；：！？%"


def _wrap(label: str, width: int) -> str:
    """Break a CJK label into lines of at most ``width`` characters, as evenly as the
    line-breaking rules allow (there are no spaces to break at)."""
    if len(label) <= width:
        return label
    lines_needed = -(-len(label) // width)
    target = -(-len(label) // lines_needed)
    lines, start = [], 0
    while start < len(label):
        if len(label) - start <= width and lines:
            lines.append(label[start:])
            break
        end = min(len(label), start + target)
        while (
            end - start > 0
            and end < len(label)
            and (label[end - 1] in _NO_LINE_END or label[end] in _NO_LINE_START)
        ):
            end -= 1
        if end == start:  # nothing allowed: break where the width says
            end = min(len(label), start + target)
        # Keep a quoted term (“一站式”) whole when it can go to the next line.
        opening = label.rfind("“", start, end)
        if opening > start and label.find("”", opening, end) == -1:
            end = opening
        lines.append(label[start:end])
        start = end
    return "\n".join(lines)


def _style_axes(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=0)
    ax.set_axisbelow(True)


def radar_chart(categories: Sequence[CategoryScore]) -> str:
    """Score rate (得分率, %) by category as a radar; with fewer than three categories a
    radar has no area, so they are drawn as bars instead. Returns SVG text."""
    categories = [replace(c, name=_printable(c.name)) for c in categories]
    if len(categories) < 3:
        return _category_bars(categories)
    return _to_svg(radar_figure(categories))


def radar_figure(categories: Sequence[CategoryScore]) -> Figure:
    """The radar of :func:`radar_chart` as a figure (three categories or more)."""
    names = [c.name for c in categories]
    values = [_f(c.percent) for c in categories]
    averages = [c.kind_average_percent for c in categories]
    angles = [2 * math.pi * i / len(values) for i in range(len(values))]
    fig = _new_figure(4.4, 3.55, layout=None)
    # Room around the circle for two-line category labels, and below it for the legend.
    ax = fig.add_axes((0.25, 0.16, 0.5, 0.72), projection="polar")
    ax.set_theta_offset(math.pi / 2)  # first category at the top, then clockwise
    ax.set_theta_direction(-1)
    ax.set_ylim(0, 100)
    ax.set_yticks([20, 40, 60, 80, 100])
    ax.set_yticklabels(["20", "40", "60", "80", "100"], fontsize=7, color="#6b7480")
    ax.set_rlabel_position(180 / len(values))
    ax.set_xticks(angles)
    # The labels sit outside the outer ring, each aligned away from the centre by its
    # angle (left of the circle: right-aligned), so neither the polygon nor the ring
    # strikes them (the default centres them on a point just outside the ring).
    ax.set_xticklabels([])
    for angle, name in zip(angles, names, strict=True):
        sine, cosine = math.sin(angle), math.cos(angle)  # clockwise from the top
        ax.text(
            angle,
            116,
            _wrap(name, 6),
            fontsize=BASE_FONT_SIZE,
            ha="center" if abs(sine) < 0.2 else ("left" if sine > 0 else "right"),
            va="center" if abs(cosine) < 0.2 else ("bottom" if cosine > 0 else "top"),
            linespacing=1.1,
        )
    ax.grid(color=GRID, linewidth=0.6)
    ax.spines["polar"].set_color(GRID)
    closed = [*angles, angles[0]]
    if all(a is not None for a in averages):
        avg = [_f(a) for a in averages]
        ax.plot(closed, [*avg, avg[0]], color=VETO, linewidth=1.2, linestyle="--")
        ax.plot([], [], color=VETO, linestyle="--", label=_("同类单位平均"))
    ax.plot(closed, [*values, values[0]], color=PRIMARY, linewidth=1.8, label=_("本单位"))
    ax.fill(closed, [*values, values[0]], color=PRIMARY, alpha=0.18)
    ax.scatter(angles, values, s=12, color=PRIMARY, zorder=3)
    for angle, value in zip(angles, values, strict=True):
        # Inside the polygon, towards the centre, clear of the category labels.
        ax.annotate(
            _fmt(value),
            (angle, value),
            textcoords="offset points",
            xytext=(-11 * math.sin(angle), -11 * math.cos(angle)),
            ha="center",
            va="center",
            fontsize=7.5,
            color=PRIMARY,
            # on a white ground: no line of the polygon or the grid runs through a figure
            bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none"},
        )
    if all(a is not None for a in averages):
        fig.legend(loc="lower center", ncols=2, frameon=False, fontsize=8)
    return fig


def _category_bars(categories: Sequence[CategoryScore]) -> str:
    fig = _new_figure(FULL_WIDTH, 0.6 + 0.35 * max(1, len(categories)))
    ax = fig.add_subplot()
    _style_axes(ax)
    names = [c.name for c in categories][::-1]
    values = [_f(c.percent) for c in categories][::-1]
    bars = ax.barh(names, values, color=PRIMARY, height=0.55)
    ax.bar_label(bars, labels=[_fmt(v) for v in values], padding=3, fontsize=8)
    ax.set_xlim(0, 105)
    ax.set_xlabel(_("得分率（%）"))
    ax.grid(axis="x", color=GRID, linewidth=0.5)
    return _to_svg(fig)


def _ordered(rows: Sequence[RankingRow]) -> list[RankingRow]:
    """Ranked rows first by rank, unranked after; the input order breaks ties."""
    return sorted(rows, key=lambda r: (r.rank is None, r.rank or 0))


def ranking_bars(
    rows: Sequence[RankingRow], highlight: str | None = None, width: float = FULL_WIDTH
) -> str:
    """Totals of a ranking as horizontal bars, first rank on top; ``highlight`` names a
    unit to draw in red (the unit a report is about); vetoed units are grey; ``width`` in
    inches. SVG text."""
    rows = _ordered([replace(r, unit_name=_printable(r.unit_name)) for r in rows])
    highlight = _printable(highlight) if highlight is not None else None
    labels = [_rank_label(r) for r in rows][::-1]
    height = 0.55 + 0.24 * max(3, len(rows))
    fig = _new_figure(width, height, layout=None)
    left = max((_text_width(label, 8.5) for label in labels), default=0.5) + 0.12
    fig.subplots_adjust(
        left=left / width,
        right=1 - 0.1 / width,
        top=1 - 0.08 / height,
        bottom=0.42 / height,
    )
    ax = fig.add_subplot()
    _style_axes(ax)
    totals = [_f(r.total) for r in rows][::-1]
    colours = [
        HIGHLIGHT if r.unit_name == highlight else VETO if r.veto else PRIMARY for r in rows
    ][::-1]
    bars = ax.barh(range(len(rows)), totals, color=colours, height=0.62)
    ax.set_yticks(range(len(rows)), labels, fontsize=8.5)
    ax.bar_label(
        bars,
        labels=[
            f"{t:.2f}" + (_("（否决）") if r.veto else "")
            for t, r in zip(totals, rows[::-1], strict=True)
        ],
        padding=3,
        fontsize=7.5,
    )
    ax.set_xlim(0, max(100.0, *totals) * 1.08 if totals else 100)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_xlabel(_("总得分"))
    ax.grid(axis="x", color=GRID, linewidth=0.5)
    for tick, row in zip(ax.get_yticklabels(), rows[::-1], strict=True):
        if highlight is not None and row.unit_name == highlight:
            tick.set_color(HIGHLIGHT)  # colour only: a bold face would be one more font
    return _to_svg(fig)


def _rank_label(row: RankingRow) -> str:
    return f"{row.rank}. {row.unit_name}" if row.rank is not None else row.unit_name


def grade_distribution_chart(counts: Sequence[tuple[str, int]]) -> str:
    """Number of units per grade (等次分布) as columns, best grade first. SVG text."""
    grades = [_printable(g) for g, _n in counts]
    numbers = [n for _g, n in counts]
    fig = _new_figure(4.2, 2.5)
    ax = fig.add_subplot()
    _style_axes(ax)
    colours = [GRADE_COLOURS.get(g, PRIMARY) for g in grades]
    bars = ax.bar(grades, numbers, color=colours, width=0.55)
    ax.bar_label(bars, labels=[str(n) for n in numbers], padding=2, fontsize=9)
    ax.set_ylim(0, max([*numbers, 1]) * 1.2)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel(_("单位数"))
    ax.grid(axis="y", color=GRID, linewidth=0.5)
    return _to_svg(fig)


def clause_coverage_chart(sections: Sequence[tuple[str, int, int]]) -> str:
    """Per section of a policy document (label, clauses covered by an indicator, clauses
    covered by none), stacked bars: which parts of the document the set assesses. SVG."""
    labels = [_printable(label) for label, _c, _u in sections]
    covered = [c for _l, c, _u in sections]
    uncovered = [u for _l, _c, u in sections]
    fig = _new_figure(SCREEN_WIDTH, 0.6 + 0.32 * max(len(sections), 1))
    ax = fig.add_subplot()
    _style_axes(ax)
    rows = range(len(sections))
    ax.barh(rows, covered, color=PRIMARY, height=0.6, label=_("有指标覆盖"))
    ax.barh(rows, uncovered, left=covered, color=PREVIOUS, height=0.6, hatch="///",
            edgecolor="white", label=_("未覆盖"))  # fmt: skip
    for row, (c, u) in enumerate(zip(covered, uncovered, strict=True)):
        ax.text(c + u + 0.1, row, f"{c}/{c + u}", va="center", fontsize=8, color=INK)
    ax.set_yticks(list(rows), labels)
    ax.invert_yaxis()
    ax.set_xlim(0, max([c + u for c, u in zip(covered, uncovered, strict=True)] + [1]) * 1.25)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel(_("条款数"))
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    return _to_svg(fig)


def heatmap_code(label: str) -> str:
    """The code a heat map row is labelled with: "A1 知晓率" → "A1"."""
    return label.split(" ", 1)[0]


def heatmap_chart(heatmap: HeatMap, scale_label: str | None = None) -> str:
    """Score rate per indicator (rows, by code) and unit (columns), pale to deep over
    0–100 %, each cell's rate printed in it; cells where the indicator does not apply are
    blank grey. ``scale_label`` names the percent the colour bar shows (default 得分率;
    the ledger's 核减率). SVG text."""
    heatmap = replace(
        heatmap,
        indicator_labels=tuple(_printable(label) for label in heatmap.indicator_labels),
        unit_labels=tuple(_printable(label) for label in heatmap.unit_labels),
    )
    rows, cols = len(heatmap.indicator_labels), len(heatmap.unit_labels)
    import numpy as np

    # Rows by code (A1): the full names are printed under the figure, where they have room.
    values = np.ma.masked_invalid(
        np.array(
            [[np.nan if v is None else float(v) for v in row] for row in heatmap.values],
            dtype=float,
        ).reshape(rows, cols)
    )
    # The axes are placed by hand, not by the constrained layout: that measures every
    # cell's text to fit the margins, twice per figure (0.2 s of a heat map of 24 × 16,
    # three of them in a city summary). The margins hold, from the top: the column heads
    # stacked one character a line, the cells (0.2 in a row), the colour bar and its label.
    head_lines = max((len(label) for label in heatmap.unit_labels), default=1)
    top = 0.1 + head_lines * HEAD_LINE
    cells = 0.2 * max(rows, 4)
    bottom = 0.62
    left = (
        max(
            (_text_width(heatmap_code(label), 7.5) for label in heatmap.indicator_labels),
            default=0.3,
        )
        + 0.12
    )
    height = top + cells + bottom
    fig = _new_figure(FULL_WIDTH, height, layout=None)
    x0, span = left / FULL_WIDTH, 1 - (left + 0.05) / FULL_WIDTH
    ax = fig.add_axes((x0, bottom / height, span, cells / height))
    cmap = ATTAINMENT_CMAP.with_extremes(bad="#eceef1")
    mesh = ax.pcolormesh(values, cmap=cmap, vmin=0, vmax=100, edgecolors="white", linewidth=0.6)
    ax.set_xlim(0, cols)
    ax.set_ylim(rows, 0)
    ax.set_xticks([j + 0.5 for j in range(cols)])
    # Chinese column heads read well stacked one character per line.
    ax.set_xticklabels([_wrap(u, 1) for u in heatmap.unit_labels], fontsize=7.5, linespacing=1.0)
    ax.xaxis.tick_top()
    ax.set_yticks([i + 0.5 for i in range(rows)])
    ax.set_yticklabels([heatmap_code(label) for label in heatmap.indicator_labels], fontsize=7.5)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    # Every cell's figure, as the tables print it (2 decimals), in the contrasting ink.
    for i, row in enumerate(heatmap.values):
        for j, value in enumerate(row):
            if value is None:
                continue
            shade = cmap(min(max(float(value), 0.0), 100.0) / 100)
            ax.text(
                j + 0.5,
                i + 0.5,
                _fmt(value),
                ha="center",
                va="center",
                fontsize=CELL_FONT_SIZE,
                color="white" if _luminance(shade) < _DARK_CELL else "black",
            )
    # Half the cells' width, centred under them, 0.08 in thick, its ticks and label below.
    bar_axes = fig.add_axes((x0 + span / 4, 0.42 / height, span / 2, 0.08 / height))
    bar = fig.colorbar(mesh, cax=bar_axes, orientation="horizontal")
    bar.set_label(scale_label or _("得分率（%）"), fontsize=8)
    bar.ax.tick_params(labelsize=7, length=0)
    bar.outline.set_visible(False)
    return _to_svg(fig)


def year_over_year_chart(
    rows: Sequence[RankingRow],
    year: int | None = None,
    width: float = FULL_WIDTH,
    labels: tuple[str, str] | None = None,
) -> str:
    """This year's total against last year's per unit (bars in pairs, first rank on top),
    with the change printed at the end; units without last year's total get one bar;
    ``width`` in inches. ``labels`` names the earlier and the later bar in the legend
    when they are not years (the what-if simulation's 模拟前 and 模拟后). SVG text."""
    rows = _ordered([replace(r, unit_name=_printable(r.unit_name)) for r in rows])
    this_label = _("%(year)s年", year=year) if year else _("本年度")
    last_label = _("%(year)s年", year=year - 1) if year else _("上年度")
    if labels:
        last_label, this_label = labels
    figure_height = 0.8 + 0.32 * max(3, len(rows))
    fig = _new_figure(width, figure_height, layout=None)
    # Margins by hand (see ranking_bars): the unit names on the left, the legend above,
    # the ticks and the axis label below.
    left = max((_text_width(r.unit_name, 8.5) for r in rows), default=0.5) + 0.12
    fig.subplots_adjust(
        left=left / width,
        right=1 - 0.1 / width,
        top=1 - 0.3 / figure_height,
        bottom=0.45 / figure_height,
    )
    ax = fig.add_subplot()
    _style_axes(ax)
    n = len(rows)
    positions = list(range(n))[::-1]
    height = 0.38
    previous = [_f(r.previous_total) if r.previous_total is not None else 0.0 for r in rows]
    current = [_f(r.total) for r in rows]
    ax.barh(
        [p + height / 2 for p in positions],
        previous,
        height=height,
        color=PREVIOUS,
        label=last_label,
    )
    ax.barh(
        [p - height / 2 for p in positions], current, height=height, color=PRIMARY, label=this_label
    )
    for p, row in zip(positions, rows, strict=True):
        if row.previous_total is None:
            continue
        change = row.total - row.previous_total
        sign = "+" if change > 0 else ""
        ax.text(
            max(_f(row.total), _f(row.previous_total)) + 1.5,
            p,
            f"{sign}{_fmt(change)}",
            va="center",
            fontsize=7.5,
            color=PRIMARY if change >= 0 else HIGHLIGHT,
        )
    ax.set_yticks(positions, [r.unit_name for r in rows], fontsize=8.5)
    ax.set_xlim(0, max([100.0, *current, *previous]) * 1.12)
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_xlabel(_("总得分"))
    ax.grid(axis="x", color=GRID, linewidth=0.5)
    ax.legend(loc="lower right", frameon=False, fontsize=8, ncols=2, bbox_to_anchor=(1, 1.0))
    return _to_svg(fig)


def submission_progress_chart(
    points: Sequence[tuple[date, int]],
    total: int,
    due: date | None = None,
    width: float = SCREEN_WIDTH,
) -> str:
    """Self-report progress over time (填报进度): the units whose self-report is complete,
    counted up day by day (``points``: (day, units complete by the end of it), oldest
    first) as a step line, against the ``total`` of units assessed as a dashed line, with
    the self-report due date (自评截止) marked when set; ``width`` in inches (pages draw
    it; no report prints it yet). SVG text."""
    import matplotlib.dates as mdates  # registers the date converter the axis needs
    from matplotlib.ticker import FuncFormatter

    days = [day for day, _n in points]
    counts = [n for _day, n in points]
    fig = _new_figure(width, 2.9)
    ax = fig.add_subplot()
    _style_axes(ax)
    ax.step(days, counts, where="post", color=PRIMARY, linewidth=1.8, label=_("已提交单位"))
    ax.fill_between(days, counts, step="post", color=PRIMARY, alpha=0.12, linewidth=0)
    ax.axhline(
        total,
        color=VETO,
        linestyle="--",
        linewidth=1,
        label=_("参评单位 %(n)s 个", n=total),
    )
    shown = [*days, *([due + timedelta(days=1)] if due else [])]
    first, last = min(shown), max(shown)
    # Across a new year (a cycle opened in December, a far due date) a day without its
    # year would repeat: 1月1日 under every tick of a span of years.
    label = (
        _dated_label if len({d.year for d in [*days, *([due] if due else [])]}) > 1 else _day_label
    )
    if first == last:  # one day alone has no width: give it a day on each side
        first, last = first - timedelta(days=1), last + timedelta(days=1)
    if due:
        # At the close of the due day, its last day: a unit that hands in on it is on time.
        ax.axvline(
            due + timedelta(days=1),
            color=HIGHLIGHT,
            linestyle=":",
            linewidth=1.2,
            label=_("自评截止 %(day)s", day=label(due)),
        )
    ax.set_xlim(first, last)
    ax.set_ylim(0, max(total, *counts, 1) * 1.1)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=5))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: label(mdates.num2date(x).date())))
    ax.set_ylabel(_("单位数"))
    ax.grid(axis="y", color=GRID, linewidth=0.5)
    # Above the plot, where no line can run through it.
    fig.legend(loc="outside upper center", ncols=3, frameon=False, fontsize=8)
    return _to_svg(fig)


def _day_label(day: date) -> str:
    return _("%(m)s月%(d)s日", m=day.month, d=day.day)


def _dated_label(day: date) -> str:
    return _("%(y)s年%(m)s月%(d)s日", y=day.year, m=day.month, d=day.day)
