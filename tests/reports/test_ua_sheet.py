"""The reports' fitted user-agent sheet (assess/reports/ua_sheet.py): it drops only rules
the reports never use, and every page prints the same as with WeasyPrint's own sheet."""

from __future__ import annotations

import pytest

from assess.reports import render, ua_sheet
from tests.reports import sample_reports
from tests.reports.report_helpers import render_to


def glyph_positions(path) -> list[tuple]:
    """(page, character, x0, y0, size) of every character, through pdfminer.six."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTChar, LTContainer

    glyphs = []
    for number, layout in enumerate(extract_pages(str(path))):
        stack = list(layout)
        while stack:
            item = stack.pop()
            if isinstance(item, LTChar):
                glyphs.append(
                    (
                        number,
                        item.get_text(),
                        round(item.x0, 2),
                        round(item.y0, 2),
                        round(item.size, 2),
                    )
                )
            elif isinstance(item, LTContainer):
                stack.extend(item)
    return sorted(glyphs)


def test_the_sheet_drops_the_note_rules_and_scopes_markers_to_list_items():
    stock = ua_sheet.stock_sheet_text()
    fitted = ua_sheet.report_sheet_text(stock)
    assert "::footnote-call" in stock and "::footnote-call" not in fitted
    assert "::note-callback" in stock and "::note-callback" not in fitted
    assert "\nli::marker {" in fitted and "\n::marker {" not in fitted
    # Nothing else is touched: every other line of WeasyPrint's sheet is kept.
    dropped = set(stock.splitlines()) - set(fitted.splitlines())
    assert all(line.startswith(("::footnote-", "::note-", "::marker")) for line in dropped)
    assert len(dropped) == 6


def test_a_changed_upstream_sheet_is_refused_rather_than_guessed():
    with pytest.raises(ValueError, match="user-agent sheet changed"):
        ua_sheet.report_sheet_text("html { display: block }\n")


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(lambda: sample_reports.sample_unit_report(0), id="unit"),
        pytest.param(sample_reports.sample_city_summary, id="summary"),
        pytest.param(sample_reports.sample_award_list, id="award"),
    ],
)
def test_every_page_prints_as_with_weasyprints_own_sheet(tmp_path, monkeypatch, data):
    report = data()
    fitted = render_to(tmp_path, "fitted.pdf", report)

    from weasyprint import HTML

    monkeypatch.setattr(ua_sheet, "report_html_class", lambda: HTML)
    stock = render_to(tmp_path, "stock.pdf", report)

    assert render.ua_sheet.report_html_class() is HTML  # the stock run really used the stock
    fitted_glyphs = glyph_positions(fitted.path)
    assert len(fitted_glyphs) > 500
    assert fitted_glyphs == glyph_positions(stock.path)
