"""The text and layout of the printed reports after GB/T 9704-2012, read as the office
director who signs them: black text, headings kept with what they introduce, the sign-off
of §7.3.5, readable scoring notes, cells that hold their text, titles broken between
phrases, the 28 × 22 grid."""

from __future__ import annotations

import dataclasses
import re

import pytest

from tests.reports import sample_reports
from tests.reports.report_helpers import colours, render_to

pytestmark = pytest.mark.pure

BLACK, WHITE = (0.0, 0.0, 0.0), (1.0, 1.0, 1.0)


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
