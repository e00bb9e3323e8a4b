"""Small formatting rules of the print templates, and the Jinja environment."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from assess.reports import render
from assess.reports.data import HeatMap

pytestmark = pytest.mark.pure


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("87.5"), "87.50"),
        (Decimal("2.345"), "2.35"),
        (Decimal("2.344"), "2.34"),
        (0, "0.00"),
        (None, "—"),
        (89.125, "89.13"),
    ],
)
def test_num_rounds_half_up(value, expected):
    assert render.num(value) == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [(1, "一"), (9, "九"), (10, "十"), (12, "十二"), (20, "二十"), (35, "三十五"), (100, "100")],
)
def test_cn_number(n, expected):
    assert render.cn_number(n) == expected


def test_cn_date_uses_arabic_figures():
    assert render.cn_date(date(2012, 1, 6)) == "2012年1月6日"


def test_signed():
    assert render.signed(Decimal("2.5")) == "+2.50"
    assert render.signed(Decimal("-1.255")) == "-1.26"
    assert render.signed(Decimal("0")) == "0.00"


def test_css_family_cannot_break_out_of_style():
    assert render.css_family('Evil"</style><script>') == '"Evil/stylescript"'


def test_templates_translate_through_scoring_i18n(monkeypatch):
    seen = []
    monkeypatch.setattr(render, "_", lambda message, **params: seen.append(message) or message)
    template = render.environment().from_string('{{ _("总得分") }}{{ _("第%(n)s位", n=3) }}')
    assert template.render() == "总得分第3位"
    assert seen == ["总得分", "第%(n)s位"]


def test_heatmap_split_evenly():
    heatmap = HeatMap(
        tuple(f"I{i}" for i in range(58)), ("a", "b"), tuple((Decimal(1), None) for _ in range(58))
    )
    parts = list(render.split_heatmap(heatmap, 30))
    assert [len(p.indicator_labels) for p in parts] == [29, 29]
    assert parts[1].indicator_labels[0] == "I29"
    assert parts[1].values[0] == (Decimal(1), None)


@pytest.mark.parametrize(
    ("program", "subject", "expected"),
    [
        ("郑州市流动人口基本公共服务均等化考核", "", "流动人口基本公共服务均等化工作"),
        ("流动人口基本公共卫生计生服务考核", "", "流动人口基本公共卫生计生服务工作"),
        ("郑州市流动人口基本公共服务均等化考核", "十类典型培育工作", "十类典型培育工作"),
        # A closing group naming whom the set assesses is dropped, nested or not.
        (
            "郑州市流动人口基本公共服务均等化考核（县（市、区））",
            "",
            "流动人口基本公共服务均等化工作",
        ),
        ("郑州市流动人口基本公共服务均等化考核（成员单位）", "", "流动人口基本公共服务均等化工作"),
    ],
)
def test_unit_report_subject(program, subject, expected):
    import dataclasses

    from tests.reports import sample_reports

    data = dataclasses.replace(
        sample_reports.sample_unit_report(0), program=program, subject=subject
    )
    assert render.unit_report_subject(data) == expected
    assert render.unit_report_title(data) == f"中原区2011年度{expected}督查报告"


def test_heatmap_split_by_units_too():
    heatmap = HeatMap(
        ("I1", "I2"), tuple(f"U{j}" for j in range(30)), tuple(tuple(range(30)) for _ in range(2))
    )
    parts = list(render.split_heatmap(heatmap, 30))
    assert [len(p.unit_labels) for p in parts] == [15, 15]
    assert parts[1].unit_labels[0] == "U15"
    assert parts[1].values == ((*range(15, 30),), (*range(15, 30),))


def test_stored_utc_times_print_in_local_time_as_on_the_web():
    # Evidence upload times are stored as naive UTC, like every time in the database.
    template = render.environment().from_string("{{ t|local_time }}")
    assert template.render(t=datetime(2011, 11, 8, 17, 30)) == "2011-11-09 01:30"
