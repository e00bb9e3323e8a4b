"""The text and layout of the printed reports after GB/T 9704-2012, read as the office
director who signs them: black text, headings kept with what they introduce, the sign-off
of §7.3.5, readable scoring notes, cells that hold their text, titles broken between
phrases, the 28 × 22 grid."""

from __future__ import annotations

import dataclasses
import re
from datetime import date

import pytest

from assess.reports import fonts, render
from tests.reports import sample_reports
from tests.reports.report_helpers import colours, render_to, text_boxes

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


RIGHT_EDGE = (210 - 26) * MM  # the text block's right edge: A4 less the 26 mm margin


def _signoff(pdf, date_text: str):
    """The lines of the sign-off on the last page: the date's box, and the boxes above it
    back to the text that precedes the sign-off (a blank line at least)."""
    boxes = sorted(text_boxes(pdf, len(pdf.pages())), key=lambda b: b[1])
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
    assert layout.offices == (("郑州市流动人口基本公共服务", "均等化工作领导小组办公室"),)
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
