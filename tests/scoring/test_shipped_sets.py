"""The indicator sets shipped in ``indicators/sets``: each validates, cites its clause, says
its weights are a proposal, and gives every unit kind (or named department) 100 points."""

from __future__ import annotations

from decimal import Decimal

import pytest

from indicators import SETS_DIR, load_shipped_set, policy_documents, shipped_sets
from scoring import clauses
from scoring.model import ASSESSED_KINDS
from scoring.rules import RULES

pytestmark = pytest.mark.pure

NAMES = sorted(shipped_sets())
DEPARTMENTS = {
    "dept-gaj", "dept-jyj", "dept-czj", "dept-rsj", "dept-wsj", "dept-mzj",
    "dept-sfj", "dept-fgj", "dept-gsj", "dept-zzb", "dept-rkjsw",
}  # fmt: skip


def test_the_expected_sets_are_shipped():
    assert NAMES == [
        "county-variant-township",
        "national-2012-pilot",
        "zz-2011-county",
        "zz-2011-department",
        "zz-2012-county",
        "zz-2016-2020",
    ]


@pytest.mark.parametrize("name", NAMES)
def test_each_set_validates_and_cites_its_clauses(name):
    indicator_set = load_shipped_set(name)
    assert indicator_set.source
    documents = {clauses.compact(d.citation): d for d in policy_documents()}
    cited = {
        i.code: clauses.parse_citations(i.source, documents) for i in indicator_set.indicators()
    }
    for code, citations in cited.items():
        # every indicator cites a clause of a shipped seed document, not just a document
        assert citations, code
        for citation in citations:
            assert citation.document in documents, (code, citation)
            assert citation.path, (code, citation)
    for document in {c.document for items in cited.values() for c in items}:
        outline = clauses.outline(documents[document].text)
        assert clauses.trace(document, outline, cited).unresolved == (), document


@pytest.mark.parametrize("name", NAMES)
def test_each_file_says_its_weights_are_a_proposal(name):
    head = (SETS_DIR / f"{name}.yaml").read_text(encoding="utf-8").split("\nprogram:")[0]
    assert "权重为提议方案" in head and "100" in head
    assert "Weights are a proposal" in head


@pytest.mark.parametrize("name", NAMES)
def test_weights_sum_to_100_for_every_unit(name):
    indicator_set = load_shipped_set(name)
    entries = {entry for i in indicator_set.indicators() for entry in i.applies_to}
    codes = entries - set(ASSESSED_KINDS)
    assert codes <= DEPARTMENTS  # department codes the demo data uses
    checked = 0
    for code in codes:
        total = sum(i.weight for i in indicator_set.applicable(code, "department"))
        assert total == 100, (code, total)
        checked += 1
    for kind in entries & set(ASSESSED_KINDS):
        if kind == "department" and codes:
            continue  # departments are checked one by one above
        total = sum(i.weight for i in indicator_set.applicable("any-unit", kind))
        assert total == 100, (kind, total)
        checked += 1
    assert checked


def test_every_rule_and_direction_is_used():
    indicators = [i for name in NAMES for i in load_shipped_set(name).indicators()]
    assert {i.rule for i in indicators} == set(RULES)
    assert {(i.rule, i.direction) for i in indicators} >= {("ratio", "lower"), ("linear", "lower")}
    assert {i.measure for i in indicators} == {"rate", "count", "amount", "boolean", "grade"}


# Targets straight from the seed documents.
TARGETS = [
    ("zz-2011-county", "C1", 60),  # 90号 二: 2011 年覆盖率 60%
    ("zz-2011-county", "D1", 95),  # 三(四)1 知晓率
    ("zz-2011-county", "D2", 100),  # 三(四)2 健康检查免费率
    ("zz-2011-county", "D3", 93),  # 三(四)2 免费药具获得率
    ("zz-2011-county", "E1", 500),  # 五(二) 500:1
    ("zz-2011-county", "A2", 4),  # 三(一) 每季度一次协调会
    ("zz-2011-county", "B1", 100),  # 三(二) 所有社区配备专用微机
    ("zz-2012-county", "C1", 80),  # 二: 2012 年覆盖率 80%
    ("zz-2012-county", "C2", 100),  # 二: 计划生育基本公共服务覆盖率 100%
    ("zz-2016-2020", "B1", 95),  # 80号 三(三) 流动儿童预防接种率
    ("zz-2016-2020", "B2", 100),  # 传染病报告率
    ("zz-2016-2020", "B3", 100),  # 报告及时率
    ("zz-2016-2020", "B4", 80),  # 规范化电子健康档案建档率
    ("zz-2016-2020", "B5", 95),  # 计划生育技术指导咨询服务覆盖率
    ("zz-2016-2020", "B6", 100),  # 避孕节育免费服务目标人群覆盖率
    ("zz-2016-2020", "K2", 100),  # 37号 二(一) 新型社区学校（教学点）覆盖率
    ("national-2012-pilot", "B1", 90),  # 69号 三(二)1 知晓率
    ("national-2012-pilot", "B2", 95),  # 三(二)2 免费服务比例
    ("national-2012-pilot", "B3", 90),  # 免费孕检率
    ("national-2012-pilot", "B4", 90),  # 免费药具获得率
    ("national-2012-pilot", "B5", 80),  # 三(二)3 孕前优生咨询等服务率
    ("county-variant-township", "C1", 80),  # 县方案 二: 80% in the first stage, then 95%
    ("county-variant-township", "E1", 5000),  # 五(二) 5000:1
    ("county-variant-township", "D3", 93),
]


@pytest.mark.parametrize(("name", "code", "target"), TARGETS)
def test_targets_come_from_the_seeds(name, code, target):
    assert load_shipped_set(name).indicator(code).target == Decimal(target)


def test_the_county_variant_is_the_first_stage_and_cites_its_basis():
    """The county plan (after 咸政办发〔 〕190号) sets 80 % coverage for its first stage and
    95 % after; the shipped set is the first year's."""
    indicator_set = load_shipped_set("county-variant-township")
    assert indicator_set.year == 2011
    coverage = indicator_set.indicator("C1")
    assert (coverage.target, coverage.rule, coverage.floor) == (Decimal(80), "linear", Decimal(60))
    assert coverage.source.endswith("二")
    assert "咸政办发〔 〕190号" in indicator_set.source


def test_each_department_duty_of_the_2010_plan_is_assessed():
    indicator_set = load_shipped_set("zz-2011-department")
    for code in DEPARTMENTS:
        own = [i for i in indicator_set.applicable(code, "department") if code in i.applies_to]
        assert own, code
        assert all(i.rule in ("grade", "deduct") for i in own)
