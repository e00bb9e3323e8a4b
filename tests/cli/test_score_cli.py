"""``assess score`` (SPEC §4) on every shipped set with a values file in tests/data/values,
against totals worked out by hand; output formats; bad input line by line."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from assess.cli.offline_scoring import score_command

pytestmark = pytest.mark.pure

ROOT = Path(__file__).resolve().parents[2]
SETS = ROOT / "indicators" / "sets"
VALUES = ROOT / "tests" / "data" / "values"


def run(*args: str):
    return CliRunner().invoke(score_command, list(args))


def score(name: str) -> dict:
    result = run(
        "--indicators", str(SETS / f"{name}.yaml"), "--values", str(VALUES / f"{name}.csv")
    )
    assert result.exit_code == 0, result.output
    return {unit["unit"]: unit for unit in json.loads(result.output)["units"]}


def test_2011_county_set():
    units = score("zz-2011-county")
    assert list(units) == ["410103", "410102", "410104", "410105"]  # ranked
    # 410102 中原区: A1 是 4; A2 3 of 4 → 4 × 3/4 = 3; A3 是 4; B1 48/50 = 96% < 100 → 0;
    # B2 良 4 × 0.8 = 3.2; C1 55% → 12 × (55 − 30)/(60 − 30) = 10; D1 175/200 = 87.5% →
    # 10 × 27.5/35 = 7.857 → 7.86; D2 94% → 10 × 14/20 = 7; D3 93% = target → 10; D4 优 5;
    # D5 中 3; D6 差 0; E1 620 per worker → 8 × 500/620 = 6.45; F1 85% → tier 80 → 6;
    # G1 2 problems → 6 − 2 = 4. Σ = 73.51 of 100, bonus H1 2 → 75.51 合格
    assert units["410102"]["scores"] == {
        "A1": 4, "A2": 3, "A3": 4, "B1": 0, "B2": 3.2, "C1": 10, "D1": 7.86, "D2": 7, "D3": 10,
        "D4": 5, "D5": 3, "D6": 0, "E1": 6.45, "F1": 6, "G1": 4, "H1": 2, "H2": 0,
    }  # fmt: skip
    assert units["410102"] | {"scores": None} == {
        "unit": "410102", "kind": "county", "total": 75.51, "grade": "合格", "rank": 2,
        "veto": False, "scores": None, "missing": [],
    }  # fmt: skip
    # 410103 二七区: every indicator at target → 100, bonus H1 5 items capped at 3 → 103 优秀
    assert (units["410103"]["total"], units["410103"]["grade"], units["410103"]["rank"]) == (
        103,
        "优秀",
        1,
    )
    # 410104 管城回族区: A1 否 0; A2 empty → missing; A3 4; B1 0; B2 差 0; C1 30% = floor 0;
    # D1 60% = floor 0; D2 no row → missing; D3 92% → 10 × 32/33 = 9.70; D4 良 4; D5 良 4;
    # D6 良 3.2; E1 1000 → 8 × 500/1000 = 4; F1 59% < 60 → 0; G1 8 problems → 0 → 28.90
    assert units["410104"]["total"] == 28.9
    assert units["410104"]["missing"] == ["A2", "D2"]
    assert units["410104"]["grade"] == "不合格"
    # 410105 金水区: D1 at target 10 of 100 → 10, but 弄虚作假 (H2 是): vetoed, ranked last
    assert units["410105"] | {"scores": None, "missing": None} == {
        "unit": "410105", "kind": "county", "total": 10, "grade": "不合格", "rank": 4,
        "veto": True, "scores": None, "missing": None,
    }  # fmt: skip


def test_2011_department_set():
    units = score("zz-2011-department")
    # 财政局: A1 4 meetings 10; A2 优 20; A3 0 problems 10; D1 优 30; D2 良 24 → 94 优秀
    # 教育局: A1 2 of 4 → 5; A2 中 12; A3 10; G1 优 60 → 87 良好
    # 公安局: A1 10; A2 良 16; A3 1 problem → 8; F1 优 20; F2 良 16; F3 3 × 2 → 14 → 84,
    #         bonus M1 1 → 85 良好
    # 卫生局: A1 10; A2 良 16; A3 8; H1 优 20; H2 良 16; H3 中 12 → 82, bonus M1 3 → 85: a tie
    # 司法局: A1 3 of 4 → 7.5; A2 良 16; A3 5 × 2 → 0; J1 missing → 23.5 不合格
    assert [(u["unit"], u["total"], u["grade"], u["rank"]) for u in units.values()] == [
        ("dept-czj", 94, "优秀", 1),
        ("dept-jyj", 87, "良好", 2),
        ("dept-gaj", 85, "良好", 3),  # tied, listed by unit code
        ("dept-wsj", 85, "良好", 3),
        ("dept-sfj", 23.5, "不合格", 5),  # competition ranking skips 4
    ]
    assert units["dept-sfj"]["missing"] == ["J1"]
    assert set(units["dept-gaj"]["scores"]) == {"A1", "A2", "A3", "F1", "F2", "F3", "M1", "M2"}


def test_2012_county_set():
    units = score("zz-2012-county")
    # 巩义市: C1 70% → 8 × (70 − 50)/30 = 5.33; C2 90% → 4 × (90 − 80)/20 = 2; the other
    # 14 scored indicators at full weight (88) → 95.33 优秀
    assert (units["410181"]["total"], units["410181"]["grade"]) == (95.33, "优秀")
    assert (units["410181"]["scores"]["C1"], units["410181"]["scores"]["C2"]) == (5.33, 2)
    # 荥阳市: only C1 80% → 8 and C2 100% → 4 reported → 12, 14 missing
    assert units["410182"]["total"] == 12
    assert len(units["410182"]["missing"]) == 14


def test_2016_2020_set_ranks_counties_and_departments_apart():
    units = score("zz-2016-2020")
    # 金水区: A1 4; A2 良 4; A3 5; B1 90% → 12 × 10/15 = 8; B2 100% 6; B3 95% → 6 × 5/10
    # = 3; B4 65% → 10 × 15/30 = 5; B5 95% 10; B6 90% → 10 × 10/20 = 5; B7 优 5; B8 良 4;
    # B9 中 3; C1 良 5.6; D1 优 5; E1 2 problems → 3 → 75.6, bonus N1 1 → 76.60 合格
    assert (units["410105"]["total"], units["410105"]["grade"], units["410105"]["rank"]) == (
        76.6,
        "合格",
        1,
    )
    # 卫生计生委: F1 优 20; F2 1 × 2 → 8; G1 良 28; G2 优 35 → 91, bonus 2 → 93 优秀
    # 公安局: F1 良 16; F2 10; M1 良 28; M2 3 × 5 → 20 → 74 合格
    # 教育局: F1 良 16; F2 1 × 2 → 8; K1 良 28; K2 (37号's 100% school coverage, floor 80)
    # 90% → 35 × (90 − 80)/(100 − 80) = 17.5 → 69.5 合格
    assert units["dept-jyj"]["scores"]["K2"] == 17.5
    assert [(u["unit"], u["total"], u["rank"]) for u in units.values()] == [
        ("410105", 76.6, 1),
        ("dept-wsj", 93, 1),
        ("dept-gaj", 74, 2),
        ("dept-jyj", 69.5, 3),
    ]


def test_national_2012_pilot_set():
    units = score("national-2012-pilot")
    # 上街区: A1 5; A2 良 4; B1 80% → 12 × 20/30 = 8; B2 95% 12; B3 75% → 12 × 15/30 = 6;
    # B4 90% 12; B5 65% → 12 × 15/30 = 6; B6 优 5; B7 中 3; C1 良 4; D1 良 4; E1 否 0;
    # E2 优 5 → 74, bonus F1 1 → 75 合格
    assert (units["410106"]["total"], units["410106"]["grade"]) == (75, "合格")
    # 惠济区: B2 180/200 = 90% → ratio 12 × 90/95 = 11.37, and vetoed
    assert units["410108"]["scores"]["B2"] == 11.37
    assert (units["410108"]["total"], units["410108"]["veto"], units["410108"]["rank"]) == (
        11.37,
        True,
        2,
    )


def test_county_variant_set():
    units = score("county-variant-township")
    # 甲镇: A1 良 4.8; B1 100% 6; B2 2 problems → 4; C1 85% ≥ the first stage's 80% → 10;
    # D1 95% 12; D2 90% → 12 × 10/20 = 6; D3 80% → 12 × 20/33 = 7.27; D4 是 6; D5 优 6;
    # E1 6000 per worker → 8 × (10000 − 6000)/(10000 − 5000) = 6.4; F1 90% → 8 × 0.9 = 7.2;
    # G1 1 × 2 → 6 → 81.67, bonus H1 是 3 → 84.67 良好
    assert units["t-001"]["scores"]["E1"] == 6.4
    assert units["t-001"]["scores"]["D3"] == 7.27
    assert units["t-001"]["scores"]["C1"] == 10
    assert (units["t-001"]["total"], units["t-001"]["grade"]) == (84.67, "良好")
    # 乙镇: C1 96% → 10; D1 50% below floor → 0; E1 4000 ≤ 5000 → 8 → 18
    assert (units["t-002"]["total"], units["t-002"]["rank"]) == (18, 2)


def test_csv_output_to_a_file_opens_in_excel(tmp_path):
    output = tmp_path / "out.csv"
    name = "zz-2011-department"
    result = run(
        "--indicators", str(SETS / f"{name}.yaml"), "--values", str(VALUES / f"{name}.csv"),
        "--format", "csv", "-o", str(output),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    raw = output.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [(r["unit"], r["unit_name"], r["total"], r["rank"]) for r in rows] == [
        ("dept-czj", "财政局", "94.00", "1"),
        ("dept-jyj", "教育局", "87.00", "2"),
        ("dept-gaj", "公安局", "85.00", "3"),
        ("dept-wsj", "卫生局", "85.00", "3"),
        ("dept-sfj", "司法局", "23.50", "5"),
    ]
    assert rows[2]["F3"] == "14.00" and rows[2]["B1"] == ""


def test_csv_output_to_stdout_has_no_bom():
    name = "zz-2012-county"
    result = run(
        "--indicators", str(SETS / f"{name}.yaml"), "--values", str(VALUES / f"{name}.csv"),
        "--format", "csv",
    )  # fmt: skip
    assert result.exit_code == 0
    assert result.output.startswith("unit,unit_name,kind,total,")


def test_xlsx_output(tmp_path):
    output = tmp_path / "out.xlsx"
    name = "zz-2011-county"
    result = run(
        "--indicators", str(SETS / f"{name}.yaml"), "--values", str(VALUES / f"{name}.csv"),
        "--format", "xlsx", "-o", str(output),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(output)["results"]
    assert [sheet.cell(row=r, column=4).value for r in range(2, 6)] == [103, 75.51, 28.9, 10]


def test_xlsx_needs_an_output_file():
    result = run(
        "--indicators", str(SETS / "zz-2011-county.yaml"),
        "--values", str(VALUES / "zz-2011-county.csv"), "--format", "xlsx",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "-o" in result.output


BAD = (
    "unit_code,unit_name,unit_kind,indicator_code,value\n"
    "410102,中原区,county,D1,175/200\n"  # 2 fine
    "410102,中原区,county,Z9,1\n"  # 3 unknown indicator
    "410102,中原区,county,D2,八十\n"  # 4 bad number
    "410102,中原区,county,D3,201/200\n"  # 5 numerator > denominator
    "410102,中原区,county,D1,170/200\n"  # 6 duplicate row
    "410103,二七区,city,D1,1/2\n"  # 7 unknown unit kind
    "410103,二七区,county,M1,1\n"  # 8 not in this set
)


def test_bad_input_one_message_per_line_and_no_output(tmp_path):
    values = tmp_path / "VALUES.csv"
    values.write_text(BAD, encoding="utf-8")
    output = tmp_path / "out.json"
    result = CliRunner().invoke(
        score_command,
        [
            "--indicators",
            str(SETS / "zz-2011-county.yaml"),
            "--values",
            str(values),
            "-o",
            str(output),
        ],
    )
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "VALUES.csv:3: 未知指标 Z9",
        "VALUES.csv:4: 指标 D2 的值“八十”：“八十”不是有效的数字",
        "VALUES.csv:5: 指标 D3 的值“201/200”：分子 201 大于分母 200",
        "VALUES.csv:6: 重复：单位 410102 的指标 D1 已在第 2 行填报",
        "VALUES.csv:7: 未知单位类型“city”（可用 county/department/township/community）",
        "VALUES.csv:8: 未知指标 M1",
    ]
    assert not output.exists()
    assert list(tmp_path.iterdir()) == [values]  # no temporary file left behind either


def test_an_indicator_not_applicable_to_the_unit(tmp_path):
    values = tmp_path / "v.csv"
    values.write_text(
        "unit_code,unit_name,unit_kind,indicator_code,value\ndept-sfj,司法局,department,F1,优\n",
        encoding="utf-8",
    )
    result = run("--indicators", str(SETS / "zz-2016-2020.yaml"), "--values", str(values))
    assert result.exit_code == 1
    assert result.output == "v.csv:2: 指标 F1 不适用于单位 dept-sfj（department）\n"


def test_a_full_grid_with_blanks_where_an_indicator_does_not_apply(tmp_path):
    """SPEC §4: a unit × indicator grid from Excel goes in as is; the blank cells of
    indicators that do not apply are no answer, not an error."""
    grid = (VALUES / "zz-2016-2020.csv").read_text(encoding="utf-8").splitlines()
    grid.append("dept-wsj,卫生计生委,department,A1,")  # A1 applies to counties only
    values = tmp_path / "grid.csv"
    values.write_text("\n".join(grid) + "\n", encoding="utf-8")
    result = run("--indicators", str(SETS / "zz-2016-2020.yaml"), "--values", str(values))
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == json.loads(
        run(
            "--indicators",
            str(SETS / "zz-2016-2020.yaml"),
            "--values",
            str(VALUES / "zz-2016-2020.csv"),
        ).output
    )


def test_a_bad_set_is_reported_with_its_lines(tmp_path):
    bad_set = tmp_path / "SET.yaml"
    text = (SETS / "zz-2011-county.yaml").read_text(encoding="utf-8")
    bad_set.write_text(text.replace("rule: tiered", "rule: stepped", 1), encoding="utf-8")
    result = run("--indicators", str(bad_set), "--values", str(VALUES / "zz-2011-county.csv"))
    assert result.exit_code == 1
    line = text.split("rule: tiered")[0].count("\n") + 1
    assert result.output.startswith(f"SET.yaml:{line}: 指标 F1 的 rule：未知评分规则“stepped”")


def test_a_values_file_with_a_bom(tmp_path):
    values = tmp_path / "bom.csv"
    values.write_bytes(
        (VALUES / "zz-2012-county.csv").read_text(encoding="utf-8").encode("utf-8-sig")
    )
    result = run("--indicators", str(SETS / "zz-2012-county.yaml"), "--values", str(values))
    assert result.exit_code == 0
    assert json.loads(result.output)["units"][0]["total"] == 95.33


def test_the_installed_assess_command(tmp_path):
    """``assess score`` through the real console script, as offices and outside checks run it."""
    import assess.cli.main  # noqa: F401 - the console script's entry point must import

    executable = shutil.which("assess", path=str(Path(sys.executable).parent))
    assert executable, "the assess console script is not installed (make test installs it)"
    output = tmp_path / "result.json"
    completed = subprocess.run(
        [
            executable, "score",
            "--indicators", str(SETS / "zz-2011-county.yaml"),
            "--values", str(VALUES / "zz-2011-county.csv"),
            "-o", str(output),
        ],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    units = json.loads(output.read_text(encoding="utf-8"))["units"]
    assert [(u["unit"], u["total"], u["rank"]) for u in units] == [
        ("410103", 103, 1),
        ("410102", 75.51, 2),
        ("410104", 28.9, 3),
        ("410105", 10, 4),
    ]
