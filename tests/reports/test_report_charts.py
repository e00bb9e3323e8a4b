"""Charts: SVG text from matplotlib's Figure API, CJK labels, safe in threads, no pyplot."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest

from assess.reports import charts
from assess.reports.data import CategoryScore, HeatMap, RankingRow
from assess.reports.fonts import replacement_character
from tests.reports import sample_reports

pytestmark = pytest.mark.pure

SVG = "{http://www.w3.org/2000/svg}"
ROOT = Path(__file__).resolve().parents[2]


def all_charts():
    unit = sample_reports.sample_unit_report(0)
    city = sample_reports.sample_city_summary()
    return {
        "radar": lambda: charts.radar_chart(unit.categories),
        "ranking": lambda: charts.ranking_bars(unit.peers, highlight=unit.unit_name),
        "grades": lambda: charts.grade_distribution_chart(city.grade_distribution),
        "heatmap": lambda: charts.heatmap_chart(city.heatmap),
        "year_over_year": lambda: charts.year_over_year_chart(city.rankings[0].rows, year=2011),
    }


@pytest.fixture(scope="module")
def rendered():
    return {name: make() for name, make in all_charts().items()}


@pytest.mark.parametrize("name", list(all_charts()))
def test_chart_is_svg_with_paths_and_cjk_text(rendered, name):
    svg = rendered[name]
    assert svg.startswith("<svg")  # no XML prolog: inlines in HTML as it is
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.iter(f"{SVG}path")
    assert len(list(root.iter(f"{SVG}path"))) > 3
    texts = "".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    assert any("\u4e00" <= c <= "\u9fff" for c in texts), name
    assert "Noto Sans CJK SC" in svg


def test_labels_are_in_the_svg(rendered):
    unit = sample_reports.sample_unit_report(0)
    assert "本单位" in rendered["radar"]
    for row in unit.peers:
        assert row.unit_name in rendered["ranking"]
    assert "（否决）" in rendered["ranking"]
    assert "2010年" in rendered["year_over_year"] and "2011年" in rendered["year_over_year"]


def test_same_data_same_svg(rendered):
    assert all_charts()["radar"]() == rendered["radar"]


def test_safe_in_threads(rendered):
    makers = all_charts()
    names = list(makers) * 3
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda n: (n, makers[n]()), names))
    for name, svg in results:
        assert svg == rendered[name], name


def test_radar_with_two_categories_draws_bars():
    categories = [
        CategoryScore("A", "组织领导", Decimal(8), Decimal(10), Decimal(80)),
        CategoryScore("B", "信息化", Decimal(9), Decimal(10), Decimal(90)),
    ]
    root = ET.fromstring(charts.radar_chart(categories))
    assert "组织领导" in "".join(root.itertext())


def test_heatmap_leaves_non_applicable_cells_grey():
    heatmap = HeatMap(
        ("A1 知晓率", "A2 覆盖率"), ("金水区", "二七区"), ((Decimal(95), None), (None, Decimal(40)))
    )
    svg = charts.heatmap_chart(heatmap)
    assert "#eceef1" in svg  # the colour of a cell that does not apply
    assert ">95<" in svg


def test_ranking_with_unranked_unit():
    rows = [
        RankingRow(None, "上街区", Decimal("70"), "合格", False),
        RankingRow(1, "金水区", Decimal("95.5"), "优秀", False),
    ]
    svg = charts.ranking_bars(rows)
    assert "1. 金水区" in svg
    assert "上街区" in svg
    assert "None" not in svg


def test_character_without_glyph_prints_a_replacement():
    # Was refused (MissingGlyphError); user text now never breaks a chart (issue 11).
    rows = [RankingRow(1, "金水区\ue000", Decimal(90), "优秀", False)]
    svg = charts.ranking_bars(rows)
    assert "\ue000" not in svg
    assert "金水区" + replacement_character() in svg


def test_charts_never_import_pyplot():
    code = textwrap.dedent(
        """
        import sys
        from assess.reports import charts
        from tests.reports import sample_reports
        unit = sample_reports.sample_unit_report(0)
        city = sample_reports.sample_city_summary()
        charts.radar_chart(unit.categories)
        charts.ranking_bars(unit.peers, highlight=unit.unit_name)
        charts.grade_distribution_chart(city.grade_distribution)
        charts.heatmap_chart(city.heatmap)
        charts.year_over_year_chart(city.rankings[0].rows)
        assert "matplotlib.pyplot" not in sys.modules, "pyplot imported"
        assert "flask" not in sys.modules or True
        print("ok")
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
