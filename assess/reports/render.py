"""Render the printed reports to PDF: Jinja print templates, WeasyPrint, no Flask.

``render_unit_report``, ``render_city_summary`` and ``render_award_list`` each take the
frozen data of :mod:`assess.reports.data` and return PDF bytes; ``render_report`` picks the
right one by the data's type. Templates live in ``templates/reports/`` and translate their
text through :func:`scoring.i18n._` (message ids are the Chinese text).

WeasyPrint is imported inside the functions: importing this module stays cheap for the web
app and the CLI, and batch workers import it in their own process. One
``FontConfiguration`` is kept per process and per font set.
"""

from __future__ import annotations

import atexit
import base64
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from itertools import groupby
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from assess.core.formatting import local_time, plain_number
from assess.reports import archive, charts, facts, phrasing, ua_sheet
from assess.reports import fonts as report_fonts
from assess.reports.data import (
    AwardListData,
    CitySummaryData,
    HeatMap,
    ReportData,
    UnitReportData,
)
from scoring.i18n import _

TEMPLATES_DIR = Path(__file__).resolve().parent.parent.parent / "templates" / "reports"
# A heat map taller than this many indicator rows is cut into several figures, so that
# the first fits on a page under its section's heading and the sentence introducing it
# (a heading is never left above a figure that went to the next page).
HEATMAP_ROWS_PER_FIGURE = 24

__all__ = [
    "environment",
    "render_award_list",
    "render_city_summary",
    "render_report",
    "render_unit_report",
    "short_program",
    "title_lines",
    "unit_report_subject",
    "unit_report_title",
    "warm_up",
]


# ---------------------------------------------------------------- Jinja environment


def _gettext(message: str) -> str:
    return _(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    # Chinese has one form; the catalogue may still carry an English plural.
    return _(singular if n == 1 else plural)


def num(value: Decimal | float | int | None, places: int = 2) -> str:
    """A score as printed: half-up to ``places`` decimals; '—' for None."""
    if value is None:
        return "—"
    exponent = Decimal(1).scaleb(-places)
    return str(Decimal(str(value)).quantize(exponent, rounding=ROUND_HALF_UP))


def signed(value: Decimal) -> str:
    """A change with its sign: +2.50, -1.25, 0.00."""
    text = num(value)
    return "+" + text if Decimal(text) > 0 else text


def cn_date(value: date) -> str:
    """A date as GB/T 9704 prints it: Arabic figures, 2012年1月16日."""
    return _("%(y)s年%(m)s月%(d)s日", y=value.year, m=value.month, d=value.day)


def cn_date_range(first: date, last: date) -> str:
    """Two days as one span, the shared year and month said once: 2012年3月2日至5日,
    2012年3月30日至4月2日; one day alone when they are the same."""
    if first == last:
        return cn_date(first)
    if first.year != last.year:
        end = cn_date(last)
    elif first.month != last.month:
        end = _("%(m)s月%(d)s日", m=last.month, d=last.day)
    else:
        end = _("%(d)s日", d=last.day)
    return _("%(first)s至%(last)s", first=cn_date(first), last=end)


_HALF_WIDTH_BRACKETS = str.maketrans("()", "（）")


def full_width(text: str) -> str:
    """Chinese text with full-width brackets, as documents print them: 先进县(市、区) →
    先进县（市、区）."""
    return text.translate(_HALF_WIDTH_BRACKETS)


def quoted(names: Iterable[str]) -> str:
    """Names in Chinese quotation marks, side by side: “甲”“乙” (GB/T 15834 §5.1.7:
    no 顿号 between quoted items)."""
    return "".join(f"“{name}”" for name in names)


_CLAUSE = re.compile(r"\(([一二三四五六七八九十百]+)\)")


def clause(source: str) -> str:
    """A policy clause as documents number them, with full-width brackets:
    郑政办〔2010〕90号 三(四)2 → 郑政办〔2010〕90号 三（四）2."""
    return _CLAUSE.sub(r"（\1）", source)


_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十 (section numbers up to 99)."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


#: The body's character pitch: 16 pt characters on a 28-character, 156 mm line (GB/T 9704
#: §5.2.2); print.css sets the letter spacing that makes it.
BODY_PT = 16
PITCH_PT = 156 * 72 / 25.4 / 28


@dataclass(frozen=True)
class SignOff:
    """The sign-off as printed: each office's lines, and how far in from the right margin
    (points) the date ends."""

    offices: tuple[tuple[str, ...], ...]
    indent: float


def signoff_layout(offices: Iterable[str], issued_on: date) -> SignOff:
    """The sign-off (落款) of §7.3.5.1: the date four characters in from the right margin,
    each issuing office centred over it. An office too wide to be centred there is broken
    between phrases into lines that are; one that cannot be moves the date in until its
    widest line ends at the right margin, still centred over the date."""
    font = report_fonts.report_fonts().serif

    def width(text: str) -> float:
        return report_fonts.advance(text, font) * BODY_PT

    date_width = width(cn_date(issued_on))
    room = 2 * 4 * PITCH_PT + date_width  # centred on the date, inside the margin
    lines = tuple(tuple(phrasing.balanced_lines(o, room, width)) for o in offices)
    widest = max(width(line) for office in lines for line in office)
    return SignOff(lines, round(max(4 * PITCH_PT, (widest - date_width) / 2), 2))


#: The width of the text block (156 mm) in points.
LINE_PT = 156 * 72 / 25.4


def title_lines(title: str, size_pt: float) -> list[str]:
    """``title`` in lines for a heading set at ``size_pt`` in the title font: broken only
    between phrases, never inside a bracketed group, the fewest lines, as even as can be
    (GB/T 9704 §7.2: 回行时词意完整，排列对称). A ``\n`` in it is a break a person chose."""
    if "\n" in title:
        return [line for part in title.split("\n") for line in title_lines(part, size_pt)]
    font = report_fonts.report_fonts().title
    # A little short of the full line: the bold face's figures run a shade wider.
    width = LINE_PT * 0.97
    return phrasing.balanced_lines(
        title, width, lambda text: report_fonts.advance(text, font) * size_pt
    )


def css_family(name: str) -> Markup:
    """A font family as a quoted CSS string, safe inside <style>."""
    cleaned = "".join(c for c in name if c not in '"\\<>\n\r')
    # Font names come from fontconfig, not users; escaping would turn "&" into "&amp;".
    return Markup(f'"{cleaned}"')  # noqa: S704  # nosec B704 - quotes, backslashes, tags gone


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def groupby_ordered(items: Iterable, attribute: str) -> list[tuple[object, list]]:
    """Group consecutive items sharing ``attribute``, keeping their order (Jinja's own
    ``groupby`` sorts)."""
    return [
        (key, list(group)) for key, group in groupby(items, key=lambda i: getattr(i, attribute))
    ]


@cache
def environment() -> Environment:
    """The Jinja environment of the print templates (one per process)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(("html",)),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)
    env.globals["signoff_layout"] = signoff_layout
    env.globals["title_lines"] = title_lines
    env.globals["heatmap_code"] = charts.heatmap_code
    env.filters.update(
        num=num,
        signed=signed,
        plain_number=plain_number,
        cn_date=cn_date,
        cn_date_range=cn_date_range,
        quoted=quoted,
        full_width=full_width,
        local_time=local_time,
        cn_number=cn_number,
        clause=clause,
        short_program=short_program,
        css_family=css_family,
        svg_data_uri=svg_data_uri,
        groupby_ordered=groupby_ordered,
    )
    return env


# ---------------------------------------------------------------- WeasyPrint


# One FontConfiguration per thread and font set: Pango's font maps are not meant to be
# shared between threads (a web server may render in several), and a worker process has
# one thread, hence one configuration for all its reports.
_local = threading.local()


def _font_setup(fonts: report_fonts.ReportFonts) -> tuple[object, list]:
    """This thread's FontConfiguration for ``fonts`` and the stylesheets declaring the
    fonts given as files (built once: WeasyPrint writes a fontconfig file per face)."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    cache = getattr(_local, "configs", None)
    if cache is None:
        cache = _local.configs = {}
    if fonts not in cache:
        config = FontConfiguration()
        faces = report_fonts.font_face_css(fonts)
        sheets = [CSS(string=faces, font_config=config)] if faces else []
        cache[fonts] = (config, sheets)
    return cache[fonts]


@atexit.register
def _drop_font_configs() -> None:
    # While WeasyPrint can still clean up after them: FontConfiguration.__del__ removes a
    # temporary folder and fails once the interpreter has torn its modules down.
    getattr(_local, "configs", {}).clear()


def warm_up() -> None:
    """Import WeasyPrint and load templates, fonts and matplotlib now rather than in the
    first report (worker processes call it at start). Raises MissingFontError."""
    import weasyprint  # noqa: F401

    environment()
    _font_setup(report_fonts.report_fonts())
    ua_sheet.report_html_class()
    charts.warm_up()


def _pdf(
    template: str,
    *,
    title: str,
    author: str,
    description: str,
    keywords: Iterable[str],
    **context: object,
) -> bytes:
    """``template`` printed as an archival PDF (:mod:`assess.reports.archive`); ``title``,
    ``author`` (the issuing office), ``description`` and ``keywords`` are its metadata."""
    fonts = report_fonts.report_fonts()
    created = datetime.now().astimezone().replace(microsecond=0)
    html = (
        environment()
        .get_template(template)
        .render(
            fonts=fonts,
            document_title=title,
            author=author,
            description=description,
            keywords=[k for k in keywords if k],
            created=created,
            **context,
        )
    )
    # User text (answers, file names, unit names) may hold characters no font has: they
    # print as a visible stand-in rather than costing the unit its report.
    html = report_fonts.printable(html, fonts, where=f"PDF {title}")
    config, sheets = _font_setup(fonts)
    html_class = ua_sheet.report_html_class()
    document = html_class(string=html, base_url=str(TEMPLATES_DIR)).render(
        stylesheets=sheets, font_config=config
    )
    return document.write_pdf(
        pdf_variant=archive.PDF_VARIANT, finisher=archive.finisher(archive.page_labels(document))
    )


# ---------------------------------------------------------------- reports


def short_program(program: str) -> str:
    """The programme's name without a closing bracketed group naming whom it assesses
    (…均等化考核（县（市、区）） → …均等化考核): the report already names the unit and its
    kind, and a title must not break inside nested brackets."""
    name = program.rstrip()
    if not name.endswith(("）", ")")):
        return name
    depth = 0
    for position in range(len(name) - 1, -1, -1):
        depth += name[position] in "）)"
        depth -= name[position] in "（("
        if depth == 0:
            return name[:position].rstrip() or name
    return name


def unit_report_subject(data: UnitReportData) -> str:
    """The work a unit report is about: ``data.subject``, or the program's short name
    (:func:`short_program`) without its city and its closing 考核
    (郑州市…均等化考核（县（市、区）） → …均等化工作)."""
    if data.subject:
        return data.subject
    name = short_program(data.program).removesuffix("考核")
    city = name.find("市")
    if 0 < city <= 5:  # a city's name comes first: 郑州市, 呼和浩特市
        name = name[city + 1 :]
    return name + _("工作")


def unit_report_title(data: UnitReportData) -> str:
    return _(
        "%(unit)s%(year)s年度%(subject)s督查报告",
        unit=data.unit_name,
        year=data.year,
        subject=unit_report_subject(data),
    )


def render_unit_report(data: UnitReportData) -> bytes:
    """The unit inspection report (督查报告) as PDF bytes.

    Raises MissingFontError when the report fonts are not installed; a character no
    font can draw prints as a replacement (see :func:`assess.reports.fonts.printable`).
    """
    report_charts = {
        "radar": charts.radar_chart(data.categories) if data.categories else None,
        "peers": charts.ranking_bars(data.peers, highlight=data.unit_name) if data.peers else None,
    }
    deductions = sum((r.deduction for r in data.indicators if r.deduction), Decimal(0))
    return _pdf(
        "unit.html",
        title=unit_report_title(data),
        author=data.issuing_office,
        description=_(
            "%(unit)s%(year)s年度考核结果：总得分%(total)s分，等次%(grade)s",
            unit=data.unit_name,
            year=data.year,
            total=num(data.total),
            grade=data.grade,
        ),
        keywords=(
            _program_name(data.program),
            _("%(y)s年度", y=data.year),
            data.unit_name,
            _("督查报告"),
        ),
        report=data,
        subject=unit_report_subject(data),
        charts=report_charts,
        deductions=deductions,
        has_average=bool(data.categories)
        and all(c.kind_average_percent is not None for c in data.categories),
        category_by_name={c.name: c for c in data.categories},
        extremes=facts.category_extremes(data.categories),
        change=facts.year_change(data),
        evidence_groups=facts.evidence_by_indicator(data.evidence, data.indicators),
    )


def render_city_summary(data: CitySummaryData) -> bytes:
    """The city summary report (全市汇总报告) as PDF bytes. Raises MissingFontError."""
    rankings = [
        {
            "ranking": kind,
            "bars": charts.ranking_bars(kind.rows) if kind.rows else None,
            "changes": charts.year_over_year_chart(kind.rows, year=data.year)
            if any(r.previous_total is not None for r in kind.rows)
            else None,
        }
        for kind in data.rankings
    ]
    heatmaps = [
        (part, charts.heatmap_chart(part))
        for part in split_heatmap(data.heatmap, HEATMAP_ROWS_PER_FIGURE)
    ]
    program_title = _program_name(data.program)
    title = _("%(program)s%(year)s年度考核结果汇总报告", program=program_title, year=data.year)
    return _pdf(
        "city.html",
        title=title,
        author=data.issuing_office,
        description=_(
            "%(year)s年度%(n)s个单位的考核结果、排名与指标完成情况",
            year=data.year,
            n=sum(len(k.rows) for k in data.rankings),
        ),
        keywords=(program_title, _("%(y)s年度", y=data.year), _("考核结果"), _("汇总报告")),
        report=data,
        program_title=program_title,
        rankings=rankings,
        grades_chart=charts.grade_distribution_chart(data.grade_distribution)
        if data.grade_distribution
        else None,
        heatmaps=heatmaps,
        weakest=_weakest(data.heatmap, 5),
        changes=_changes(row for kind in data.rankings for row in kind.rows),
        vetoed=[row.unit_name for kind in data.rankings for row in kind.rows if row.veto],
        unit_count=sum(len(k.rows) for k in data.rankings),
    )


def render_award_list(data: AwardListData) -> bytes:
    """The award list (表彰名单) as PDF bytes. Raises MissingFontError."""
    return _pdf(
        "award.html",
        title=data.title.replace("\n", ""),
        author="、".join(data.issuing_offices),
        description=data.title.replace("\n", ""),
        keywords=(_("%(y)s年度", y=data.year), _("表彰名单"), *(c.name for c in data.categories)),
        report=data,
        with_scores=any(a.score is not None for c in data.categories for a in c.nominees),
        total=sum(len(c.nominees) for c in data.categories),
    )


def render_report(data: ReportData) -> bytes:
    """Render any report data to PDF bytes by its type."""
    if isinstance(data, UnitReportData):
        return render_unit_report(data)
    if isinstance(data, CitySummaryData):
        return render_city_summary(data)
    if isinstance(data, AwardListData):
        return render_award_list(data)
    raise TypeError(f"no report for {type(data).__name__}")


def _program_name(program: str) -> str:
    """'…均等化考核' reads '…均等化' in a title that goes on with '考核结果' (a closing
    bracketed group dropped, see :func:`short_program`)."""
    return short_program(program).removesuffix("考核")


def _weakest(heatmap: HeatMap | None, count: int) -> list[tuple[str, Decimal]]:
    """The ``count`` indicators with the lowest mean rate across the units they apply to."""
    if heatmap is None:
        return []
    means = []
    for label, row in zip(heatmap.indicator_labels, heatmap.values, strict=True):
        rates = [Decimal(str(v)) for v in row if v is not None]
        if rates:
            means.append((sum(rates, Decimal(0)) / len(rates), label))
    return [(label, mean) for mean, label in sorted(means)[:count]]


def _changes(rows: Iterable) -> tuple[int, int, int]:
    """How many units went up, down, and neither (or have no last-year total)."""
    up = down = other = 0
    for row in rows:
        if row.previous_total is None or row.total == row.previous_total:
            other += 1
        elif row.total > row.previous_total:
            up += 1
        else:
            down += 1
    return up, down, other


def split_heatmap(heatmap: HeatMap | None, rows: int, columns: int = 16) -> Iterator[HeatMap]:
    """``heatmap`` in parts of at most ``rows`` indicators × ``columns`` units, each part
    a figure that fits a page; parts are as even as possible (58 rows → 29 + 29). The web
    pages split it the same way (``assess.reports.web_figures``)."""
    if heatmap is None or not heatmap.indicator_labels or not heatmap.unit_labels:
        return
    for first_col, last_col in _even_slices(len(heatmap.unit_labels), columns):
        for first_row, last_row in _even_slices(len(heatmap.indicator_labels), rows):
            yield HeatMap(
                indicator_labels=heatmap.indicator_labels[first_row:last_row],
                unit_labels=heatmap.unit_labels[first_col:last_col],
                values=tuple(row[first_col:last_col] for row in heatmap.values[first_row:last_row]),
                kind=heatmap.kind,
            )


def _even_slices(total: int, most: int) -> list[tuple[int, int]]:
    parts = -(-total // most)
    size = -(-total // parts)
    return [(start, min(total, start + size)) for start in range(0, total, size)]
