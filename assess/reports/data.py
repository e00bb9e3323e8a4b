"""What each printed report shows, as plain frozen values (no database, no Flask).

The web layer fills these from a published cycle; the report tests and ``bench/report.py``
build them from ``tests/reports/sample_reports.py``. Every class pickles, so a batch can hand them to worker
processes. Display strings (values, statuses, kinds) arrive formatted; numbers that the
report computes with or compares arrive as :class:`~decimal.Decimal`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class CategoryScore:
    """A unit's result in one indicator category (指标类别).

    ``percent`` is the score rate (得分率, score ÷ weight × 100); ``kind_average_percent``
    the mean rate of the units of the same kind, drawn on the radar chart when given.
    """

    code: str
    name: str
    score: Decimal
    weight: Decimal
    percent: Decimal
    kind_average_percent: Decimal | None = None


@dataclass(frozen=True)
class IndicatorRow:
    """One indicator's line in a unit report (指标得分明细).

    ``target``, ``self_reported`` (自评值) and ``verified`` (核定值) are display strings
    *without* the unit of measure, which the table prints after the indicator's name
    (``知晓率（%）``), except that a rate reads as a percent with its fraction, as on the
    pages (``87.5%（35/40）``, target ``95%``); ``verified`` is '' when the inspectors
    accepted the self-reported value, and ``self_reported`` is '' when the unit did not
    report (未填报).
    ``deduction`` is the points deducted (扣分) as a positive number, or None.
    """

    category_name: str
    code: str
    name: str
    unit: str
    target: str
    self_reported: str
    verified: str
    score: Decimal
    weight: Decimal
    deduction: Decimal | None
    deduction_reason: str
    explanation: str
    source: str


@dataclass(frozen=True)
class EvidenceRow:
    """One evidence file (佐证材料) listed in a unit report."""

    indicator_code: str
    filename: str
    kind: str
    pages: int | None
    uploaded_at: datetime


@dataclass(frozen=True)
class RectificationRow:
    """One rectification demand (整改要求) with its due date and state, the unit's answer
    and the names of the evidence files it attached (整改佐证材料)."""

    indicator_code: str
    demand: str
    due_date: date
    status: str
    response: str
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProblemRow:
    """One line of a unit report's 问题清单: what the inspection found on an indicator (a
    deduction, a 核定值 other than the self-reported value, an item sent back) or asked of
    the unit (a rectification demand), in the inspectors' words. ``kind`` is its label
    (扣分, 核定, 退回, 整改要求); ``indicator`` its 编号, or '' for the whole unit."""

    kind: str
    indicator: str
    detail: str


@dataclass(frozen=True)
class AppealRow:
    """One appeal (复核申诉) against a published score and its answer; ``unit_name`` is
    printed in the city summary, ``answer`` is '' while it waits."""

    indicator_code: str
    indicator_name: str
    reason: str
    filed_at: datetime
    state: str  # the state's label
    answer: str
    correction: str  # the corrected 核定值 and 扣分 in words when upheld, else ''
    unit_name: str = ""


@dataclass(frozen=True)
class RankingRow:
    """One unit's line in a ranking (competition rank, 1 2 2 4; vetoed units last)."""

    rank: int | None
    unit_name: str
    total: Decimal
    grade: str
    veto: bool
    previous_total: Decimal | None = None


@dataclass(frozen=True)
class KindTotals:
    """The totals of the units of one kind as aggregates (no names): what a unit report
    compares the unit with when units do not see each other's results."""

    count: int
    average: Decimal
    highest: Decimal
    lowest: Decimal


@dataclass(frozen=True)
class AuditFingerprint:
    """The audit chain's head when the results were published (审计链指纹): the chain held
    ``count`` entries, and ``digits`` begin the last one's mac. While the log is intact,
    ``assess audit verify --at COUNT`` prints the same digits."""

    count: int
    digits: str


@dataclass(frozen=True)
class PreviousResult:
    """The unit's published result of the cycle before (上年度), for the comparison: its
    total, grade and rank among ``rank_of`` units of its kind, and each category's score
    rate as ``(category name, percent)``."""

    year: int
    total: Decimal
    grade: str
    rank: int | None
    rank_of: int
    category_percents: tuple[tuple[str, Decimal], ...] = ()


@dataclass(frozen=True)
class InspectionFacts:
    """When the inspectors reviewed the unit's items and who they were, from the review
    records: the first and last day (office's calendar) and the reviewers' names in the
    order they first reviewed. Empty when nothing was reviewed."""

    first_day: date | None = None
    last_day: date | None = None
    team: tuple[str, ...] = ()


@dataclass(frozen=True)
class OwnAssessmentRow:
    """One assessment a unit's own office ran that year (本级组织的考核): ``unit_name`` is
    the unit the row is listed under (a county), ``owner_name`` the unit that runs it (that
    county or a unit below it), ``assessed`` how many units it assesses and
    ``assessed_label`` their kind (乡（镇、办）). ``grades`` is ``(grade, units)`` from
    the best grade down once ``published``; ``state_label`` says where an unpublished one
    stands."""

    unit_name: str
    owner_name: str
    cycle_name: str
    state_label: str
    published: bool
    assessed: int
    assessed_label: str
    grades: tuple[tuple[str, int], ...] = ()
    cycle_id: int | None = None  # for a page's link to the cycle; reports print none


@dataclass(frozen=True)
class UnitReportData:
    """The unit inspection report (督查报告) of one unit for one cycle.

    ``rank`` is None for a unit that is not ranked; ``rank_of`` counts the units of the
    same kind. ``peers`` is that kind's ranking (this unit included), drawn as a bar chart
    with this unit highlighted; empty to leave the chart out (the default: units see each
    other's names only when the office says so), when ``kind_totals`` is printed instead. ``subject`` is the work the
    title names (…年度<subject>督查报告); empty, it comes from ``program``
    (郑州市流动人口基本公共服务均等化考核 → 流动人口基本公共服务均等化工作).
    ``audit`` is printed under the sign-off; None (a publication from before it was kept)
    prints nothing. ``report_date`` is the 成文日期: the day the results were published, on
    the office's calendar (China time), the same on every reprint. ``previous`` is last
    year's result (None: no comparison), ``inspection`` when and by whom the items were
    reviewed.
    """

    program: str
    year: int
    issuing_office: str
    # What the text calls the whole of the units assessed (全市, 全县: ``assessed_area``).
    area: str
    report_date: date
    unit_code: str
    unit_name: str
    unit_kind_label: str
    total: Decimal
    grade: str
    rank: int | None
    rank_of: int
    veto: bool
    categories: tuple[CategoryScore, ...]
    indicators: tuple[IndicatorRow, ...]
    evidence: tuple[EvidenceRow, ...] = ()
    rectifications: tuple[RectificationRow, ...] = ()
    peers: tuple[RankingRow, ...] = ()
    subject: str = ""
    kind_totals: KindTotals | None = None
    audit: AuditFingerprint | None = None
    appeals: tuple[AppealRow, ...] = ()
    problems: tuple[ProblemRow, ...] = ()
    previous: PreviousResult | None = None
    inspection: InspectionFacts = InspectionFacts()
    # The assessments the unit's own office ran the same year (本级组织的考核); empty
    # leaves the section out.
    own_assessments: tuple[OwnAssessmentRow, ...] = ()


@dataclass(frozen=True)
class KindRanking:
    """The ranking of one unit kind, e.g. 县(市、区) or 成员单位; ``kind`` is its stored
    code (``county``), for pages that show one kind at a time."""

    kind_label: str
    rows: tuple[RankingRow, ...]
    kind: str = ""


@dataclass(frozen=True)
class HeatMap:
    """Per-indicator attainment across units (指标完成情况).

    ``values[i][j]`` is the score rate in percent of indicator ``i`` for unit ``j``, or
    None where the indicator does not apply to the unit. ``kind`` is the stored code of
    the unit kind the columns are (the largest kind of the cycle).
    """

    indicator_labels: tuple[str, ...]
    unit_labels: tuple[str, ...]
    values: tuple[tuple[Decimal | None, ...], ...]
    kind: str = ""


@dataclass(frozen=True)
class LedgerUnitRow:
    """One unit's totals in the claimed-vs-verified ledger (核减台账) of the city summary:
    items checked, items whose verified value differs from the claimed one, their share in
    percent (2 decimals) and the points deducted; ``unit_name`` is 合计 on the totals row."""

    unit_name: str
    items: int
    reduced: int
    share: Decimal
    deductions: Decimal


@dataclass(frozen=True)
class CitySummaryData:
    """The city summary report (全市汇总报告) of one published cycle.

    ``grade_distribution`` lists ``(grade, number of units)`` from the best grade down;
    ``previous_year`` labels the comparison with last year (None when there is none);
    ``audit`` and ``report_date`` as in :class:`UnitReportData`.
    """

    program: str
    year: int
    issuing_office: str
    area: str  # as in UnitReportData
    report_date: date
    rankings: tuple[KindRanking, ...]
    grade_distribution: tuple[tuple[str, int], ...]
    heatmap: HeatMap | None = None
    previous_year: int | None = None
    # Units that never reported when the results were published, and the office's reason
    # for publishing all the same (发布说明), printed in the overall situation.
    unreported: tuple[str, ...] = ()
    unreported_reason: str = ""
    audit: AuditFingerprint | None = None
    appeals: tuple[AppealRow, ...] = ()
    # The claimed-vs-verified ledger (核减台账): per unit, and the whole cycle's totals.
    ledger: tuple[LedgerUnitRow, ...] = ()
    ledger_total: LedgerUnitRow | None = None
    # Per assessed unit (counties, usually), the assessments its own office ran the same
    # year (本级组织的考核), in ranking order; empty leaves the section out.
    own_assessments: tuple[OwnAssessmentRow, ...] = ()


@dataclass(frozen=True)
class Awardee:
    """One commended nominee. ``work_unit``/``position`` are '' for a unit nominee;
    ``score`` is None to print the list without scores (the published form)."""

    rank: int
    name: str
    work_unit: str = ""
    position: str = ""
    score: Decimal | None = None


@dataclass(frozen=True)
class AwardCategory:
    """One category of the ten types of models (十类典型), its awardees in rank order;
    ``persons`` when it commends persons (counted with 名) rather than units (个)."""

    name: str
    nominees: tuple[Awardee, ...]
    persons: bool = False


@dataclass(frozen=True)
class AwardListData:
    """The award list (表彰名单) of a nomination round, jointly issued by its offices.

    A line break (``\n``) in ``title`` is where the printed title turns to its next line
    (GB/T 9704 wants titles broken between words, which only a person can choose).
    ``report_date`` is the day the award list was confirmed, on the office's calendar.
    """

    year: int
    title: str
    issuing_offices: tuple[str, ...]
    report_date: date
    categories: tuple[AwardCategory, ...]


ReportData = UnitReportData | CitySummaryData | AwardListData
