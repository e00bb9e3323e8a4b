"""Reading a values file (SPEC §4): one message per bad line, naming file and line."""

from __future__ import annotations

from decimal import Decimal

import pytest

from indicators import load_shipped_set
from scoring.values import Rate
from scoring.values_file import ValuesFileError, parse_values, read_values_file

pytestmark = pytest.mark.pure

HEADER = "unit_code,unit_name,unit_kind,indicator_code,value\n"


@pytest.fixture(scope="module")
def county_set():
    return load_shipped_set("zz-2011-county")


@pytest.fixture(scope="module")
def department_set():
    return load_shipped_set("zz-2011-department")


def test_a_good_file(county_set):
    table = parse_values(
        HEADER + "410102,中原区,county,D1,175/200\n410102,中原区,county,A1,是\n"
        "410103,二七区,county,D1,\n",
        county_set,
        "VALUES.csv",
    )
    assert table.units == [("410102", "county"), ("410103", "county")]
    assert table.names == {"410102": "中原区", "410103": "二七区"}
    assert table.values == {
        "410102": {"D1": Rate(Decimal(175), Decimal(200)), "A1": True},
        "410103": {},  # an empty value is not reported (未填报)
    }


def test_columns_may_come_in_any_order_and_extra_ones_are_ignored(county_set):
    text = (
        "note,value,indicator_code,unit_kind,unit_name,unit_code\n备注,优,B2,county,中原区,410102\n"
    )
    assert parse_values(text, county_set, "v.csv").values == {"410102": {"B2": "优"}}


BAD_LINES = [
    ("410102,中原区,county,Z9,1", "VALUES.csv:2: 未知指标 Z9"),
    ("410102,中原区,county,D1,abc", "VALUES.csv:2: 指标 D1 的值“abc”：“abc”不是有效的数字"),
    (
        "410102,中原区,county,D1,201/200",
        "VALUES.csv:2: 指标 D1 的值“201/200”：分子 201 大于分母 200",
    ),
    ("410102,中原区,county,G1,-1", "VALUES.csv:2: 指标 G1 的值“-1”：不能为负数：-1"),
    (
        "410102,中原区,county,A1,也许",
        "VALUES.csv:2: 指标 A1 的值“也许”：“也许”不是是/否（或 true/false）",
    ),
    ("410102,中原区,city,D1,1/2", "VALUES.csv:2: 未知单位类型“city”"),
    (",中原区,county,D1,1/2", "VALUES.csv:2: 缺少 unit_code"),
]


@pytest.mark.parametrize(("line", "message"), BAD_LINES)
def test_bad_lines(county_set, line, message):
    with pytest.raises(ValuesFileError) as raised:
        parse_values(HEADER + line + "\n", county_set, "VALUES.csv")
    assert len(raised.value.errors) == 1
    assert raised.value.errors[0].startswith(message)


def test_one_message_per_bad_line_all_reported(county_set):
    text = HEADER + (
        "410102,中原区,county,D1,175/200\n"  # 2 good
        "410102,中原区,county,D1,180/200\n"  # 3 duplicate of line 2
        "\n"  # 4 blank, skipped
        "410102,中原区,township,D2,1/2\n"  # 5 kind differs from line 2
        "410102,中原路,county,D2,1/2\n"  # 6 name differs from line 2
        "410103,二七区,county,D2,2/1\n"  # 7 numerator > denominator
    )
    with pytest.raises(ValuesFileError) as raised:
        parse_values(text, county_set, "VALUES.csv")
    assert raised.value.errors == [
        "VALUES.csv:3: 重复：单位 410102 的指标 D1 已在第 2 行填报",
        "VALUES.csv:5: 单位 410102 的类型 township 与第 2 行的 county 不一致",
        "VALUES.csv:6: 单位 410102 的名称“中原路”与第 2 行的“中原区”不一致",
        "VALUES.csv:7: 指标 D2 的值“2/1”：分子 2 大于分母 1",
    ]


def test_an_indicator_that_does_not_apply_to_the_unit(department_set):
    # B1 is the population and family-planning commission's duty, not the police's
    with pytest.raises(ValuesFileError) as raised:
        parse_values(HEADER + "dept-gaj,公安局,department,B1,优\n", department_set, "d.csv")
    assert raised.value.errors == ["d.csv:2: 指标 B1 不适用于单位 dept-gaj（department）"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "v.csv:1: 文件为空"),
        (HEADER, "v.csv: 没有数据行"),
        ("unit,kind,code,value\n1,county,D1,1\n", "v.csv:1: 缺少列 unit_code, unit_name"),
    ],
)
def test_empty_or_headless_files(county_set, text, message):
    with pytest.raises(ValuesFileError) as raised:
        parse_values(text, county_set, "v.csv")
    assert raised.value.errors[0].startswith(message)


def test_a_byte_order_mark_is_fine_and_other_encodings_are_not(tmp_path, county_set):
    good = tmp_path / "bom.csv"
    good.write_bytes((HEADER + "410102,中原区,county,B2,良\n").encode("utf-8-sig"))
    assert read_values_file(good, county_set).values == {"410102": {"B2": "良"}}
    bad = tmp_path / "gbk.csv"
    bad.write_bytes((HEADER + "410102,中原区,county,B2,良\n").encode("gbk"))
    with pytest.raises(ValuesFileError, match="gbk.csv:2: 不是 UTF-8 编码"):
        read_values_file(bad, county_set)
