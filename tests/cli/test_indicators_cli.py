"""``assess indicators export`` / ``import``: the Excel round trip is lossless."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from assess.cli.offline_scoring import indicators_group
from indicators import shipped_sets
from scoring.loader import load_indicator_set

pytestmark = pytest.mark.pure


def invoke(*args: str):
    return CliRunner().invoke(indicators_group, [str(arg) for arg in args])


@pytest.mark.parametrize("name", sorted(shipped_sets()))
def test_export_then_import_gives_the_same_set(tmp_path, name):
    source = shipped_sets()[name]
    workbook = tmp_path / f"{name}.xlsx"
    result = invoke("export", source, "-o", workbook)
    assert result.exit_code == 0, result.output
    back = tmp_path / f"{name}.yaml"
    result = invoke("import", workbook, "-o", back)
    assert result.exit_code == 0, result.output
    assert load_indicator_set(back) == load_indicator_set(source)
    assert back.read_text(encoding="utf-8").startswith(f"# 由 {name}.xlsx 导入")


def test_an_edited_weight_comes_back(tmp_path):
    workbook = tmp_path / "set.xlsx"
    invoke("export", shipped_sets()["zz-2011-county"], "-o", workbook)
    book = openpyxl.load_workbook(workbook)
    sheet = book["指标"]
    header = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[header.index("指标代码")].value == "D1":
            row[header.index("权重")].value = 12.5
    book.save(workbook)
    result = invoke("import", workbook)  # YAML to stdout
    assert result.exit_code == 0, result.output
    assert "        weight: 12.5\n" in result.output


def test_import_refuses_a_broken_workbook(tmp_path):
    workbook = tmp_path / "SET.xlsx"
    invoke("export", shipped_sets()["zz-2011-county"], "-o", workbook)
    book = openpyxl.load_workbook(workbook)
    sheet = book["指标"]
    header = [cell.value for cell in sheet[1]]
    sheet.cell(row=2, column=header.index("评分规则") + 1).value = "stepped"
    book.save(workbook)
    output = tmp_path / "out.yaml"
    result = invoke("import", workbook, "-o", output)
    assert result.exit_code == 1
    assert result.output.startswith("SET.xlsx: 指标 A1 的 rule：未知评分规则“stepped”")
    assert not output.exists()


def test_export_needs_an_output_file():
    result = invoke("export", shipped_sets()["zz-2011-county"])
    assert result.exit_code == 2


def test_export_refuses_an_invalid_set(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        Path(shipped_sets()["zz-2011-county"])
        .read_text(encoding="utf-8")
        .replace("weight: 12", "weight: 0"),
        encoding="utf-8",
    )
    result = invoke("export", bad, "-o", tmp_path / "bad.xlsx")
    assert result.exit_code == 1
    assert "bad.yaml:" in result.output and "指标 C1 的 weight：权重须大于 0" in result.output
    assert not (tmp_path / "bad.xlsx").exists()
