"""Sane bounds (合理范围) per measure: an indicator's own ``min``/``max``, the defaults for
counts, amounts and a rate's counts, the checks on the bounds themselves, and the offline
command refusing an absurd number on its line."""

from __future__ import annotations

from decimal import Decimal

import pytest
from click.testing import CliRunner

from assess.cli.offline_scoring import score_command
from scoring.dumper import dump_indicator_set
from scoring.loader import IndicatorSetError, parse_indicator_set
from scoring.spreadsheets import set_from_xlsx, set_to_xlsx
from scoring.values import Rate, parse_value, parser_for

pytestmark = pytest.mark.pure

D = Decimal


@pytest.fixture(scope="module")
def indicators(build_set):
    indicator_set = build_set(
        {"code": "C", "measure": "count", "rule": "threshold", "target": 4, "weight": 1},
        {"code": "M", "measure": "amount", "rule": "ratio", "target": 5, "weight": 1},
        {"code": "R", "measure": "rate", "rule": "threshold", "target": 95, "weight": 1},
        {"code": "K", "measure": "count", "rule": "threshold", "target": 4, "weight": 1,
         "max": 12},
        {"code": "P", "measure": "rate", "rule": "threshold", "target": 5, "weight": 1,
         "direction": "lower", "min": 1, "max": 20},
    )  # fmt: skip
    return {indicator.code: indicator for indicator in indicator_set.indicators()}


@pytest.mark.parametrize(
    ("code", "text", "value"),
    [
        ("C", "10000000", D(10**7)),  # the default range's upper end is allowed
        ("M", "1000000000000", D(10**12)),
        ("R", "10000000/10000000", Rate(D(10**7), D(10**7))),
        ("K", "12", D(12)),
        ("P", "1%", Rate(D(1), D(100))),
        ("P", "20/100", Rate(D(20), D(100))),
    ],
)
def test_values_inside_the_range_are_accepted(indicators, code, text, value):
    assert parse_value(indicators[code], text) == value
    assert parser_for(indicators[code])(text) == value


@pytest.mark.parametrize(
    ("code", "text", "message"),
    [
        ("C", "10000001", "数值超出范围：10000001（应在 0 至 10,000,000 之间）"),
        ("C", "1e999", "数值超出范围：1e999（应在 0 至 10,000,000 之间）"),
        ("M", "1e13", "数值超出范围：1e13（应在 0 至 1,000,000,000,000 之间）"),
        ("R", "5/20000000", "分子、分母超出范围：5/20000000（每项应在 0 至 10,000,000 之间）"),
        ("K", "13", "数值超出范围：13（应在 0 至 12 之间）"),
        ("P", "0.5%", "数值超出范围：0.5%（应在 1 至 20% 之间）"),
        ("P", "30/100", "数值超出范围：30/100（应在 1 至 20% 之间）"),
    ],
)
def test_absurd_values_are_refused_with_the_range(indicators, code, text, message):
    with pytest.raises(ValueError) as refused:
        parse_value(indicators[code], text)
    assert str(refused.value) == message
    with pytest.raises(ValueError):
        parser_for(indicators[code])(text)


def test_a_stored_value_reads_back_without_the_range(indicators):
    assert parse_value(indicators["K"], "13", check_bounds=False) == D(13)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"measure": "grade", "rule": "grade", "max": 3}, "grade 类指标不设取值范围"),
        ({"measure": "count", "rule": "threshold", "target": 4, "min": -1}, "不能为负数"),
        ({"measure": "rate", "rule": "threshold", "target": 4, "max": 120}, "比率不能超过 100"),
        ({"measure": "count", "rule": "threshold", "target": 4, "min": 9, "max": 3},
         "上限 3 须不低于下限 9"),
        ({"measure": "count", "rule": "threshold", "target": 40, "max": 30},
         "目标值 40 不在取值范围 0–30 内"),
        ({"measure": "count", "rule": "threshold", "target": 4, "max": "很多"},
         "“很多”不是有效的数字"),
    ],
)  # fmt: skip
def test_bad_bounds_are_refused_when_the_set_is_read(build_set, fields, message):
    with pytest.raises(IndicatorSetError) as refused:
        build_set({"code": "X", "weight": 1} | fields)
    assert message in str(refused.value)


def test_bounds_survive_yaml_and_xlsx_round_trips(build_set):
    indicator_set = build_set(
        {"code": "K", "measure": "count", "rule": "threshold", "target": 4, "weight": 1,
         "min": 1, "max": 12},
    )  # fmt: skip
    text = dump_indicator_set(indicator_set)
    assert "min: 1" in text and "max: 12" in text
    assert parse_indicator_set(text, "again.yaml") == indicator_set
    assert set_from_xlsx(set_to_xlsx(indicator_set), "again.xlsx") == indicator_set


def test_a_set_without_bounds_reads_as_before(build_set):
    indicator = build_set(
        {"code": "K", "measure": "count", "rule": "threshold", "target": 4, "weight": 1}
    ).indicators()[0]
    assert (indicator.min_value, indicator.max_value) == (None, None)
    assert "min" not in dump_indicator_set(build_set(
        {"code": "K", "measure": "count", "rule": "threshold", "target": 4, "weight": 1}
    )).split("categories:")[1]  # fmt: skip


def test_offline_scoring_refuses_an_absurd_number_on_its_line(tmp_path):
    indicators = tmp_path / "set.yaml"
    indicators.write_text(
        "program: 测试\nyear: 2026\ngrades:\n  - {min: 0, grade: 合格}\ncategories:\n"
        "  - code: A\n    name: 测试\n    indicators:\n"
        "      - {code: C, name: 会议次数, applies_to: [county], measure: count, unit: 次,"
        " target: 4, weight: 10, rule: threshold, max: 365}\n",
        encoding="utf-8",
    )
    values = tmp_path / "VALUES.csv"
    values.write_text(
        "unit_code,unit_name,unit_kind,indicator_code,value\n"
        "410102,中原区,county,C,4\n410103,二七区,county,C,4000\n",
        encoding="utf-8",
    )
    output = tmp_path / "out.json"
    result = CliRunner().invoke(
        score_command, ["--indicators", str(indicators), "--values", str(values), "-o", str(output)]
    )
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "VALUES.csv:3: 指标 C 的值“4000”：数值超出范围：4000（应在 0 至 365 次 之间）"
    ]
    assert not output.exists()
