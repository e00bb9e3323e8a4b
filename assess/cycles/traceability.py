"""Policy traceability (政策条款追溯) of an indicator set: each clause of the seed documents
it cites, with the indicators citing it and, for a published cycle, what they came to
(score rate, deductions, rectifications); the clauses no indicator covers; and citations
naming a clause the document does not have. The clause arithmetic is
:mod:`scoring.clauses`; this module feeds it the shipped documents and the cycle's results.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from flask_babel import get_locale
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from peewee import fn

from assess.cycles.models import Cycle, Rectification, UnitResultRecord
from assess.cycles.publishing import current_snapshot
from assess.reports.page_figure import DataTable, PageFigure, for_page
from indicators import PolicyDocument, policy_documents
from scoring import clauses, export_cells
from scoring.model import Indicator, IndicatorSet
from scoring.rules import rounded


@dataclass
class Outcome:
    """What one indicator came to in a published cycle: the units scored on it, its score
    rate (Σ scores ÷ Σ weights, in percent), the units with a deduction and their sum, and
    the rectification demands citing it."""

    units: int = 0
    score_sum: Decimal = Decimal(0)
    weight_sum: Decimal = Decimal(0)
    deducted_units: int = 0
    deductions: Decimal = Decimal(0)
    rectifications: int = 0

    @property
    def rate(self) -> Decimal | None:
        if not self.weight_sum:
            return None
        return rounded(Decimal(100) * self.score_sum / self.weight_sum)


@dataclass(frozen=True)
class ClauseRow:
    """A clause as the page shows it: its link and the indicators tied to it directly."""

    link: clauses.ClauseLink
    indicators: tuple[Indicator, ...]
    depth: int


@dataclass(frozen=True)
class DocumentTrace:
    document: PolicyDocument | None  # None: the set cites a document not shipped
    citation: str
    rows: tuple[ClauseRow, ...]
    uncovered: tuple[clauses.Clause, ...]
    unresolved: tuple[tuple[Indicator, clauses.Citation], ...]


@dataclass(frozen=True)
class SetTrace:
    documents: tuple[DocumentTrace, ...]
    outcomes: dict[str, Outcome] = field(default_factory=dict)  # indicator code → outcome
    published: bool = False


def trace_set(parsed: IndicatorSet, cycle: Cycle | None = None) -> SetTrace:
    """``parsed`` traced against the shipped documents it cites, in the order the set
    first cites them; with ``cycle``'s published results when it has some."""
    shipped = {clauses.compact(d.citation): d for d in policy_documents()}
    by_code = {i.code: i for i in parsed.indicators()}
    cited = {code: clauses.parse_citations(i.source, shipped) for code, i in by_code.items()}
    order = list(dict.fromkeys(c.document for items in cited.values() for c in items))
    documents = []
    for citation in order:
        document = shipped.get(citation)
        outline = clauses.outline(document.text) if document else []
        trace = clauses.trace(citation, outline, cited)
        rows = tuple(
            ClauseRow(link, tuple(by_code[c] for c in link.direct), len(link.clause.path))
            for link in trace.links
        )
        unresolved = tuple((by_code[code], c) for code, c in trace.unresolved)
        if document is None:  # nothing to resolve against: every clause cited is unknown
            unresolved = tuple(
                (by_code[code], c) for code, items in cited.items() for c in items
                if c.document == citation
            )  # fmt: skip
        documents.append(DocumentTrace(document, citation, rows, trace.uncovered, unresolved))
    outcomes, published = ({}, False)
    if cycle is not None:
        outcomes, published = cycle_outcomes(cycle, by_code)
    return SetTrace(tuple(documents), outcomes, published)


def cycle_outcomes(cycle: Cycle, indicators: dict[str, Indicator]) -> tuple[dict, bool]:
    """Indicator code → :class:`Outcome` from ``cycle``'s current snapshot and its
    rectification demands (two queries); ({}, False) before the cycle is published."""
    snapshot = current_snapshot(cycle)
    if snapshot is None:
        return {}, False
    outcomes = {code: Outcome() for code in indicators}
    records = UnitResultRecord.select(UnitResultRecord.scores).where(
        UnitResultRecord.snapshot == snapshot
    )
    for record in records:
        for code, item in json.loads(record.scores or "{}").items():
            indicator, outcome = indicators.get(code), outcomes.get(code)
            if indicator is None or outcome is None or not indicator.is_base:
                continue
            outcome.units += 1
            outcome.score_sum += Decimal(item["score"])
            outcome.weight_sum += indicator.weight
            if item.get("deduction"):
                outcome.deducted_units += 1
                outcome.deductions += Decimal(item["deduction"])
    demands = Counter(
        dict(
            Rectification.select(Rectification.indicator_code, fn.COUNT(Rectification.id))
            .where(Rectification.cycle == cycle)
            .group_by(Rectification.indicator_code)
            .tuples()
        )
    )
    for code, count in demands.items():
        if code in outcomes:
            outcomes[code].rectifications = count
    return outcomes, True


def section_counts(doc: DocumentTrace) -> list[tuple[str, int, int]]:
    """Per top-level section of ``doc``: its label and heading, the clauses in it (itself
    included) an indicator covers and those none covers."""
    sections: dict[str, list[int]] = {}
    headings: dict[str, str] = {}
    for row in doc.rows:
        top = row.link.clause.path[0]
        if len(row.link.clause.path) == 1:
            headings[top] = row.link.clause.heading
        counts = sections.setdefault(top, [0, 0])
        counts[0 if row.link.covered else 1] += 1
    return [(f"{top} {headings.get(top, '')}".strip(), c, u) for top, (c, u) in sections.items()]


def coverage_figure(doc: DocumentTrace, key: str) -> PageFigure | None:
    """The coverage chart of ``doc`` with its table, or None for a document not shipped."""
    counts = section_counts(doc)
    if not counts:
        return None
    rows = tuple((label, str(c), str(u), str(c + u)) for label, c, u in counts)
    return PageFigure(
        key,
        _("各部分条款的指标覆盖情况"),
        _coverage_svg(tuple(counts), key, str(get_locale())),
        DataTable((_("部分"), _("有指标覆盖"), _("未覆盖"), _("条款数")), rows, (1, 2, 3)),
    )


@lru_cache(maxsize=64)
def _coverage_svg(counts: tuple, key: str, locale: str) -> str:
    # Keyed on what it draws and the language of its labels: a set's coverage changes only
    # with its file, so each page view does not draw it again (~0.1 s of matplotlib).
    from assess.reports.charts import clause_coverage_chart  # matplotlib with the chart

    return for_page(clause_coverage_chart(counts), key)


def coverage_note(link: clauses.ClauseLink) -> str:
    """How a clause is covered, in words: 指标直接引用 / 由下级条款覆盖 / … / 未覆盖."""
    return {
        "direct": _("指标直接引用"),
        "within": _("由下级条款的指标覆盖"),
        "enclosing": _("由上级条款的指标整体覆盖"),
        "none": _("未覆盖"),
    }[link.coverage]


def trace_workbook(parsed: IndicatorSet, trace: SetTrace) -> bytes:
    """The trace as an .xlsx sheet: one row per clause and indicator citing it (a clause
    no indicator cites directly gets one row saying how it is covered), user text
    neutralised like every export."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("条款追溯")
    header = [_("文件"), _("条款"), _("条款内容"), _("覆盖情况"), _("指标代码"), _("指标名称"),
              _("权重")]  # fmt: skip
    if trace.published:
        header += [_("得分率（%）"), _("扣分单位数"), _("扣分合计"), _("整改要求数")]
    export_cells.append(sheet, header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for doc in trace.documents:
        title = doc.document.title if doc.document else doc.citation
        for row in doc.rows:
            clause, note = row.link.clause, coverage_note(row.link)
            for indicator in row.indicators or (None,):
                line = [title, clause.label, clause.heading, note]
                if indicator is None:
                    export_cells.append(sheet, line)
                    continue
                line += [indicator.code, indicator.name, indicator.weight]
                outcome = trace.outcomes.get(indicator.code)
                if trace.published and outcome is not None:
                    line += [outcome.rate, outcome.deducted_units, rounded(outcome.deductions),
                             outcome.rectifications]  # fmt: skip
                export_cells.append(sheet, line)
        for indicator, _citation in doc.unresolved:
            export_cells.append(sheet, [title, "", "", _("引用的条款在文件中找不到"),
                                        indicator.code, indicator.name, indicator.weight])  # fmt: skip
    for column, width in zip("ABCDEF", (40, 10, 36, 22, 10, 40), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
