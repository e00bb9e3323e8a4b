"""No user text can break a document: characters without a glyph print as a logged
replacement, chart text is literal (no mathtext), in PDFs and charts alike."""

from __future__ import annotations

import dataclasses
import logging
import re
import xml.etree.ElementTree as ET

import pytest

from assess.reports import charts, fonts, render
from assess.reports.content import problem_list
from assess.reports.data import EvidenceRow, HeatMap, RankingRow, RectificationRow
from tests.reports import sample_reports
from tests.reports.report_helpers import render_to

pytestmark = pytest.mark.pure

# A private-use code point and an unassigned one (U+0378): no installed font draws either.
NO_GLYPH = ("\ue000", "\u0378")
# Mathtext that matplotlib cannot parse: a chart 500 before text was made literal.
MATHTEXT = "经费$\\y$"


@pytest.fixture
def small_report():
    return sample_reports.sample_unit_report(3, indicator_count=6)


def test_replacement_is_a_character_the_report_fonts_have():
    stand_in = fonts.replacement_character()
    assert fonts.missing_glyphs(stand_in, system_fallback=False) == ""
    assert fonts.printable("金水区\ue000", system_fallback=False) == f"金水区{stand_in}"


@pytest.mark.parametrize("char", NO_GLYPH)
def test_pdf_prints_a_replacement_for_user_text_without_glyph(tmp_path, small_report, char, caplog):
    demands = (RectificationRow("A1", f"完善{char}台账", small_report.report_date, "已反馈", ""),)
    data = dataclasses.replace(
        small_report,
        evidence=(
            *small_report.evidence,
            EvidenceRow("A1", f"台账{char}.pdf", "PDF", 3, small_report.evidence[0].uploaded_at),
        ),
        rectifications=demands,
        problems=problem_list(small_report.indicators, {}, demands),
    )
    with caplog.at_level(logging.WARNING, logger="assess.reports.fonts"):
        pdf = render_to(tmp_path, "unit.pdf", data)
    text = pdf.flat_text()
    stand_in = fonts.replacement_character()
    assert f"完善{stand_in}台账" in text
    assert f"台账{stand_in}.pdf" in text
    assert char not in text
    assert f"U+{ord(char):04X}" in caplog.text


def test_unit_name_without_glyph_prints_in_charts_and_pdf(tmp_path, small_report, caplog):
    name = small_report.unit_name + "\ue000"
    peers = tuple(
        dataclasses.replace(p, unit_name=name) if p.unit_name == small_report.unit_name else p
        for p in small_report.peers
    )
    data = dataclasses.replace(small_report, unit_name=name, peers=peers)
    with caplog.at_level(logging.WARNING, logger="assess.reports.fonts"):
        pdf = render_to(tmp_path, "unit.pdf", data)
    assert small_report.unit_name + fonts.replacement_character() in pdf.flat_text()
    assert "U+E000" in caplog.text


def test_every_chart_prints_dollar_signs_and_missing_glyphs_literally():
    stand_in = fonts.replacement_character()
    odd = f"{MATHTEXT}\ue000"
    shown = f"{MATHTEXT}{stand_in}"
    category = dataclasses.replace(sample_reports.sample_unit_report(0).categories[0], name=odd)
    rows = [
        RankingRow(1, odd, sample_reports.sample_unit_report(0).total, "优秀", False, None),
        RankingRow(2, "金水区", sample_reports.sample_unit_report(1).total, "良好", False, None),
    ]
    svgs = [
        charts.radar_chart([category, *sample_reports.sample_unit_report(0).categories[1:]]),
        charts.radar_chart([category]),  # fewer than three categories: bars
        charts.ranking_bars(rows, highlight=odd),
        charts.year_over_year_chart([dataclasses.replace(r, previous_total=r.total) for r in rows]),
        charts.grade_distribution_chart([(odd, 2), ("良好", 1)]),
        # rows are labelled by code (the names print under the figure), columns by unit
        charts.heatmap_chart(HeatMap(("A1 知晓率",), (odd, "中原区"), ((None, None),))),
    ]
    *lines, heatmap = svgs
    for svg in lines:
        assert "\ue000" not in svg
        # a long label may wrap (the radar's at 6 characters): its lines in order
        assert shown in re.sub(r"\s+", "", "".join(ET.fromstring(svg).itertext()))
    # the heat map stacks a column head one character a line: each prints literally
    assert "\ue000" not in heatmap
    assert all(f">{char}<" in heatmap for char in shown if char not in "\\$")
    assert heatmap.count(">$<") == MATHTEXT.count("$")


def test_city_summary_with_hostile_unit_names(tmp_path):
    data = sample_reports.sample_city_summary()
    kind = data.rankings[0]
    first = dataclasses.replace(kind.rows[0], unit_name=f"{MATHTEXT}\ue000")
    rankings = (dataclasses.replace(kind, rows=(first, *kind.rows[1:])), *data.rankings[1:])
    pdf = render_to(tmp_path, "city.pdf", dataclasses.replace(data, rankings=rankings))
    assert "经费$" in pdf.flat_text()


def test_strict_check_still_names_the_characters():
    with pytest.raises(fonts.MissingGlyphError) as caught:
        fonts.ensure_coverage("中原\ue000区")
    assert caught.value.characters == "\ue000"
    assert render.render_unit_report  # the PDF path no longer uses the strict check
