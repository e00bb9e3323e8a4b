"""The text and layout of the printed reports after GB/T 9704-2012, read as the office
director who signs them: black text, headings kept with what they introduce, the sign-off
of §7.3.5, readable scoring notes, cells that hold their text, titles broken between
phrases, the 28 × 22 grid."""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from decimal import Decimal

import pytest

from assess.reports import fonts, render
from tests.reports import sample_reports
from tests.reports.report_helpers import (
    cell_texts,
    colours,
    glyphs_crossing_rules,
    indicator_rows,
    render_to,
    text_boxes,
)

pytestmark = pytest.mark.pure

BLACK, WHITE = (0.0, 0.0, 0.0), (1.0, 1.0, 1.0)
MM = 72 / 25.4  # points per millimetre


@pytest.fixture(scope="module")
def chartless_unit_pdf(pdf_dir):
    """A vetoed unit's report with deductions and no charts (charts keep their colours)."""
    data = sample_reports.sample_unit_report(3, indicator_count=20)
    data = dataclasses.replace(data, veto=True, categories=(), peers=())
    assert any(r.deduction for r in data.indicators)
    return render_to(pdf_dir, "chartless.pdf", data)


def test_text_is_black_with_no_shaded_bands(chartless_unit_pdf, award_pdf):
    """No red figures (扣分, 否决), no grey subtitles or notes, no tinted table heads or
    category bands: every character and every filled shape is black (or white paper)."""
    for pdf in (chartless_unit_pdf, award_pdf):
        text, shapes = colours(pdf)
        assert text == {BLACK}, pdf.path.name
        assert shapes <= {BLACK, WHITE}, pdf.path.name


def _page_of(pdf, text: str) -> int:
    """The first page (1-based) whose text, white space removed, holds ``text``."""
    for number, page in enumerate(pdf.pages(), start=1):
        if text in re.sub(r"\s+", "", page):
            return number
    raise AssertionError(f"{text!r} not in {pdf.path.name}")


@pytest.mark.parametrize(
    ("report", "heading", "lead_in", "caption"),
    [
        ("unit", "分类得分情况", "从各类指标看", "各类指标得分率（%）"),
        ("unit", "与同类单位比较", "考核总得分及排名如下图", "考核总得分排名"),
        ("city", "指标完成情况", "得分率（得分÷分值×100）如下图", "各项指标得分率（%）（之一）"),
        ("city", "与上年度比较", "与上年度相比", "总得分与上年度比较"),
    ],
)
def test_headings_and_their_lead_in_stay_with_their_chart(
    report, heading, lead_in, caption, unit_pdf, city_pdf
):
    pdf = {"unit": unit_pdf, "city": city_pdf}[report]
    figure = _page_of(pdf, caption)
    assert _page_of(pdf, heading) == figure
    assert _page_of(pdf, lead_in) == figure


def test_the_category_table_is_never_split_leaving_a_row_alone(pdf_dir):
    """The eight categories' table follows the radar: it prints whole on one page (its
    heads once), for every sample unit whose lead-in is longer or shorter."""
    for seed in range(4):
        pdf = render_to(pdf_dir, f"categories-{seed}.pdf", sample_reports.sample_unit_report(seed))
        pages = [n for n, text in enumerate(pdf.pages(), start=1) if "指标类别" in text]
        last = sample_reports.sample_unit_report(seed).categories[-1].name
        assert len(pages) == 1, (seed, pages)
        assert last in re.sub(r"\s+", "", pdf.pages()[pages[0] - 1])


RIGHT_EDGE = (210 - 26) * MM  # the text block's right edge: A4 less the 26 mm margin


def _signoff(pdf, date_text: str):
    """The lines of the sign-off on the last page that has the date (attachments follow
    it): the date's box, and the boxes above it back to the text that precedes the
    sign-off (a blank line at least)."""
    page = max(i for i, text in enumerate(pdf.pages(), 1) if date_text in text)
    boxes = sorted(text_boxes(pdf, page), key=lambda b: b[1])
    date_at = next(i for i, b in enumerate(boxes) if b[4] == date_text)
    above = []
    for box in reversed(boxes[:date_at]):
        if above and above[0][1] - box[3] > 30:  # the blank line before the sign-off
            break
        above.insert(0, box)
    return boxes[date_at], above


@pytest.mark.parametrize("report", ["unit", "city", "award"])
def test_signoff_date_four_characters_in_with_the_office_centred_over_it(
    report, unit_pdf, city_pdf, award_pdf, unit_data, city_data, award_data
):
    """GB/T 9704 §7.3.5.1: the date ends 4 characters in from the right; the issuing office
    (each one of a joint sign-off, in order) is centred over it, inside the text block."""
    pdf, data = {
        "unit": (unit_pdf, unit_data),
        "city": (city_pdf, city_data),
        "award": (award_pdf, award_data),
    }[report]
    offices = getattr(data, "issuing_offices", None) or (data.issuing_office,)
    date, above = _signoff(pdf, render.cn_date(data.report_date))
    assert RIGHT_EDGE - date[2] == pytest.approx(4 * render.PITCH_PT, abs=1)
    assert "".join(b[4] for b in above) == "".join(offices)
    centre = (date[0] + date[2]) / 2
    for box in above:
        assert (box[0] + box[2]) / 2 == pytest.approx(centre, abs=1), box[4]
        assert box[2] <= RIGHT_EDGE + 0.5
    if report == "award":  # a joint sign-off: one office a line, in order
        assert [b[4] for b in above] == list(offices)


def test_a_long_office_name_breaks_between_phrases_over_the_date():
    layout = render.signoff_layout(
        ["郑州市流动人口基本公共服务均等化工作领导小组办公室"], date(2012, 1, 16)
    )
    assert layout.offices == (("郑州市", "流动人口基本公共服务均等化", "工作领导小组办公室"),)
    assert layout.indent == pytest.approx(4 * render.PITCH_PT, abs=0.01)


def test_an_office_that_cannot_break_moves_the_date_in():
    """A name with no phrase the dictionary knows stays whole and is still centred over
    the date, which moves in until the name ends at the margin."""
    name = "某某某某某某某某某某某某某某某某某某某某"  # 20 characters, no known phrase
    layout = render.signoff_layout([name], date(2012, 1, 16))
    assert layout.offices == ((name,),)
    date_width = fonts.advance("2012年1月16日", fonts.report_fonts().serif) * 16
    assert layout.indent == pytest.approx((20 * 16 - date_width) / 2, abs=0.01)
    assert layout.indent > 4 * render.PITCH_PT


def _lines_starting(pdf, prefix: str):
    """pdfminer's text lines (with their characters) that begin with ``prefix``."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTChar, LTTextContainer, LTTextLine

    for layout in extract_pages(str(pdf.path)):
        stack = list(layout)
        while stack:
            item = stack.pop()
            if isinstance(item, LTTextLine):
                if item.get_text().strip().startswith(prefix):
                    yield item, [c for c in item if isinstance(c, LTChar)]
            elif isinstance(item, LTTextContainer):
                stack.extend(item)


def test_scoring_notes_in_plain_chinese_at_five_point_size(unit_pdf, unit_data):
    """得分依据 at 五号 (10.5 pt) or more, in words (no max(0, …), no arrows), figures
    to 2 decimals, clauses numbered with full-width brackets (三（四）1)."""
    notes = list(_lines_starting(unit_pdf, "得分依据"))
    assert len(notes) >= len(unit_data.indicators) // 2  # one under each indicator
    for line, chars in notes:
        assert min(c.size for c in chars) >= 10.5 - 0.01
        assert not re.search(r"\d\.\d{3,}", line.get_text())  # never 90.3333
    text = unit_pdf.flat_text()
    assert not any(sign in text for sign in ("max(", "min(", "→"))
    assert "郑政办〔2010〕90号三（四）1" in text and "三(四)" not in text
    sources = {r.source for r in unit_data.indicators}
    assert "郑政办〔2010〕90号 三(四)1" in sources  # the sample's half-width clause


def test_clause_numbers_get_full_width_brackets():
    assert render.clause("郑政办〔2010〕90号 三(四)2") == "郑政办〔2010〕90号 三（四）2"
    assert render.clause("郑政办〔2010〕90号 四(十二)") == "郑政办〔2010〕90号 四（十二）"
    assert render.clause("附件(1)") == "附件(1)"  # only Chinese clause numbers


@pytest.fixture(scope="module")
def widest_pdf(pdf_dir):
    """The widest figures a unit report prints: every rate 100.00% of 1000/1000 beside a
    bold 核定值 of 96.50% of 965/1000, weights and scores of 10.00, deductions of -10.00."""
    data = sample_reports.sample_unit_report(1, indicator_count=12)
    rows = tuple(
        dataclasses.replace(
            row,
            target="100.00%",
            self_reported="100.00%（1000/1000）",
            verified="96.50%（965/1000）",
            weight=Decimal(10),
            score=Decimal("10.00"),
            deduction=Decimal("10.00"),
        )
        if row.target.endswith("%")
        else row
        for row in data.indicators
    )
    return render_to(pdf_dir, "widest.pdf", dataclasses.replace(data, indicators=rows))


def test_nothing_crosses_a_column_rule(widest_pdf, unit_pdf, city_pdf, award_pdf):
    for pdf in (widest_pdf, unit_pdf, city_pdf, award_pdf):
        assert glyphs_crossing_rules(pdf) == [], pdf.path.name


def test_rates_print_as_percents_with_the_fraction_small_beneath(widest_pdf):
    cells = [c for page in cell_texts(widest_pdf) for c in page]
    percents = [c for c in cells if c[3] == "96.50%"]
    fractions = [c for c in cells if c[3] == "965/1000"]
    assert percents and len(fractions) == len(percents)
    for (x0, x1, middle, _t), (fx0, fx1, fmiddle, _f) in zip(
        sorted(percents, key=lambda c: -c[2]), sorted(fractions, key=lambda c: -c[2]), strict=True
    ):
        assert fmiddle < middle  # beneath (pdfminer's y grows upwards)
        assert fx1 - fx0 < x1 - x0 + 8  # small: not wider than the percent above it
    sizes = {round(size) for size in _char_sizes(widest_pdf, "965/1000")}
    assert sizes and max(sizes) <= 8


def test_figures_are_right_aligned_with_two_decimals(unit_pdf, unit_data):
    """Percents of different widths (100.00%, 96.60%) end on the same right edge in each of
    the three value columns; scores, weights and deductions have two decimals."""
    rows = indicator_rows(unit_pdf, {r.code for r in unit_data.indicators})
    for code, cells in rows.items():
        row = next(r for r in unit_data.indicators if r.code == code)
        expected = [render.num(row.weight), render.num(row.score)]
        expected += [f"-{render.num(row.deduction)}"] if row.deduction else []
        assert cells[-len(expected) :] == expected, code
    edges = sorted(
        {
            round(c[1])
            for page in cell_texts(unit_pdf)
            for c in page
            if re.fullmatch(r"\d+\.\d\d%", c[3])
        }
    )
    assert len(_clusters(edges)) == 3, edges  # 目标值, 自评值, 核定值


def _clusters(values: list[int], gap: int = 2) -> list[list[int]]:
    groups: list[list[int]] = []
    for value in values:
        if groups and value - groups[-1][-1] <= gap:
            groups[-1].append(value)
        else:
            groups.append([value])
    return groups


def _char_sizes(pdf, text: str) -> list[float]:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTChar, LTTextContainer, LTTextLine

    sizes = []
    for layout in extract_pages(str(pdf.path)):
        stack = list(layout)
        while stack:
            item = stack.pop()
            if isinstance(item, LTTextLine) and text in item.get_text():
                sizes += [c.size for c in item if isinstance(c, LTChar) and c.get_text().strip()]
            elif isinstance(item, LTTextContainer):
                stack.extend(item)
    return sizes


def _title_lines(pdf, page: int, size: float = 22) -> list[str]:
    """The lines set at ``size`` pt on ``page``, top to bottom: the title's."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTChar, LTTextContainer, LTTextLine

    lines = []
    for layout in extract_pages(str(pdf.path), page_numbers=[page - 1]):
        stack = list(layout)
        while stack:
            item = stack.pop()
            if isinstance(item, LTTextLine):
                chars = [c for c in item if isinstance(c, LTChar) and c.get_text().strip()]
                if chars and all(abs(c.size - size) < 0.5 for c in chars):
                    lines.append((-item.y1, item.get_text().strip()))
            elif isinstance(item, LTTextContainer):
                stack.extend(item)
    return [text for _y, text in sorted(lines)]


@pytest.fixture(scope="module")
def bracketed_unit_pdf(pdf_dir):
    """A unit report of the 2011 county set, whose programme ends in （县（市、区））, for a
    unit with a long name."""
    data = dataclasses.replace(
        sample_reports.sample_unit_report(11, indicator_count=4),
        program="郑州市流动人口基本公共服务均等化考核（县（市、区））",
        unit_name="管城回族区",
    )
    return render_to(pdf_dir, "bracketed.pdf", data)


def test_titles_break_between_phrases_and_never_inside_brackets(bracketed_unit_pdf):
    title = "管城回族区2011年度流动人口基本公共服务均等化工作督查报告"
    assert bracketed_unit_pdf.info()["Title"] == title  # no （县（市、区）） in the metadata
    first = next(
        n for n, page in enumerate(bracketed_unit_pdf.pages(), 1) if "现将督查情况报告如下" in page
    )
    lines = _title_lines(bracketed_unit_pdf, first)
    assert "".join(lines) == title
    assert lines == ["管城回族区2011年度", "流动人口基本公共服务均等化工作督查报告"]
    cover = bracketed_unit_pdf.pages()[0]
    assert "郑州市流动人口基本公共服务均等化考核" in cover and "（县（市、区））" not in cover


def test_the_cover_title_breaks_between_phrases(pdf_dir):
    data = dataclasses.replace(
        sample_reports.sample_unit_report(0, indicator_count=4),
        subject="流动人口基本公共卫生计生服务均等化工作",
    )
    pdf = render_to(pdf_dir, "cover.pdf", data)
    assert _title_lines(pdf, 1, size=26) == [
        "中原区2011年度",
        "流动人口基本公共卫生计生服务均等化",
        "工作",
        "督查报告",
    ]


def test_an_award_list_title_without_breaks_is_broken_between_phrases(pdf_dir, award_data):
    data = dataclasses.replace(award_data, title=award_data.title.replace("\n", ""))
    pdf = render_to(pdf_dir, "award-title.pdf", data)
    # Where the office broke it by hand: the fewest lines, between phrases, most even.
    assert _title_lines(pdf, 1) == award_data.title.split("\n")
    assert pdf.info()["Title"] == data.title
    year = dataclasses.replace(data, title="2013年度" + data.title)
    assert render.title_lines(year.title, 22) == [
        "2013年度郑州市培育十类典型",
        "促进流动人口社会融合",
        "先进集体和先进个人表彰名单",
    ]


LEFT_EDGE = 28 * MM


def _body_lines(pdf) -> list[tuple[int, float, float, float, str]]:
    """(page, x0, x1, top, text) of the lines of body text (16 pt throughout)."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTChar, LTTextContainer, LTTextLine

    lines = []
    for number, layout in enumerate(extract_pages(str(pdf.path)), start=1):
        stack = list(layout)
        while stack:
            item = stack.pop()
            if isinstance(item, LTTextLine):
                chars = [c for c in item if isinstance(c, LTChar)]
                if chars and all(abs(c.size - 16) < 0.3 for c in chars):
                    text = item.get_text().strip()
                    lines.append((number, item.x0, item.x1, layout.height - item.y1, text))
            elif isinstance(item, LTTextContainer):
                stack.extend(item)
    return lines


@pytest.mark.parametrize("report", ["unit", "city"])
def test_the_grid_is_28_characters_by_22_lines(report, unit_pdf, city_pdf):
    """GB/T 9704 §5.2.2: 28 characters a line, 22 lines a page. A full line of Chinese text
    holds 28 characters and ends flush with the right margin (not 27 and 5.4 mm short);
    lines follow each other every 225 mm / 22."""
    lines = sorted(
        _body_lines({"unit": unit_pdf, "city": city_pdf}[report]), key=lambda line: line[::3]
    )
    chinese = [
        line
        for line in lines
        if abs(line[1] - LEFT_EDGE) < 1 and all(ord(c) > 0x2E80 for c in line[4])
    ]
    full = [line for line in chinese if len(line[4]) == 28]
    assert len(full) >= 2 and max(len(line[4]) for line in chinese) == 28
    for _page, _x0, x1, _top, text in full:
        assert abs(x1 - RIGHT_EDGE) < 1, text
    assert all(line[2] <= RIGHT_EDGE + 1 for line in lines)
    steps = {
        round(b[3] - a[3], 1)
        for a, b in zip(lines, lines[1:], strict=False)
        if a[0] == b[0]
        and abs(a[1] - LEFT_EDGE) < 1
        and abs(b[1] - LEFT_EDGE) < 1
        and 0 < b[3] - a[3] < 40
    }
    assert steps == {28.9}  # 22 lines in the 225 mm text block
    assert 22 * 28.9 <= 225 * MM < 23 * 28.9
