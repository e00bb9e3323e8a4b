"""The text and layout of the printed reports after GB/T 9704-2012, read as the office
director who signs them: black text, headings kept with what they introduce, the sign-off
of §7.3.5, readable scoring notes, cells that hold their text, titles broken between
phrases, the 28 × 22 grid."""

from __future__ import annotations

import dataclasses

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
