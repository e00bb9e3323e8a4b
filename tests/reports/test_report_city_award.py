"""The city summary report and the award list (表彰名单)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from assess.reports import render
from assess.reports.data import AuditFingerprint
from tests.reports import sample_reports
from tests.reports.report_helpers import render_to, text_boxes

pytestmark = pytest.mark.pure


def test_city_summary_content(city_pdf, city_data):
    assert city_pdf.warnings == []
    text = city_pdf.flat_text()
    assert "2011年度考核结果汇总报告" in text
    for kind in city_data.rankings:
        assert kind.kind_label in text
        for row in kind.rows:
            assert row.unit_name in text
            assert render.num(row.total) in text
    counts = "、".join(f"{grade}{count}个" for grade, count in city_data.grade_distribution)
    assert f"考核等次为：{counts}" in text
    assert "新密市因存在一票否决事项" in text
    assert "与上年度相比" in text


def test_city_summary_ranking_rows(city_pdf, city_data):
    """A ranking row reads rank, unit, total, grade, last year, change."""
    lines = city_pdf.text(layout=True).splitlines()
    for row in city_data.rankings[0].rows[:5]:
        line = next(line for line in lines if line.split()[:2] == [str(row.rank), row.unit_name])
        change = render.signed(row.total - row.previous_total)
        assert line.split()[2:] == [
            render.num(row.total),
            row.grade,
            render.num(row.previous_total),
            change,
        ]


def test_city_summary_layout_and_size(city_pdf):
    info = city_pdf.info()
    assert info["Page size"].startswith("595.276 x 841.89 pts (A4)")
    assert int(info["Pages"]) > 4
    assert all((f["emb"], f["sub"], f["uni"]) == ("yes",) * 3 for f in city_pdf.fonts())
    # The heat map prints every cell's rate (issue 15 item 12): WeasyPrint 70 draws each
    # SVG text as a Form XObject of ~0.6 KB, ~900 of them here, which doubled the file;
    # the budget follows until the figures are drawn more cheaply.
    assert len(city_pdf.data) <= 900_000


def test_city_summary_heat_map_split_in_parts(city_pdf, city_data):
    text = city_pdf.flat_text()
    assert len(city_data.heatmap.indicator_labels) > render.HEATMAP_ROWS_PER_FIGURE
    assert "各项指标得分率（%）（之一）" in text
    assert "各项指标得分率（%）（之二）" in text


def test_city_summary_without_last_year_or_heat_map(pdf_dir, city_data):
    rankings = tuple(
        dataclasses.replace(
            kind, rows=tuple(dataclasses.replace(r, previous_total=None) for r in kind.rows)
        )
        for kind in city_data.rankings
    )
    data = dataclasses.replace(city_data, rankings=rankings, heatmap=None, previous_year=None)
    pdf = render_to(pdf_dir, "city-first-year.pdf", data)
    text = pdf.flat_text()
    assert "与上年度比较" not in text
    assert "指标完成情况" not in text
    assert pdf.warnings == []


def test_city_summary_prints_the_audit_fingerprint(pdf_dir, city_data, city_pdf):
    data = dataclasses.replace(city_data, audit=AuditFingerprint(87, "00ff00ff00ff00ff"))
    pdf = render_to(pdf_dir, "city-fingerprint.pdf", data)
    assert "审计链指纹：00ff00ff00ff00ff（发布时共87条审计记录" in pdf.flat_text()
    assert pdf.warnings == []
    assert "审计链指纹" not in city_pdf.flat_text()


def test_award_list(award_pdf, award_data):
    assert award_pdf.warnings == []
    text = award_pdf.flat_text()
    assert award_data.title.replace("\n", "") in text
    for index, category in enumerate(award_data.categories, start=1):
        name = category.name.replace("(", "（").replace(")", "）")  # full-width brackets
        counted = "名" if category.persons else "个"
        assert f"{render.cn_number(index)}、{name}（{len(category.nominees)}{counted}）" in text
        for awardee in category.nominees:
            assert f"{awardee.name}{awardee.work_unit}{awardee.position}" in text
    for office in award_data.issuing_offices:
        assert office in text
    assert "2013年12月20日" in text
    persons = sum(len(c.nominees) for c in award_data.categories if c.persons)
    assert 0 < persons < 30  # the sample commends both
    assert f"（共{30 - persons}个单位、{persons}名个人）" in text
    assert "(" not in text and ")" not in text
    # 附件 at the top left of the first page, above the title (GB/T 9704 §8)
    boxes = sorted(text_boxes(award_pdf, 1), key=lambda b: b[1])
    assert boxes[0][4] == "附件" and abs(boxes[0][0] - 28 * 72 / 25.4) < 1
    assert all((f["emb"], f["sub"], f["uni"]) == ("yes",) * 3 for f in award_pdf.fonts())
    assert award_pdf.info()["Page size"].startswith("595.276 x 841.89 pts (A4)")


def test_award_list_title_breaks_where_asked(award_pdf):
    first_page = award_pdf.pages()[0].splitlines()
    assert "郑州市培育十类典型促进流动人口社会融合" in first_page
    assert "先进集体和先进个人表彰名单" in first_page


def test_award_list_with_scores(pdf_dir):
    data = sample_reports.sample_award_list(with_scores=True)
    pdf = render_to(pdf_dir, "award-scores.pdf", data)
    text = pdf.flat_text()
    score = data.categories[0].nominees[0].score
    assert isinstance(score, Decimal)
    assert render.num(score) in text
    assert "名次" in text
    assert pdf.warnings == []
