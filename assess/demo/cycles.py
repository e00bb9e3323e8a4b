"""Demo cycles: last year's published results and this year's cycle in review, with
realistic self-reports, evidence, verifications, returns and rectification demands for
every unit, so ``make run`` shows a living system.
"""

from __future__ import annotations

import io
import random
from datetime import date, timedelta
from decimal import Decimal

from assess.accounts.models import User
from assess.core.enums import CycleState, Role
from assess.core.formatting import local_today
from assess.cycles import (
    appeals,
    deadlines,
    lifecycle,
    publishing,
    rectifications,
    submissions,
)
from assess.cycles.models import Cycle, Submission
from assess.evidence import attachments
from assess.evidence.storage import EvidenceStore
from assess.units.models import Unit
from indicators import SETS_DIR
from scoring.model import Indicator

# 郑政办〔2010〕90号: one set for the counties each year, one for the member departments.
COUNTY_2011, COUNTY_2012, DEPARTMENTS = (
    "zz-2011-county.yaml",
    "zz-2012-county.yaml",
    "zz-2011-department.yaml",
)
# A county's set for its townships, run by 金水区's office.
TOWNSHIPS = "county-variant-township.yaml"
SEED = 2011


def _value(indicator: Indicator, rng: random.Random, strength: float) -> str:
    """A plausible reported value: stronger units land nearer (or above) the target."""
    target = float(indicator.target) if indicator.target is not None else 0.0
    if indicator.rule == "veto":
        return "否"
    if indicator.measure == "rate":
        denominator = rng.choice([200, 300, 400, 500, 1000])
        goal = target if indicator.direction != "lower" else max(target, 1.0)
        pct = min(100.0, max(0.0, goal + rng.gauss(strength * 6 - 3, 6)))
        if indicator.direction == "lower":
            pct = max(0.0, goal - rng.gauss(strength * 3 - 1, 2))
        return f"{round(denominator * pct / 100)}/{denominator}"
    if indicator.measure == "grade":
        return rng.choices(["优", "良", "中", "差"], weights=[3 * strength + 1, 3, 1, 0.3])[0]
    if indicator.measure == "boolean":
        return "是" if rng.random() < 0.3 + 0.6 * strength else "否"
    if indicator.rule == "deduct":
        return str(max(0, round(rng.gauss(2 - 2 * strength, 1))))
    if indicator.rule == "bonus":
        return str(rng.choice([0, 0, 1, 2]))
    base = target or 10.0
    return str(max(0, round(base * rng.uniform(0.7 + 0.3 * strength, 1.25))))


def _pdf(title: str) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class _Upload:
    """The shape of a werkzeug FileStorage, for stored demo files."""

    def __init__(self, data: bytes, filename: str):
        self.stream, self.filename = io.BytesIO(data), filename


def _fill(cycle: Cycle, units: list[Unit], rng: random.Random, store: EvidenceStore | None) -> None:
    """Fill in every unit's values; with evidence files when a ``store`` is given."""
    for unit in units:
        reporter = User.get_or_none(User.role == Role.REPORTER, User.unit == unit)
        if reporter is None:
            continue
        strength = rng.random()
        for item in submissions.unit_items(cycle, unit):
            text = _value(item.indicator, rng, strength)
            narrative = f"{unit.name}{item.indicator.name}工作情况，详见佐证材料。"
            sub, _warning = submissions.save_value(
                cycle, unit, item.indicator.code, text, narrative, None, reporter
            )
            if store is not None and item.indicator.evidence and rng.random() < 0.6:
                name = f"{unit.name}-{item.indicator.evidence[0]}.pdf"
                stored = attachments.store_uploads([_Upload(_pdf(name), name)], store)
                attachments.attach(stored, reporter, unit.id, submission=sub)
        submissions.submit_unit(cycle, unit, reporter)


def _review(cycle: Cycle, rng: random.Random) -> None:
    inspector = User.get(User.username == "inspector")
    parsed = lifecycle.indicator_set(cycle)
    for sub in Submission.select().where(Submission.cycle == cycle).order_by(Submission.id):
        roll = rng.random()
        indicator = parsed.indicator(sub.indicator_code)
        if roll < 0.55:
            submissions.verify_item(sub, sub.version, inspector)
        elif roll < 0.6 and indicator.measure == "rate" and "/" in sub.value_text:
            num, den = (int(x) for x in sub.value_text.split("/"))
            submissions.verify_item(
                sub,
                sub.version,
                inspector,
                verified_value=f"{max(0, num - den // 20)}/{den}",
                reason="抽样复核，部分调查表无签字，不予认定",
            )
        elif roll < 0.63 and indicator.is_base:
            # 扣完为止: never more than the item scored, and nothing off an item at 0.
            score = submissions.rule_score(sub, indicator, sub.value_text)
            points = min(Decimal(2), score) or None
            submissions.verify_item(
                sub,
                sub.version,
                inspector,
                deduction=points,
                deduction_reason="台账资料不完整" if points else "",
            )
        elif roll < 0.66:
            submissions.return_item(
                sub, "佐证材料与填报数据不一致，请核实后重新提交", sub.version, inspector
            )


def _appeal(cycle: Cycle) -> None:
    """Two counties appeal their lowest indicator score of the published cycle (复核申诉):
    the inspector has answered the first (not upheld), the second waits for its answer."""
    inspector = User.get(User.username == "inspector")
    filed = []
    for unit in lifecycle.units_in(cycle)[:2]:
        reporter = User.get(User.unit == unit, User.role == Role.REPORTER)
        lowest = min(appeals.appealable_scores(cycle, unit), key=lambda s: Decimal(s.score))
        filed += appeals.file_appeals(
            cycle,
            unit,
            [lowest.code],
            "本单位已按要求完成该项工作，相关台账已补充归档，申请复核该项得分。",
            [],
            reporter,
        )
    appeals.answer(
        filed[0],
        False,
        "经复核，补充的台账形成于核查结束之后，不能作为本年度佐证，维持原核定结果。",
        inspector,
    )


def _rectify(cycle: Cycle, units: list[Unit]) -> None:
    inspector = User.get(User.username == "inspector")
    today = local_today()
    demands = [
        ("流动人口计划生育服务台账不规范，请按要求整改", 20),
        ("社区流动人口专干配备未达到500:1比例", 2),
        ("宣传资料未覆盖流动人口集中居住区", 10),
    ]
    for unit, (text, days) in zip(units, demands, strict=False):
        rectifications.demand(cycle, unit, text, today + timedelta(days=days), inspector)
    if len(units) > 3:
        row = rectifications.demand(
            cycle, units[3], "信息平台数据更新不及时", today + timedelta(days=1), inspector
        )
        reporter = User.get_or_none(User.role == Role.REPORTER, User.unit == units[3])
        if reporter:
            rectifications.respond(row, "已安排专人每周更新，并建立核查制度", reporter)


def _create(year: int, name: str, set_file: str, previous: Cycle | None = None) -> Cycle:
    admin = User.get(User.username == "admin")
    text = (SETS_DIR / set_file).read_text(encoding="utf-8")
    # The units report as if before the deadlines, which are recorded once they have: a
    # passed 自评截止 closes the self-report (assess.core.policy.DEADLINE_WRITES).
    cycle = lifecycle.create_cycle(year, name, text, set_file, None, None, previous, actor=admin)
    return lifecycle.transition(cycle, CycleState.OPEN, admin)


def _record_deadlines(cycle: Cycle, due: date, review_due: date) -> None:
    admin = User.get(User.username == "admin")
    deadlines.set_deadlines(cycle, due, review_due, "演示数据：各单位已在截止前填报", admin)


def load(store: EvidenceStore) -> None:
    """2011 county results published; 2012 county and department cycles in review, with
    evidence files in ``store``."""
    if store is None:  # a demo without evidence would hide what reporters and inspectors see
        raise ValueError("the cycle demo needs the instance's evidence store")
    admin = User.get(User.username == "admin")
    rng = random.Random(SEED)
    last = _create(
        2011,
        "2011年度县（市、区）流动人口基本公共服务均等化考核",
        COUNTY_2011,
    )
    _fill(last, lifecycle.units_in(last), rng, store=None)
    _record_deadlines(last, date(2011, 12, 20), date(2012, 1, 15))
    for sub in Submission.select().where(Submission.cycle == last):
        submissions.verify_item(sub, sub.version, admin)
    lifecycle.transition(last, CycleState.REVIEW, admin)
    publishing.publish(Cycle.get_by_id(last.id), admin)
    _appeal(Cycle.get_by_id(last.id))
    _sample_county_cycle(rng)

    today = local_today()
    due, review_due = today - timedelta(days=5), today + timedelta(days=20)
    for name, set_file, previous in (
        ("2012年度县（市、区）流动人口基本公共服务均等化考核", COUNTY_2012, last),
        ("2012年度成员单位流动人口基本公共服务均等化考核", DEPARTMENTS, None),
    ):
        cycle = _create(2012, name, set_file, previous)
        units = lifecycle.units_in(cycle)
        _fill(cycle, units, rng, store)
        _record_deadlines(cycle, due, review_due)
        _review(cycle, rng)
        _rectify(cycle, units)
        lifecycle.transition(Cycle.get_by_id(cycle.id), CycleState.REVIEW, admin)
    _township_cycle(review_due, review_due + timedelta(days=10))  # still reporting


def _township_cycle(due: date, review_due: date) -> None:
    """金水区's own office runs its townships' 2012 assessment (各级办公室): a small cycle it
    owns, open for self-report, that the city office reads and no other county sees."""
    office = User.get(User.username == "office-410105")
    text = (SETS_DIR / TOWNSHIPS).read_text(encoding="utf-8")
    cycle = lifecycle.create_cycle(
        2012,
        "2012年度金水区乡镇（街道）流动人口服务均等化考核",
        text,
        TOWNSHIPS,
        due,
        review_due,
        actor=office,
        owner=office.scope_unit,
    )
    lifecycle.transition(cycle, CycleState.OPEN, office)


def _sample_county_cycle(rng: random.Random) -> None:
    """中牟县's office assessed its twelve sample townships in 2011 and published the result
    (各级办公室): the city's 2011 reports show it under 本级组织考核情况."""
    office = User.get(User.username == "office-410122")
    text = (SETS_DIR / TOWNSHIPS).read_text(encoding="utf-8")
    cycle = lifecycle.create_cycle(
        2011,
        "2011年度中牟县乡镇流动人口服务均等化考核",
        text,
        TOWNSHIPS,
        actor=office,
        owner=office.scope_unit,
    )
    lifecycle.transition(cycle, CycleState.OPEN, office)
    _fill(cycle, lifecycle.units_in(cycle), rng, store=None)
    deadlines.set_deadlines(
        cycle, date(2011, 12, 10), date(2011, 12, 25), "演示数据：各乡镇已在截止前填报", office
    )
    for sub in Submission.select().where(Submission.cycle == cycle):
        submissions.verify_item(sub, sub.version, office)
    lifecycle.transition(Cycle.get_by_id(cycle.id), CycleState.REVIEW, office)
    publishing.publish(Cycle.get_by_id(cycle.id), office)
