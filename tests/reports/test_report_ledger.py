"""The city summary's section on the claimed-vs-verified ledger (自评数据核减情况): the
sentence and the per-unit table, read back from the PDF."""

from __future__ import annotations

import dataclasses
from decimal import Decimal as D

import pytest

from assess.reports.data import LedgerUnitRow
from tests.reports.report_helpers import cell_texts, glyphs_crossing_rules, render_to

pytestmark = pytest.mark.pure

LEDGER = (
    LedgerUnitRow("中原区", 18, 3, D("16.67"), D("2.5")),
    LedgerUnitRow("金水区", 18, 0, D("0.00"), D(0)),
)
TOTAL = LedgerUnitRow("合计", 36, 3, D("8.33"), D("2.5"))


@pytest.fixture(scope="module")
def ledger_pdf(pdf_dir, city_data):
    data = dataclasses.replace(city_data, ledger=LEDGER, ledger_total=TOTAL)
    return render_to(pdf_dir, "city-ledger.pdf", data)


def test_the_sentence_and_the_table(ledger_pdf):
    assert ledger_pdf.warnings == []
    text = ledger_pdf.flat_text()
    assert "自评数据核减情况" in text
    assert (
        "经督查核查，全部36项自评数据中，3项核定值与自评值不一致，占8.33%，涉及1个单位；"
        "扣分合计2.50分。"
    ) in text
    rows = {}
    for page in cell_texts(ledger_pdf):
        for _x0, x1, middle, name in page:
            if name in ("中原区", "金水区", "合计"):
                level = sorted(c for c in page if c[0] > x1 and abs(c[2] - middle) < 2)
                rows.setdefault(name, []).append([c[3] for c in level])
    # The ranking tables list the units too: the ledger's rows are the ones with its columns.
    assert ["18", "3", "16.67", "2.50"] in rows["中原区"]
    assert ["18", "0", "0.00", "0.00"] in rows["金水区"]
    assert ["36", "3", "8.33", "2.50"] in rows["合计"]
    assert glyphs_crossing_rules(ledger_pdf) == []


def test_nothing_reduced_says_so(pdf_dir, city_data):
    total = LedgerUnitRow("合计", 36, 0, D("0.00"), D(0))
    data = dataclasses.replace(city_data, ledger=LEDGER[1:], ledger_total=total)
    text = render_to(pdf_dir, "city-ledger-none.pdf", data).flat_text()
    assert "经督查核查，全部36项自评数据均按自评值认定；扣分合计0.00分。" in text


def test_no_ledger_no_section(city_pdf):
    assert "自评数据核减情况" not in city_pdf.flat_text()
