"""Charts: SVG text from matplotlib's Figure API, CJK labels, safe in threads, no pyplot."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from assess.reports import charts, render
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
        "submission_progress": lambda: charts.submission_progress_chart(
            [(date(2011, 11, 1), 0), (date(2011, 11, 8), 5), (date(2011, 11, 21), 16)],
            16,
            date(2011, 11, 20),
        ),
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
    assert ">95.00<" in svg and ">40.00<" in svg  # as the tables print them


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


def _texts(svg: str) -> list[tuple[str, float, str]]:
    """(text, font size in pt, fill) of every <text> of a chart (1 SVG px = 1 pt)."""
    out = []
    for element in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text"):
        style = dict(
            part.split(":", 1) for part in (element.get("style") or "").split(";") if ":" in part
        )
        size = float(
            style.get(" font-size", style.get("font-size", "0")).strip().removesuffix("px")
        )
        fill = style.get(" fill", style.get("fill", "#000000")).strip()
        out.append(("".join(element.itertext()), size, fill))
    return out


def test_heatmap_prints_every_cell_legibly_in_grey():
    """Every applicable cell carries its rate as the tables print it, at 7 pt or more, in
    the ink that contrasts with its shade; rows are labelled by code (the names go under
    the figure); darker always means higher, so grey print keeps the order."""
    city = sample_reports.sample_city_summary()
    part = next(render.split_heatmap(city.heatmap, render.HEATMAP_ROWS_PER_FIGURE))
    texts = _texts(charts.heatmap_chart(part))
    cells = [t for t in texts if re.fullmatch(r"\d+\.\d\d", t[0])]
    expected = [f"{v:.2f}" for row in part.values for v in row if v is not None]
    assert sorted(t[0] for t in cells) == sorted(expected)
    assert all(size >= 7 for _text, size, _fill in texts if _text.strip())
    labels = {t[0] for t in texts}
    for label in part.indicator_labels:
        code, name = label.split(" ", 1)
        assert code in labels and not any(name in t for t in labels)
    for text, _size, fill in cells:
        dark = float(text) >= 80
        light = float(text) <= 20
        if dark:
            assert fill.lower() in ("#ffffff", "white"), text
        if light:
            assert fill.lower() in ("#000000", "black"), text
    greys = [sum(charts.ATTAINMENT_CMAP(x / 10)[:3]) for x in range(11)]
    assert greys == sorted(greys, reverse=True)  # lightness falls as the rate rises


def test_radar_labels_stay_clear_of_the_ring_and_the_polygon():
    """Each category label lies wholly outside the outer ring (hence off the polygon,
    which never leaves it), measured on the drawn figure."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    unit = sample_reports.sample_unit_report(0)
    fig = charts.radar_figure(unit.categories)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    ax = fig.axes[0]
    centre = ax.transData.transform((0, 0))
    ring = abs(ax.transData.transform((0, 100))[1] - centre[1])
    names = {c.name for c in unit.categories}
    labels = [t for t in ax.texts if t.get_text().replace("\n", "") in names]
    assert len(labels) == len(names)
    for label in labels:
        box = label.get_window_extent(renderer)
        nearest_x = min(max(centre[0], box.x0), box.x1)
        nearest_y = min(max(centre[1], box.y0), box.y1)
        distance = ((nearest_x - centre[0]) ** 2 + (nearest_y - centre[1]) ** 2) ** 0.5
        assert distance > ring, label.get_text()
        assert box.x0 >= 0 and box.x1 <= fig.bbox.width, label.get_text()  # not cut off


def test_chart_figures_have_the_tables_decimals():
    rows = [
        RankingRow(1, "金水区", Decimal("95.5"), "优秀", False, previous_total=Decimal("90")),
        RankingRow(2, "二七区", Decimal("88.25"), "良好", False, previous_total=Decimal("89")),
    ]
    bars = {t[0] for t in _texts(charts.ranking_bars(rows))}
    assert {"95.50", "88.25"} <= bars
    unit = sample_reports.sample_unit_report(0)
    radar = {t[0] for t in _texts(charts.radar_chart(unit.categories))}
    assert {f"{c.percent:.2f}" for c in unit.categories} <= radar


def test_submission_progress_marks_the_total_and_the_due_date(rendered):
    svg = rendered["submission_progress"]
    for label in ("已提交单位", "参评单位 16 个", "自评截止 11月20日"):
        assert label in svg, label
    assert len(re.findall(r">11月\d+日<", svg)) >= 2  # days on the axis as pages write them
    # one day alone still has a width to draw on
    alone = charts.submission_progress_chart([(date(2011, 11, 1), 0)], 3)
    assert "参评单位 3 个" in alone and "自评截止" not in alone


def test_submission_progress_across_years_writes_the_year():
    # Opened in 2026 with the self-report due in 2030: no tick may read a bare 1月1日.
    svg = charts.submission_progress_chart(
        [(date(2026, 12, 4), 0), (date(2026, 12, 5), 2), (date(2026, 12, 6), 2)],
        3,
        due=date(2030, 12, 31),
    )
    ticks = re.findall(r">(\d{4}年)?(\d+月\d+日)<", svg)
    assert len(ticks) >= 3
    assert all(year for year, _day in ticks), ticks
    assert len(set(ticks)) == len(ticks)  # no two ticks read alike
    assert "自评截止 2030年12月31日" in svg
