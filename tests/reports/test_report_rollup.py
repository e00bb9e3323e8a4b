"""The assessments a county's own office ran (本级组织的考核, issue 16 item 3) in the
county's report (a sentence per assessment) and in the city summary (a table), read back
from the PDF; neither prints the section when there is nothing to report."""

from __future__ import annotations

import dataclasses

import pytest

from assess.reports.data import OwnAssessmentRow
from tests.reports.report_helpers import cell_texts, glyphs_crossing_rules, render_to, text_boxes

pytestmark = pytest.mark.pure

GRADES = (("优秀", 1), ("良好", 0), ("合格", 1), ("不合格", 0))
PUBLISHED = OwnAssessmentRow(
    "金水区", "金水区", "2012年度金水区乡镇考核", "结果已公布", True, 2, "乡（镇、办）", GRADES
)
RUNNING = OwnAssessmentRow(
    "金水区", "经八路街道", "经八路街道社区考核", "自评填报中", False, 1, "社区（村）"
)
OTHER = OwnAssessmentRow(
    "二七区", "二七区", "2012年度二七区乡镇考核", "督查核查中", False, 1, "乡（镇、办）"
)


def test_the_county_report_says_how_its_assessments_came_out(pdf_dir, unit_data):
    data = dataclasses.replace(unit_data, own_assessments=(PUBLISHED, RUNNING))
    pdf = render_to(pdf_dir, "unit-rollup.pdf", data)
    assert pdf.warnings == []
    text = pdf.flat_text()
    assert "本级组织考核情况" in text
    assert (
        "金水区组织2012年度金水区乡镇考核，对2个乡（镇、办）进行考核，结果已公布："
        "优秀1个、良好0个、合格1个、不合格0个。"
    ) in text
    assert (
        "经八路街道组织经八路街道社区考核，对1个社区（村）进行考核，"
        "考核结果尚未公布（自评填报中）。"
    ) in text


def test_no_own_assessment_no_section(unit_pdf, city_pdf):
    assert "本级组织考核情况" not in unit_pdf.flat_text()
    assert "各单位组织考核情况" not in city_pdf.flat_text()


def test_the_city_summary_tables_the_counties_assessments(pdf_dir, city_data):
    data = dataclasses.replace(city_data, own_assessments=(PUBLISHED, RUNNING, OTHER))
    pdf = render_to(pdf_dir, "city-rollup.pdf", data)
    assert pdf.warnings == []
    text = pdf.flat_text()
    assert "各单位组织考核情况" in text
    assert "本年度，2个单位组织了对下辖单位的考核，共3项，其中结果已公布1项。" in text
    assert "优秀1个、良好0个、合格1个、不合格0个" in text
    assert "尚未公布（督查核查中）" in text
    names = [c[3] for page in cell_texts(pdf) for c in page]
    assert "2012年度二七区乡镇考核" in names
    assert glyphs_crossing_rules(pdf) == []
    # Each header stays on one line (考核单位数 once left 数 alone beneath it).
    page = next(n for n, text in enumerate(pdf.pages(), 1) if "各单位组织考核情况" in text)
    lines = [box[4] for box in text_boxes(pdf, page)]
    assert any("考核单位数" in line for line in lines), lines
    assert "数" not in lines
