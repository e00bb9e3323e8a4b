"""Realistic sample report data for the report tests and ``bench/report.py`` (no database).

A Zhengzhou-like city: 16 counties/districts and 10 member departments, an indicator set of
60 indicators in 9 categories after 郑政办〔2010〕90号, values drawn from a seeded random
generator so every run builds the same reports. This is sample data for exercising the
print templates, not a scorer: scores follow the SPEC's ``linear`` rule closely enough to
look right, and the real numbers of the app always come from :mod:`scoring`. Grades are
looked up with :meth:`scoring.model.IndicatorSet.grade_for`.

Kept outside the runtime package on purpose; ``bench/*.py`` put the repository root on
``sys.path`` and import it as ``tests.reports.sample_reports``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache

from assess.core.formatting import indicator_target, indicator_value, plain_number
from assess.demo.zhengzhou import COUNTIES
from assess.reports.content import problem_list
from assess.reports.data import (
    AwardCategory,
    Awardee,
    AwardListData,
    CategoryScore,
    CitySummaryData,
    EvidenceRow,
    HeatMap,
    IndicatorRow,
    InspectionFacts,
    KindRanking,
    PreviousResult,
    RankingRow,
    RectificationRow,
    UnitReportData,
)
from scoring import rules
from scoring.model import GradeBand, Indicator, IndicatorSet
from scoring.rules import fmt_score, rounded

PROGRAM = "郑州市流动人口基本公共服务均等化考核"
ISSUING_OFFICE = "郑州市流动人口基本公共服务均等化工作领导小组办公室"
YEAR = 2011
REPORT_DATE = date(2012, 1, 16)
SOURCE = "郑政办〔2010〕90号"

DEPARTMENTS = (
    ("D01", "市公安局"),
    ("D02", "市教育局"),
    ("D03", "市财政局"),
    ("D04", "市人社局"),
    ("D05", "市卫生局"),
    ("D06", "市民政局"),
    ("D07", "市司法局"),
    ("D08", "市房管局"),
    ("D09", "市工商局"),
    ("D10", "市综治办"),
)
VETOED_COUNTY = "410183"

# (code, name, unit, measure, target, weight, direction)
# measure: rate | count | boolean | veto | bonus
CATEGORIES = (
    ("A", "组织领导与机制建设"),
    ("B", "信息化建设"),
    ("C", "社区“一站式”服务"),
    ("D", "计划生育与卫生服务"),
    ("E", "就业与社会保障"),
    ("F", "子女教育与住房保障"),
    ("G", "宣传教育与社会融合"),
    ("H", "综合治理"),
    ("I", "工作创新（加分项）"),
)
INDICATORS = (
    ("A1", "成立党政领导负责的均等化工作领导小组", "", "boolean", "是", "1.5", "三(一)"),
    ("A2", "领导小组召开协调会", "次", "count", "4", "1.5", "三(一)"),
    ("A3", "均等化工作纳入政府目标管理考核", "", "boolean", "是", "1.5", "三(一)"),
    ("A4", "均等化工作经费纳入本级财政预算", "", "boolean", "是", "1.5", "三(三)"),
    ("A5", "流动人口服务管理经费人均投入达标率", "%", "rate", "100", "1.5", "三(三)"),
    ("A6", "成员单位职责分工落实率", "%", "rate", "100", "1.5", "三(三)"),
    ("A7", "年度工作计划和总结按时报送", "", "boolean", "是", "1", "四(二)"),
    ("B1", "流动人口信息采集率", "%", "rate", "95", "2.5", "三(二)"),
    ("B2", "流动人口信息录入及时率", "%", "rate", "95", "1.5", "三(二)"),
    ("B3", "社区配备流动人口服务管理专用微机比例", "%", "rate", "100", "2", "三(二)"),
    ("B4", "暂住人口协管员配备率", "%", "rate", "100", "2", "三(二)"),
    ("B5", "流动人口综合信息平台部门接入率", "%", "rate", "90", "2", "三(二)"),
    ("B6", "流动人口信息核查准确率", "%", "rate", "95", "2", "三(二)"),
    ("B7", "全员流动人口信息库更新率", "%", "rate", "90", "1.5", "三(二)"),
    ("B8", "流动人口信息跨区域协查反馈率", "%", "rate", "90", "1.5", "三(二)"),
    ("C1", "社区“一站式”服务窗口设置率", "%", "rate", "100", "3", "三(三)"),
    ("C2", "“一站式”服务事项按时办结率", "%", "rate", "95", "2", "三(三)"),
    ("C3", "流动人口服务中心规范化建设达标率", "%", "rate", "90", "2", "三(三)"),
    ("C4", "服务事项公开公示率", "%", "rate", "100", "2", "三(三)"),
    ("C5", "流动人口对公共服务的满意度", "%", "rate", "85", "2", "三(三)"),
    ("C6", "“一网办”业务网上办理率", "%", "rate", "90", "2", "三(三)"),
    ("C7", "服务窗口工作人员业务培训率", "%", "rate", "100", "2", "三(三)"),
    ("D1", "流动人口计划生育政策知晓率", "%", "rate", "95", "2.5", "三(四)1"),
    ("D2", "免费计划生育技术服务覆盖率", "%", "rate", "95", "2.5", "三(四)1"),
    ("D3", "流动育龄妇女避孕节育随访服务率", "%", "rate", "90", "1.5", "三(四)1"),
    ("D4", "流动儿童预防接种建卡率", "%", "rate", "95", "2", "三(四)2"),
    ("D5", "流动孕产妇系统管理率", "%", "rate", "85", "2", "三(四)2"),
    ("D6", "流动人口健康档案建档率", "%", "rate", "80", "2", "三(四)2"),
    ("D7", "流动人口婚育证明查验率", "%", "rate", "95", "1.5", "三(四)1"),
    ("D8", "政策外生育率", "%", "rate-lower", "5", "2", "三(四)1"),
    ("D9", "流动人口计划生育奖励优待落实率", "%", "rate", "100", "2", "三(四)1"),
    ("D10", "流动人口生殖健康检查覆盖率", "%", "rate", "80", "2", "三(四)2"),
    ("E1", "外来务工人员职业技能培训人数", "人", "count", "2000", "2", "三(五)"),
    ("E2", "稳定就业6个月以上外来务工人员就业失业登记率", "%", "rate", "90", "2", "三(五)"),
    ("E3", "流动人口养老保险参保率", "%", "rate", "60", "2", "三(五)"),
    ("E4", "流动人口医疗保险参保率", "%", "rate", "80", "2", "三(五)"),
    ("E5", "流动人口工伤保险参保率", "%", "rate", "70", "2", "三(五)"),
    ("E6", "外来务工人员劳动合同签订率", "%", "rate", "90", "2", "三(五)"),
    ("E7", "农民工工资按时足额支付率", "%", "rate", "100", "1.5", "三(五)"),
    ("E8", "免费提供岗位信息专场招聘会", "场", "count", "12", "1.5", "三(五)"),
    ("F1", "流动人口同住子女义务教育入学率", "%", "rate", "98", "2", "三(六)"),
    ("F2", "公办学校接收流动人口同住子女比例", "%", "rate", "80", "2", "三(六)"),
    ("F3", "流动人口子女学前教育入园率", "%", "rate", "70", "1", "三(六)"),
    ("F4", "公共租赁住房向外来务工人员配租比例", "%", "rate", "20", "2", "三(七)"),
    ("F5", "出租房屋登记备案率", "%", "rate", "90", "2", "三(七)"),
    ("F6", "外来务工人员住房公积金缴存覆盖率", "%", "rate", "30", "1", "三(七)"),
    ("G1", "流动人口宣传教育活动", "次", "count", "12", "1.5", "三(八)"),
    ("G2", "流动人口社会融合示范社区创建", "个", "count", "3", "1.5", "三(八)"),
    ("G3", "流动人口参与社区活动比例", "%", "rate", "50", "1", "三(八)"),
    ("G4", "流动人口维权投诉按时办结率", "%", "rate", "100", "1.5", "三(八)"),
    ("G5", "流动人口法律援助案件办结率", "%", "rate", "100", "1.5", "三(八)"),
    ("G6", "流动人口文化体育活动", "场", "count", "6", "1", "三(八)"),
    ("H1", "“以房管人”措施落实率", "%", "rate", "95", "1.5", "三(九)"),
    ("H2", "流动人口治安案件发案率", "‰", "rate-lower", "1.5", "1.5", "三(九)"),
    ("H3", "流动人口矛盾纠纷调处成功率", "%", "rate", "95", "1.5", "三(九)"),
    ("H4", "特殊人群帮扶覆盖率", "%", "rate", "90", "1.5", "三(九)"),
    ("H5", "发生涉及流动人口的重大群体性事件", "", "veto", "否", "0", "四(三)"),
    ("H6", "上年度督查问题整改完成率", "%", "rate", "100", "1", "四(三)"),
    ("I1", "创新经验被省级以上部门推广", "项", "bonus", "—", "0", "四(四)"),
    ("I2", "典型经验在市级以上会议交流", "项", "bonus", "—", "0", "四(四)"),
)

DEDUCTION_REASONS = (
    "抽查3个社区，其中1个社区未设置流动人口服务窗口",
    "台账资料不完整，部分月份记录缺失",
    "抽样核查数据与系统数据不一致",
    "佐证材料未加盖单位公章",
    "入户抽查5户，2户信息未及时录入",
    "协调会会议纪要缺失，无法证实召开次数",
)
RECTIFICATION_DEMANDS = (
    "对照督查反馈问题逐项建立整改台账，明确责任人和完成时限",
    "加快社区“一站式”服务窗口建设，年底前实现辖区社区全覆盖",
    "完善流动人口信息采集录入制度，确保信息录入及时准确",
    "规范佐证材料归档，按指标分类装订并加盖公章",
    "加大宣传教育力度，提高流动人口政策知晓率",
    "落实专项经费，按户籍人口同等标准保障流动人口服务管理投入",
)
EVIDENCE_NAMES = (
    ("文件", "关于成立流动人口基本公共服务均等化工作领导小组的通知.pdf", 4),
    ("会议纪要", "领导小组第{n}次协调会会议纪要.pdf", 3),
    ("表格", "流动人口信息采集汇总表.xlsx", None),
    ("照片", "社区一站式服务窗口现场照片.jpg", 1),
    ("表格", "流动人口计划生育政策知晓率抽样调查汇总表.xlsx", None),
    ("文件", "财政预算批复文件（流动人口服务管理经费）.pdf", 6),
    ("台账", "流动育龄妇女随访服务台账.pdf", 28),
    ("表格", "外来务工人员职业技能培训花名册.xlsx", None),
    ("文件", "出租房屋登记备案工作方案.docx", 5),
    ("照片", "流动人口宣传教育活动照片.jpg", 1),
)

# SPEC §3's bands; a vetoed unit gets the lowest, as the engine gives it.
GRADING = IndicatorSet(
    PROGRAM,
    YEAR,
    SOURCE,
    tuple(
        GradeBand(Decimal(minimum), grade)
        for minimum, grade in ((90, "优秀"), (80, "良好"), (60, "合格"), (0, "不合格"))
    ),
    (),
)


def _q(value: Decimal | float | int) -> Decimal:
    return rounded(Decimal(str(value)))


@dataclass(frozen=True)
class _Result:
    code: str
    name: str
    rows: tuple[IndicatorRow, ...]
    total: Decimal
    veto: bool


def _describe(spec: tuple, rule: str, value, score: Decimal, **fields) -> str:
    """The plain-language 得分依据 the engine's rule would print for ``value``."""
    code, name, unit, measure, _target, weight, _clause = spec
    indicator = Indicator(
        code,
        name,
        code[0],
        ("county",),
        {"rate-lower": "rate", "veto": "boolean", "bonus": "count"}.get(measure, measure),
        unit,
        weight=Decimal(weight),
        rule=rule,
        **fields,
    )
    return rules.RULES[rule](indicator).describe(value, score)


def _score_indicator(rng: random.Random, spec: tuple, quality: float, vetoed: bool):
    """Return (self_reported, verified, score, deduction, reason, explanation, percent)."""
    code, name, unit, measure, target, weight, _clause = spec
    w = Decimal(weight)
    deduction = None
    reason = ""
    if measure == "boolean":
        ok = rng.random() < quality + 0.08
        reported = "是" if ok or rng.random() < 0.5 else "否"
        verified = "" if (reported == "是") == ok else ("是" if ok else "否")
        score = w if ok else Decimal(0)
        explanation = _describe(spec, "threshold", ok, score)
        return reported, verified, score, deduction, reason, explanation, Decimal(100 if ok else 0)
    if measure == "veto":
        happened = vetoed
        return (
            "否",
            "是" if happened else "",
            Decimal(0),
            None,
            "",
            _describe(spec, "veto", happened, Decimal(0)),
            None,
        )
    if measure == "bonus":
        items = rng.choice((0, 0, 1, 2))
        score = Decimal(min(2, items))
        return (
            str(items),
            "",
            score,
            None,
            "",
            _describe(spec, "bonus", Decimal(items), score, per_item=Decimal(1), cap=Decimal(2)),
            None,
        )
    t = Decimal(target)
    attainment = min(1.08, max(0.5, rng.gauss(quality, 0.07)))
    if measure == "count":
        value = Decimal(max(0, round(float(t) * attainment)))
        reported_value = value
    elif measure == "rate-lower":
        value = _q(float(t) * (2.2 - attainment * 1.3))
        reported_value = value
    else:
        value = _surveyed(_q(min(100.0, float(t) * attainment)), code)
        reported_value = value
    verified = ""
    if rng.random() < 0.18:  # inspectors found a lower value
        if measure == "rate-lower":
            value = _q(float(value) * rng.uniform(1.05, 1.3))
        elif measure == "count":
            value = Decimal(max(0, int(value) - rng.randint(1, max(1, int(value) // 5 or 1))))
        else:
            value = _surveyed(_q(float(value) * rng.uniform(0.85, 0.98)), code)
        verified = _shown(value, measure, code)
    if measure == "rate-lower":
        floor = t * 3
        if value <= t:
            score = w
        elif value >= floor:
            score = Decimal(0)
        else:
            score = _q(w * (floor - value) / (floor - t))
        fields = {"target": t, "floor": floor, "direction": "lower"}
    else:
        floor = _q(t * Decimal("0.6"))
        if value >= t:
            score = w
        elif value <= floor:
            score = Decimal(0)
        else:
            score = _q(w * (value - floor) / (t - floor))
        fields = {"target": t, "floor": floor}
    explanation = _describe(spec, "linear", value, score, **fields)
    if score > 0 and rng.random() < 0.1:
        deduction = min(score, Decimal("0.5") * rng.randint(1, 2))
        score -= deduction
        reason = rng.choice(DEDUCTION_REASONS)
        explanation += f"；督查扣{fmt_score(deduction)}分，实得{fmt_score(score)}分"
    percent = _q(score / w * 100) if w else None
    shown = _shown(reported_value, measure, code)
    return shown, verified, score, deduction, reason, explanation, percent


# Rates are surveys of so many people: their fractions are as wide as the app prints them.
SURVEY_SIZES = (40, 200, 500, 1000)


def _survey_size(code: str) -> int:
    return SURVEY_SIZES[sum(map(ord, code)) % len(SURVEY_SIZES)]


def _surveyed(percent: Decimal, code: str) -> Decimal:
    """``percent`` as the nearest rate of the indicator's survey (965/1000 → 96.5)."""
    size = _survey_size(code)
    return Decimal(round(percent * size / 100)) * 100 / size


def _shown(value: Decimal, measure: str, code: str) -> str:
    """A value as the unit report shows it (core.formatting, print form)."""
    if measure != "rate":
        return plain_number(value)
    size = _survey_size(code)
    text = f"{plain_number(value * size / 100)}/{size}"
    return indicator_value(text, "rate", fixed=True)


def _unit_rows(code: str, seed: int, indicators: tuple = INDICATORS) -> tuple:
    rng = random.Random(f"{seed}:{code}")
    quality = rng.uniform(0.86, 1.0)
    vetoed = code == VETOED_COUNTY
    categories = dict(CATEGORIES)
    rows = []
    percents = []
    for spec in indicators:
        code_, name, unit, measure, target, weight, clause = spec
        reported, verified, score, deduction, reason, explanation, percent = _score_indicator(
            rng, spec, quality, vetoed
        )
        display_target = {"veto": "否", "bonus": "—"}.get(measure, target)
        if measure == "rate":
            display_target = indicator_target(target, "rate", fixed=True)
        elif measure == "rate-lower":
            display_target = f"≤{target}"
        rows.append(
            IndicatorRow(
                category_name=categories[code_[0]],
                code=code_,
                name=name,
                unit=unit,
                target=display_target,
                self_reported=reported,
                verified=verified,
                score=_q(score),
                weight=Decimal(weight),
                deduction=deduction,
                deduction_reason=reason,
                explanation=explanation,
                source=f"{SOURCE} {clause}",
            )
        )
        percents.append(percent)
    return tuple(rows), tuple(percents), vetoed


def _total(rows: tuple[IndicatorRow, ...]) -> Decimal:
    base = sum((r.score for r in rows if r.weight > 0), Decimal(0))
    weights = sum((r.weight for r in rows), Decimal(0))
    bonus = sum((r.score for r in rows if r.code.startswith("I")), Decimal(0))
    return min(_q(100 * base / weights + bonus), Decimal(100)) if weights else Decimal(0)


def _grade(total: Decimal, veto: bool) -> str:
    return GRADING.lowest_grade() if veto else GRADING.grade_for(total)


def _rank(results: list[tuple[str, str, Decimal, bool]]) -> dict[str, int]:
    """Competition ranks (1, 2, 2, 4), vetoed units after all others."""
    ordered = sorted(results, key=lambda r: (r[3], -r[2], r[0]))
    ranks: dict[str, int] = {}
    previous = None
    for position, (code, _name, total, veto) in enumerate(ordered, start=1):
        key = (veto, total)
        ranks[code] = ranks[previous[0]] if previous and previous[1] == key else position
        previous = (code, key)
    return ranks


@cache
def _county_results(seed: int, indicator_count: int) -> tuple:
    indicators = _indicator_subset(indicator_count)
    results = []
    for code, name in COUNTIES:
        rows, percents, vetoed = _unit_rows(code, seed, indicators)
        results.append((code, name, rows, percents, _total(rows), vetoed))
    ranks = _rank([(c, n, t, v) for c, n, _r, _p, t, v in results])
    return tuple(results), ranks


def _indicator_subset(count: int) -> tuple:
    """The first ``count`` indicators, always keeping the veto and a bonus item."""
    if count >= len(INDICATORS):
        return INDICATORS
    special = tuple(s for s in INDICATORS if s[3] in ("veto", "bonus"))[:2]
    plain = tuple(s for s in INDICATORS if s[3] not in ("veto", "bonus"))
    return plain[: max(1, count - len(special))] + special


def _previous_total(code: str, total: Decimal, seed: int) -> Decimal:
    rng = random.Random(f"prev:{seed}:{code}")
    return _q(min(Decimal(99), max(Decimal(45), total - Decimal(str(rng.uniform(-6, 9))))))


def _previous_result(results, code: str, seed: int) -> PreviousResult:
    """Last year's result of ``code``: the totals of :func:`_previous_total`, ranked, and
    each category's rate moved a few points."""
    before = {c: _previous_total(c, total, seed) for c, _n, _r, _p, total, _v in results}
    rank = 1 + sum(1 for other in before.values() if other > before[code])
    rows = next(r for c, _n, r, _p, _t, _v in results if c == code)
    rng = random.Random(f"prev-categories:{seed}:{code}")
    percents = tuple(
        (c.name, _q(min(Decimal(100), max(Decimal(0), c.percent - Decimal(rng.randint(-8, 8))))))
        for c in _categories(rows)
    )
    return PreviousResult(
        YEAR - 1, before[code], _grade(before[code], False), rank, len(results), percents
    )


def _peers(results, ranks, seed: int) -> tuple[RankingRow, ...]:
    rows = [
        RankingRow(
            rank=ranks[code],
            unit_name=name,
            total=total,
            grade=_grade(total, veto),
            veto=veto,
            previous_total=_previous_total(code, total, seed),
        )
        for code, name, _rows, _p, total, veto in results
    ]
    return tuple(sorted(rows, key=lambda r: r.rank))


def _categories(rows: tuple[IndicatorRow, ...], averages: dict[str, Decimal] | None = None):
    out = []
    for code, name in CATEGORIES:
        mine = [r for r in rows if r.category_name == name]
        weight = sum((r.weight for r in mine), Decimal(0))
        if not mine or weight == 0:
            continue
        score = sum((r.score for r in mine), Decimal(0))
        out.append(
            CategoryScore(
                code=code,
                name=name,
                score=_q(score),
                weight=weight,
                percent=_q(score / weight * 100),
                kind_average_percent=(averages or {}).get(code),
            )
        )
    return tuple(out)


def sample_unit_report(
    unit_index: int = 0, *, seed: int = 2011, indicator_count: int = 60
) -> UnitReportData:
    """The unit report of the ``unit_index``-th county (0–15) with ``indicator_count``
    indicators (60 spans about six pages), evidence, rectifications and its peers."""
    results, ranks = _county_results(seed, indicator_count)
    code, name, rows, _percents, total, vetoed = results[unit_index % len(results)]
    category_rates: dict[str, list[Decimal]] = {}
    for result in results:
        for category in _categories(result[2]):
            category_rates.setdefault(category.code, []).append(category.percent)
    averages = {c: _q(sum(v, Decimal(0)) / len(v)) for c, v in category_rates.items()}
    rng = random.Random(f"extras:{seed}:{code}")
    evidence = []
    uploaded = datetime(2011, 11, 8, 1, 30)  # stored as UTC: 09:30 in Zhengzhou
    for row in rows:
        if row.weight == 0 or rng.random() > 0.45:
            continue
        kind, filename, pages = rng.choice(EVIDENCE_NAMES)
        uploaded += timedelta(hours=rng.randint(1, 30), minutes=rng.randint(0, 59))
        evidence.append(
            EvidenceRow(
                indicator_code=row.code,
                filename=filename.format(n=rng.randint(1, 4)),
                kind=kind,
                pages=pages,
                uploaded_at=uploaded,
            )
        )
    rectifications = []
    statuses = ("整改中", "已完成", "未开始")
    for row in rows:
        if row.deduction is None and (row.weight == 0 or row.score >= row.weight * Decimal("0.7")):
            continue
        if len(rectifications) >= 8:
            break
        status = rng.choice(statuses)
        rectifications.append(
            RectificationRow(
                indicator_code=row.code,
                demand=rng.choice(RECTIFICATION_DEMANDS),
                due_date=date(2012, rng.choice((3, 4, 6)), rng.choice((15, 30))),
                status=status,
                response="已制定整改方案，正在逐项落实" if status != "未开始" else "",
            )
        )
    return UnitReportData(
        program=PROGRAM,
        year=YEAR,
        issuing_office=ISSUING_OFFICE,
        area="全市",
        report_date=REPORT_DATE,
        unit_code=code,
        unit_name=name,
        unit_kind_label="县(市、区)",
        total=total,
        grade=_grade(total, vetoed),
        rank=ranks[code],
        rank_of=len(results),
        veto=vetoed,
        categories=_categories(rows, averages),
        indicators=rows,
        evidence=tuple(evidence),
        rectifications=tuple(rectifications),
        peers=_peers(results, ranks, seed),
        previous=_previous_result(results, code, seed),
        inspection=InspectionFacts(date(2011, 12, 5), date(2011, 12, 9), ("督查组甲", "督查组乙")),
        # The 问题清单 as the app builds it from these rows and demands (no answers: the
        # sample has no returned items or inspectors' reasons for a 核定值).
        problems=problem_list(rows, {}, rectifications),
    )


def sample_city_summary(*, seed: int = 2011) -> CitySummaryData:
    """The city summary of the sample year: counties and departments ranked, grades,
    a heat map of every scored indicator across the counties, and last year's totals."""
    results, ranks = _county_results(seed, len(INDICATORS))
    counties = _peers(results, ranks, seed)
    rng = random.Random(f"departments:{seed}")
    department_totals = [(code, name, _q(rng.uniform(72, 97)), False) for code, name in DEPARTMENTS]
    department_ranks = _rank(department_totals)
    departments = tuple(
        sorted(
            (
                RankingRow(
                    rank=department_ranks[code],
                    unit_name=name,
                    total=total,
                    grade=_grade(total, False),
                    veto=False,
                    previous_total=_previous_total(code, total, seed),
                )
                for code, name, total, _v in department_totals
            ),
            key=lambda r: r.rank,
        )
    )
    grades = tuple(band.grade for band in GRADING.grades)
    everyone = counties + departments
    distribution = tuple((g, sum(1 for r in everyone if r.grade == g)) for g in grades)
    scored = [i for i, spec in enumerate(INDICATORS) if spec[3] not in ("veto", "bonus")]
    ordered = sorted(results, key=lambda r: ranks[r[0]])
    heatmap = HeatMap(
        indicator_labels=tuple(f"{INDICATORS[i][0]} {INDICATORS[i][1]}" for i in scored),
        unit_labels=tuple(r[1] for r in ordered),
        values=tuple(tuple(r[3][i] for r in ordered) for i in scored),
        kind="county",
    )
    return CitySummaryData(
        program=PROGRAM,
        year=YEAR,
        issuing_office=ISSUING_OFFICE,
        area="全市",
        report_date=REPORT_DATE,
        rankings=(
            KindRanking(kind_label="县(市、区)", rows=counties, kind="county"),
            KindRanking(kind_label="市直成员单位", rows=departments, kind="department"),
        ),
        grade_distribution=distribution,
        heatmap=heatmap,
        previous_year=YEAR - 1,
    )


AWARD_CATEGORIES = (
    ("先进县(市、区)", (("金水区", "", ""), ("二七区", "", ""), ("新郑市", "", ""))),
    (
        "先进乡(镇、办)",
        (
            ("金水区丰产路街道办事处", "", ""),
            ("中原区林山寨街道办事处", "", ""),
            ("新郑市龙湖镇", "", ""),
        ),
    ),
    (
        "先进用工单位",
        (
            ("郑州宇通客车股份有限公司", "", ""),
            ("富士康科技集团郑州科技园", "", ""),
            ("郑州日产汽车有限公司", "", ""),
        ),
    ),
    (
        "先进服务管理机构",
        (
            ("二七区流动人口服务管理中心", "", ""),
            ("管城回族区流动人口服务站", "", ""),
            ("高新区石佛办事处流动人口服务中心", "", ""),
        ),
    ),
    (
        "先进培训机构",
        (
            ("郑州市技师学院", "", ""),
            ("河南省职工职业技能培训中心", "", ""),
            ("郑州市阳光工程培训学校", "", ""),
        ),
    ),
    (
        "优秀外来务工人员",
        (
            ("王秀兰", "郑州宇通客车股份有限公司", "焊接班组长"),
            ("李建国", "中建七局第二建筑有限公司", "钢筋工"),
            ("张春梅", "郑州丹尼斯百货有限公司", "营业员"),
        ),
    ),
    (
        "先进学校",
        (
            ("金水区纬五路第二小学", "", ""),
            ("二七区陇海中学", "", ""),
            ("中原区伊河路小学", "", ""),
        ),
    ),
    (
        "先进社区",
        (
            ("金水区文化路街道政一街社区", "", ""),
            ("惠济区老鸦陈街道毛庄社区", "", ""),
            ("郑东新区如意湖街道正商社区", "", ""),
        ),
    ),
    (
        "先进医疗卫生计生机构",
        (
            ("二七区人口和计划生育服务站", "", ""),
            ("中牟县妇幼保健院", "", ""),
            ("金水区杜岭街道社区卫生服务中心", "", ""),
        ),
    ),
    (
        "优秀流动人口服务工作者",
        (
            ("刘海燕", "金水区丰产路街道办事处", "流动人口协管员"),
            ("赵志强", "二七区建中街社区", "计生专干"),
            ("孙慧敏", "新郑市龙湖镇人口计生办", "主任"),
        ),
    ),
)


def sample_award_list(*, with_scores: bool = False, seed: int = 2013) -> AwardListData:
    """The award list of the sample nomination round: ten categories, three each (30)."""
    rng = random.Random(seed)
    categories = []
    for name, nominees in AWARD_CATEGORIES:
        scores = sorted((_q(rng.uniform(86, 96)) for _n in nominees), reverse=True)
        categories.append(
            AwardCategory(
                name=name,
                nominees=tuple(
                    Awardee(
                        rank=i + 1,
                        name=n,
                        work_unit=unit,
                        position=position,
                        score=score if with_scores else None,
                    )
                    for i, ((n, unit, position), score) in enumerate(
                        zip(nominees, scores, strict=True)
                    )
                ),
                persons=any(unit for _n, unit, _p in nominees),
            )
        )
    return AwardListData(
        year=2013,
        title="郑州市培育十类典型促进流动人口社会融合\n先进集体和先进个人表彰名单",
        issuing_offices=("郑州市人力资源和社会保障局", "郑州市人口和计划生育委员会"),
        report_date=date(2013, 12, 20),
        categories=tuple(categories),
    )
