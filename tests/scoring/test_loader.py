"""Reading, validating and writing indicator sets (SPEC §3): every problem reported at
once, each naming the file, line, indicator code and field; YAML read as typed; and
``dump_indicator_set`` read back to an equal set."""

from __future__ import annotations

from decimal import Decimal

import pytest

from indicators import load_shipped_set, shipped_sets
from scoring.dumper import dump_indicator_set
from scoring.loader import IndicatorSetError, load_indicator_set, parse_indicator_set
from scoring.model import GradeBand, Indicator, Tier

pytestmark = pytest.mark.pure

D = Decimal

SPEC_EXAMPLE = """\
program: 郑州市流动人口基本公共服务均等化考核
year: 2011
source: 郑政办〔2010〕90号
grades:                      # first band whose min <= total wins
  - {min: 90, grade: 优秀}
  - {min: 80, grade: 良好}
  - {min: 60, grade: 合格}
  - {min: 0,  grade: 不合格}
categories:
  - code: A
    name: 宣传教育服务
    indicators:
      - code: A1
        name: 流动人口计划生育政策知晓率
        applies_to: [county]           # unit kinds; may also list unit codes
        measure: rate                  # rate | count | amount | boolean | grade
        unit: "%"
        target: 95
        direction: higher              # higher (default) | lower
        weight: 10                     # points
        rule: linear                   # see below
        floor: 60
        evidence: [抽样调查汇总表, 宣传活动记录]
        source: "郑政办〔2010〕90号 三(四)1"
"""


def test_the_spec_example():
    indicator_set = parse_indicator_set(SPEC_EXAMPLE, "example.yaml")
    assert (indicator_set.program, indicator_set.year) == (
        "郑州市流动人口基本公共服务均等化考核",
        2011,
    )
    assert indicator_set.grades[0] == GradeBand(D(90), "优秀")
    assert indicator_set.indicator("A1") == Indicator(
        code="A1",
        name="流动人口计划生育政策知晓率",
        category_code="A",
        applies_to=("county",),
        measure="rate",
        unit="%",
        target=D(95),
        direction="higher",
        weight=D(10),
        rule="linear",
        floor=D(60),
        evidence=("抽样调查汇总表", "宣传活动记录"),
        source="郑政办〔2010〕90号 三(四)1",
    )


def _with(replacement: str, original: str = "        floor: 60\n") -> str:
    assert original in SPEC_EXAMPLE
    return SPEC_EXAMPLE.replace(original, replacement)


# (YAML edit, the message expected); each message names file, line, code and field.
PROBLEMS = [
    (
        _with("        weight: 0\n", "        weight: 10                     # points\n"),
        "example.yaml:20: 指标 A1 的 weight：权重须大于 0",
    ),
    (
        _with("        weight: -5\n", "        weight: 10                     # points\n"),
        "example.yaml:20: 指标 A1 的 weight：权重须大于 0",
    ),
    (
        _with("        weight: 10.125\n", "        weight: 10                     # points\n"),
        "example.yaml:20: 指标 A1 的 weight：权重最多两位小数",
    ),
    (
        _with("        weight: ten\n", "        weight: 10                     # points\n"),
        "example.yaml:20: 指标 A1 的 weight：“ten”不是有效的数字",
    ),
    (_with("        floor: 95\n"), "example.yaml:22: 指标 A1 的 floor：下限 95 须低于目标值 95"),
    (_with("        floor: 99\n"), "example.yaml:22: 指标 A1 的 floor：下限 99 须低于目标值 95"),
    (
        _with(
            "        direction: lower\n",
            "        direction: higher              # higher (default) | lower\n",
        ),
        "example.yaml:22: 指标 A1 的 floor：direction lower 时下限 60 须高于目标值 95",
    ),
    (_with(""), "example.yaml:13: 指标 A1 的 floor：规则 linear 须填写此字段"),
    (
        _with("        rule: graded\n", "        rule: linear                   # see below\n"),
        "example.yaml:21: 指标 A1 的 rule：未知评分规则“graded”",
    ),
    (
        _with(
            "        measure: ratio\n",
            "        measure: rate                  # rate | count | amount | boolean | grade\n",
        ),
        "example.yaml:16: 指标 A1 的 measure：未知计量方式“ratio”",
    ),
    (
        _with("        rule: grade\n", "        rule: linear                   # see below\n"),
        "example.yaml:16: 指标 A1 的 measure：规则 grade 不适用于 rate 类指标",
    ),
    (
        _with(
            "        direction: up\n",
            "        direction: higher              # higher (default) | lower\n",
        ),
        "example.yaml:19: 指标 A1 的 direction：未知方向“up”",
    ),
    (
        _with(
            "        applies_to: [countty]\n",
            "        applies_to: [county]           # unit kinds; may also list unit codes\n",
        ),
        "example.yaml:15: 指标 A1 的 applies_to：未知单位类型“countty”",
    ),
    (
        _with(
            "        applies_to: []\n",
            "        applies_to: [county]           # unit kinds; may also list unit codes\n",
        ),
        "example.yaml:15: 指标 A1 的 applies_to：至少列出一个单位类型或单位代码",
    ),
    (
        _with("        target: 120\n", "        target: 95\n"),
        "example.yaml:18: 指标 A1 的 target：比率不能超过 100",
    ),
    (
        _with("        floor: 60\n        cap: 3\n"),
        "example.yaml:23: 指标 A1 的 cap：规则 linear 不使用此字段",
    ),
    (
        _with("        floor: 60\n        wieght: 3\n"),
        "example.yaml:23: 指标 A1 的 wieght：未知字段",
    ),
    (
        _with("", '        source: "郑政办〔2010〕90号 三(四)1"\n')
        + "      - code: A1\n        name: 重复\n        applies_to: [county]\n        measure: grade\n        weight: 5\n        rule: grade\n",
        "example.yaml:24: 指标 A1 的 code：指标代码重复（第一次出现在第 13 行）",
    ),
    (
        SPEC_EXAMPLE
        + "  - code: A\n    name: 重复分类\n    indicators:\n      - {code: A9, name: x, applies_to: [county], measure: grade, weight: 5, rule: grade}\n",
        "example.yaml:25: 分类 A 的 code：分类代码重复",
    ),
    (
        _with("  - {min: 10, grade: 不合格}\n", "  - {min: 0,  grade: 不合格}\n"),
        "example.yaml:4: grades：最低等级的 min 须为 0",
    ),
    (
        _with("  - {min: 95, grade: 合格}\n", "  - {min: 60, grade: 合格}\n"),
        "example.yaml:4: grades：等级须按 min 从高到低排列",
    ),
    (_with("year: 二〇一一\n", "year: 2011\n"), "example.yaml:2: year：须为年份"),
    (
        _with("program: 一\nprogram: 二\n", "program: 郑州市流动人口基本公共服务均等化考核\n"),
        "example.yaml:2: program：重复的键",
    ),
    ("program: [unclosed\n", "example.yaml:2: YAML：语法错误"),
    ("- just a list\n", "example.yaml:1: —：文件须为 YAML 映射"),
]


@pytest.mark.parametrize(("text", "message"), PROBLEMS)
def test_each_problem_names_file_line_code_and_field(text, message):
    with pytest.raises(IndicatorSetError) as raised:
        parse_indicator_set(text, "example.yaml")
    assert any(error.startswith(message) for error in raised.value.errors), raised.value.errors


def indicator_yaml(**fields) -> str:
    base = {"code": "X", "name": "x", "applies_to": "[county]", "weight": 10}
    body = "\n".join(f"        {key}: {value}" for key, value in (base | fields).items())
    return (
        "program: p\nyear: 2011\ngrades:\n  - {min: 0, grade: 合格}\ncategories:\n"
        f"  - code: A\n    name: a\n    indicators:\n      - {body.lstrip()}\n"
    )


RULE_PROBLEMS = [
    ({"measure": "count", "rule": "deduct"}, "per_item", "规则 deduct 须填写此字段"),
    (
        {"measure": "count", "rule": "bonus", "weight": 0, "per_item": 1},
        "cap",
        "规则 bonus 须填写此字段",
    ),
    (
        {"measure": "count", "rule": "bonus", "weight": 5, "per_item": 1, "cap": 3},
        "weight",
        "加分项和一票否决项的权重须为 0",
    ),
    (
        {"measure": "boolean", "rule": "veto", "weight": 2},
        "weight",
        "加分项和一票否决项的权重须为 0",
    ),
    ({"measure": "rate", "rule": "veto", "weight": 0}, "measure", "规则 veto 不适用于 rate 类指标"),
    (
        {"measure": "count", "rule": "deduct", "per_item": 1, "direction": "lower"},
        "direction",
        "规则 deduct 不区分方向",
    ),
    ({"measure": "count", "rule": "deduct", "per_item": 0}, "per_item", "须大于 0"),
    ({"measure": "rate", "rule": "threshold"}, "target", "规则 threshold 须填写此字段"),
    (
        {"measure": "rate", "rule": "threshold", "target": 95, "floor": 60},
        "floor",
        "规则 threshold 不使用此字段",
    ),
    (
        {"measure": "boolean", "rule": "threshold", "target": 1},
        "target",
        "boolean 类指标不设目标值",
    ),
    ({"measure": "count", "rule": "ratio", "target": 0}, "target", "完成率规则的目标值须大于 0"),
    (
        {
            "measure": "rate",
            "rule": "tiered",
            "tiers": "[{min: 80, score: 6}, {min: 95, score: 10}]",
        },
        "tiers",
        "分档须按 min 从大到小排列",
    ),
    (
        {
            "measure": "rate",
            "rule": "tiered",
            "tiers": "[{min: 95, score: 6}, {min: 80, score: 8}]",
        },
        "tiers",
        "靠后的分档得分不能高于靠前的分档",
    ),
    (
        {"measure": "rate", "rule": "tiered", "tiers": "[{min: 95, score: 12}]"},
        "tiers",
        "第 1 档得分须在 0 到权重之间",
    ),
    (
        {"measure": "rate", "rule": "tiered", "tiers": "[{max: 95, score: 10}]"},
        "tiers",
        "第 1 档须有且只有 min 和 score",
    ),
    (
        {
            "measure": "amount",
            "rule": "tiered",
            "direction": "lower",
            "tiers": "[{max: 5, score: 6}, {max: 2, score: 10}]",
        },
        "tiers",
        "分档须按 max 从小到大排列",
    ),
    (
        {
            "measure": "amount",
            "rule": "tiered",
            "direction": "lower",
            "tiers": "[{min: 5, score: 6}]",
        },
        "tiers",
        "第 1 档须有且只有 max 和 score",
    ),
    (
        {"measure": "grade", "rule": "grade", "grade_points": "{良好: 0.8}"},
        "grade_points",
        "未知评价等级“良好”",
    ),
    (
        {"measure": "grade", "rule": "grade", "grade_points": "{良: 1.5}"},
        "grade_points",
        "良 的分值须在 0 到 1 之间",
    ),
    (
        {"measure": "grade", "rule": "grade", "grade_points": "{中: 0.9}"},
        "grade_points",
        "须满足 优 ≥ 良 ≥ 中 ≥ 差",
    ),
    ({"measure": "count", "rule": "deduct", "per_item": 1, "weight": "null"}, "weight", "须填写"),
]


@pytest.mark.parametrize(("fields", "field", "message"), RULE_PROBLEMS)
def test_rule_requirements(fields, field, message):
    with pytest.raises(IndicatorSetError) as raised:
        parse_indicator_set(indicator_yaml(**fields), "rules.yaml")
    expected = f"指标 X 的 {field}：{message}"
    assert any(expected in error for error in raised.value.errors), raised.value.errors


def test_every_problem_is_reported_not_just_the_first():
    text = indicator_yaml(
        measure="rate",
        rule="linear",
        target=95,
        floor=99,
        weight=0,
        applies_to="[countty]",
        colour="red",
    )
    with pytest.raises(IndicatorSetError) as raised:
        parse_indicator_set(text, "many.yaml")
    fields = sorted(error.split(" 的 ")[1].split("：")[0] for error in raised.value.errors)
    assert fields == ["applies_to", "colour", "floor", "weight"]
    assert all(
        error.startswith("many.yaml:") and "指标 X" in error for error in raised.value.errors
    )


def test_problems_in_data_name_file_code_and_field_without_a_line():
    data = {
        "program": "p",
        "year": 2011,
        "grades": [{"min": 0, "grade": "合格"}],
        "categories": [
            {
                "code": "A",
                "name": "a",
                "indicators": [
                    {
                        "code": "X",
                        "name": "x",
                        "applies_to": ["county"],
                        "measure": "rate",
                        "rule": "linear",
                        "target": 95,
                        "floor": 96,
                        "weight": 10,
                    }
                ],
            }
        ],
    }
    with pytest.raises(IndicatorSetError) as raised:
        parse_indicator_set(data, "data.xlsx")
    assert raised.value.errors == ["data.xlsx: 指标 X 的 floor：下限 96 须低于目标值 95"]


def test_yaml_is_read_as_typed():
    text = indicator_yaml(
        measure="amount",
        rule="ratio",
        target="0.1",
        applies_to="[410102, dept-gaj, county]",
        name="yes",
        unit="'%'",
        weight="1_0",
    )
    indicator = parse_indicator_set(text).indicator("X")
    assert indicator.applies_to == ("410102", "dept-gaj", "county")  # codes stay text
    assert indicator.name == "yes"  # not a YAML 1.1 boolean
    assert indicator.target == D("0.1")  # exact, no binary float on the way
    assert indicator.weight == D(10)


def test_a_single_applies_to_may_be_written_without_brackets():
    indicator = parse_indicator_set(
        indicator_yaml(measure="grade", rule="grade", applies_to="township")
    ).indicator("X")
    assert indicator.applies_to == ("township",)


def test_load_tolerates_a_byte_order_mark(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + SPEC_EXAMPLE.encode("utf-8"))
    assert load_indicator_set(path).indicator("A1").target == D(95)


def test_load_refuses_another_encoding(tmp_path):
    path = tmp_path / "gbk.yaml"
    path.write_bytes(SPEC_EXAMPLE.encode("gbk"))
    with pytest.raises(IndicatorSetError, match="gbk.yaml: 不是 UTF-8"):
        load_indicator_set(path)


def test_tiers_and_grade_points_are_read():
    text = indicator_yaml(
        measure="amount",
        rule="tiered",
        direction="lower",
        tiers="[{max: 2, score: 10}, {max: 5, score: 6}]",
    )
    assert parse_indicator_set(text).indicator("X").tiers == (Tier(D(2), D(10)), Tier(D(5), D(6)))
    grade = parse_indicator_set(
        indicator_yaml(measure="grade", rule="grade", grade_points="{中: 0.5, 良: 0.9}")
    ).indicator("X")
    assert grade.grade_points == (("良", D("0.9")), ("中", D("0.5")))  # canonical order
    assert grade.points() == {"优": D(1), "良": D("0.9"), "中": D("0.5"), "差": D(0)}


@pytest.mark.parametrize("name", sorted(shipped_sets()))
def test_dump_reads_back_equal(name):
    indicator_set = load_shipped_set(name)
    text = dump_indicator_set(indicator_set)
    assert parse_indicator_set(text, f"{name}.yaml") == indicator_set
    assert dump_indicator_set(parse_indicator_set(text)) == text


def test_dump_quotes_what_yaml_needs_quoted():
    tricky = indicator_yaml(
        measure="grade",
        rule="grade",
        name="'a: b # c'",
        unit="'%'",
        applies_to="['410102', '- x', county]",
        evidence="['yes', 'null', '[括号]', '{花括号}', '0123', \"it's\"]",
        source="'@2010, \"引号\"'",
    )
    indicator_set = parse_indicator_set(tricky)
    assert parse_indicator_set(dump_indicator_set(indicator_set)) == indicator_set


def test_set_helpers(build_set):
    indicator_set = build_set(
        {"code": "A1", "measure": "grade", "rule": "grade", "weight": 5},
        {
            "code": "A2",
            "measure": "grade",
            "rule": "grade",
            "weight": 5,
            "applies_to": ["dept-gaj"],
        },
        {
            "code": "A3",
            "measure": "grade",
            "rule": "grade",
            "weight": 5,
            "applies_to": ["department"],
        },
    )
    assert [i.code for i in indicator_set.indicators()] == ["A1", "A2", "A3"]
    assert indicator_set.indicator("A2").applies_to == ("dept-gaj",)
    assert [i.code for i in indicator_set.applicable("dept-gaj", "department")] == ["A2", "A3"]
    assert [i.code for i in indicator_set.applicable("dept-jyj", "department")] == ["A3"]
    assert [i.code for i in indicator_set.applicable("410102", "county")] == ["A1"]
    assert indicator_set.unit_codes() == {"dept-gaj"}
    assert indicator_set.lowest_grade() == "不合格"
    with pytest.raises(KeyError):
        indicator_set.indicator("ZZ")


def test_a_value_taken_from_the_unit_s_own_cycle_is_read_dumped_and_exported():
    from scoring.model import CycleSource
    from scoring.spreadsheets import set_from_xlsx, set_to_xlsx

    text = indicator_yaml(
        measure="rate", rule="linear", target=100, floor=0, from_cycle="{share_graded: 合格}"
    )
    indicator_set = parse_indicator_set(text)
    assert indicator_set.indicator("X").from_cycle == CycleSource("合格")
    assert "from_cycle: {share_graded: 合格}" in dump_indicator_set(indicator_set)
    assert parse_indicator_set(dump_indicator_set(indicator_set)) == indicator_set
    assert set_from_xlsx(set_to_xlsx(indicator_set), "x.xlsx") == indicator_set


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"measure": "count", "rule": "threshold", "target": 1}, "计量类型须为 rate（比率）"),
        ({"measure": "rate", "rule": "threshold", "target": 1}, "须为映射 {share_graded: 等次}"),
    ],
)
def test_a_bad_taken_value_is_refused_with_its_line(fields, message):
    source = "{share_graded: 合格}" if fields["measure"] == "count" else "[合格]"
    with pytest.raises(IndicatorSetError) as caught:
        parse_indicator_set(indicator_yaml(from_cycle=source, **fields), "t.yaml")
    (error,) = caught.value.errors
    assert error.startswith("t.yaml:") and "指标 X 的 from_cycle" in error and message in error
