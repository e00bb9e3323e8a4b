"""The published charts as pages show them, from the data the city summary PDF prints
(no database): the PDF's chart functions, titles, data tables with the PDF's figures, the
heat map split as the PDF splits it, and SVG that scales to a phone."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from decimal import Decimal

import pytest

from assess.reports import charts, render, web_figures
from assess.reports.page_figure import for_page
from tests.reports import sample_reports

pytestmark = pytest.mark.pure

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def city():
    return sample_reports.sample_city_summary()


@pytest.fixture(scope="module")
def figures(city):
    return web_figures.figures_of(city)


def _root(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_for_page_scales_the_svg_and_keeps_its_ids_apart():
    drawn = charts.grade_distribution_chart([("优秀", 2), ("良好", 3)])
    page = for_page(drawn, "grades")
    root = _root(page)
    assert "width" not in root.attrib and "height" not in root.attrib
    assert root.attrib["viewBox"] == _root(drawn).attrib["viewBox"]
    assert root.attrib["role"] == "img" and root.attrib["aria-labelledby"] == "grades-title"
    # drawn at 4.2 in: 403 px at most, a phone shrinks it
    assert root.attrib["style"] == "max-width: 403px"
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert ids and all(i.startswith("grades-") for i in ids)
    references = re.findall(r'(?:url\(#|href="#)([^")]+)', page)
    assert references and set(references) <= set(ids)
    # two charts on one page share no id
    other = for_page(charts.grade_distribution_chart([("优秀", 1)]), "other")
    assert not set(ids) & set(re.findall(r'\bid="([^"]+)"', other))


def test_for_page_adds_a_view_box_from_the_size():
    page = for_page('<svg width="72pt" height="36pt"><g id="a"/></svg>', "k", grow=2)
    root = _root(page)
    assert root.attrib["viewBox"] == "0 0 72 36" and root.attrib["style"] == "max-width: 192px"
    with pytest.raises(ValueError):
        for_page("<p>no chart</p>", "k")


def test_each_kind_has_its_ranking_bars_with_the_pdf_table(city, figures):
    assert [kind for kind, _f in figures.rankings] == ["county", "department"]
    for ranking in city.rankings:
        fig = figures.ranking(ranking.kind)
        assert fig.title == f"{ranking.kind_label}考核总得分"  # the PDF's figure title
        assert fig.table.columns == ("排名", "单位", "总得分", "等次")
        assert [row[1] for row in fig.table.rows] == [
            r.unit_name + ("（否决）" if r.veto else "") for r in ranking.rows
        ]
        assert [row[2] for row in fig.table.rows] == [render.num(r.total) for r in ranking.rows]
        assert all(re.fullmatch(r"\d+\.\d\d", row[2]) for row in fig.table.rows)
        # the very chart function the PDF calls, at the width pages draw it
        drawn = charts.ranking_bars(ranking.rows, width=charts.SCREEN_WIDTH)
        assert fig.svg == for_page(drawn, fig.key, grow=1.35)
        for row in ranking.rows:
            assert row.unit_name in fig.svg


def test_the_grade_distribution_counts_every_unit(city, figures):
    fig = figures.grades
    assert fig.title == "考核等次分布"
    assert fig.table.rows == tuple((g, str(n)) for g, n in city.grade_distribution)
    assert sum(int(n) for _g, n in fig.table.rows) == sum(len(k.rows) for k in city.rankings)


def test_the_heat_map_is_split_as_the_pdf_splits_it(city, figures):
    parts = list(render.split_heatmap(city.heatmap, render.HEATMAP_ROWS_PER_FIGURE))
    assert len(parts) > 1 and len(figures.heatmaps) == len(parts)
    assert figures.heatmap_kind == "county"
    for n, (fig, part) in enumerate(zip(figures.heatmaps, parts, strict=True), start=1):
        assert fig.wide and fig.title.endswith(f"（之{render.cn_number(n)}）")
        assert fig.legend == part.indicator_labels  # code → full name, as under the PDF's
        assert fig.table.columns == ("指标", *part.unit_labels)
        for row, label, values in zip(
            fig.table.rows, part.indicator_labels, part.values, strict=True
        ):
            assert row == (label, *(render.num(v) for v in values))
    assert figures.of_kind("county")[-len(parts) :] == list(figures.heatmaps)
    assert not set(figures.of_kind("department")) & set(figures.heatmaps)


def test_year_on_year_only_where_last_year_has_totals(city, figures):
    counties = city.rankings[0]
    fig = figures.change("county")
    assert fig.title == f"{counties.kind_label}总得分与上年度比较"
    assert fig.table.columns == ("单位", "总得分", "上年得分", "增减")
    for row, r in zip(fig.table.rows, counties.rows, strict=True):
        assert row[2] == render.num(r.previous_total)
        assert row[3] == (
            "—" if r.previous_total is None else render.signed(r.total - r.previous_total)
        )
    without = replace(
        city,
        rankings=tuple(
            replace(k, rows=tuple(replace(r, previous_total=None) for r in k.rows))
            for k in city.rankings
        ),
    )
    assert web_figures.figures_of(without).changes == ()


def test_a_kind_too_large_to_chart_keeps_its_table_only(city):
    many = tuple(
        replace(city.rankings[1].rows[0], unit_name=f"单位{i}", rank=i + 1, total=Decimal(80))
        for i in range(web_figures.WEB_UNIT_LIMIT + 1)
    )
    data = replace(city, rankings=(city.rankings[0], replace(city.rankings[1], rows=many)))
    figures = web_figures.figures_of(data)
    assert [kind for kind, _f in figures.rankings] == ["county"]
    assert figures.too_many == (city.rankings[1].kind_label,)
    assert figures.grades is not None


def test_every_figure_has_a_unique_key_and_a_view_box(figures):
    every = figures.every()
    assert len({f.key for f in every}) == len(every)
    for fig in every:
        root = _root(fig.svg)
        assert root.attrib["viewBox"] and root.attrib["aria-labelledby"] == fig.title_id
