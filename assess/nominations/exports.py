"""The round's downloads: the award list as .xlsx and PDF, the reviews of a ranking run as CSV."""

from __future__ import annotations

import io
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from assess.core.enums import NomineeKind
from assess.nominations import ranking_runs, rounds
from assess.nominations.models import (
    RankingRun,
)
from assess.nominations.pages import AwardList, flag_label, run_table
from assess.reports.data import AwardCategory, AwardListData
from assess.reports.data import Awardee as ReportAwardee
from scoring import export_cells
from scoring.export_cells import csv_text
from scoring.reviews_file import CSV_COLUMNS


def reviews_csv(run: RankingRun) -> str:
    """The run's inputs as ``REVIEWS.csv`` for ``assess rank-nominations`` (SPEC §5), with
    a byte-order mark for Excel (the command reads it)."""
    rows = ((r.nomination, r.category, r.reviewer, r.total) for r in ranking_runs.run_reviews(run))
    return csv_text(CSV_COLUMNS, rows, bom=True)


AWARD_COLUMNS = (
    _l("类别"),
    _l("类内序号"),
    _l("总排名"),
    _l("名称（姓名）"),
    _l("工作单位"),
    _l("职务"),
    _l("提名单位"),
    _l("得分"),
    _l("原始得分"),
    _l("中位数"),
    _l("有效评审数"),
    _l("备注"),
)


RANKED_COLUMNS = (
    _l("排名"),
    _l("提名编号"),
    _l("类别"),
    _l("名称（姓名）"),
    _l("提名单位"),
    _l("得分"),
    _l("原始得分"),
    _l("中位数"),
    _l("有效评审数"),
    _l("是否入选"),
    _l("标记"),
    _l("评审会决定"),
)


_HEADER_FILL = PatternFill("solid", fgColor="F0F2F5")


def _sheet(wb: Workbook, title: str, columns: tuple, widths: tuple[int, ...]):
    ws = wb.create_sheet(title)
    export_cells.append(ws, [str(c) for c in columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
    ws.freeze_panes = "A2"
    for cell, width in zip(ws[1], widths, strict=True):
        ws.column_dimensions[cell.column_letter].width = width
    return ws


def _number(value: Decimal | None) -> float | str:
    return "" if value is None else float(value)


def _selected_label(value: bool | None) -> str:
    return {True: _("入选"), False: _("未入选"), None: _("待评审会决定")}[value]


def award_workbook(award: AwardList) -> io.BytesIO:
    """The award list as .xlsx: the list by category, and the full ranked table of the
    confirmed run beside it."""
    wb = Workbook()
    wb.remove(wb.active)
    ws = _sheet(wb, _("表彰名单"), AWARD_COLUMNS, (22, 8, 8, 34, 30, 16, 18, 8, 8, 8, 10, 30))
    for category, awardees in award.categories:
        for a in awardees:
            n = a.nomination
            export_cells.append(
                ws,
                [
                    category.name,
                    a.place,
                    a.rank,
                    n.nominee_name,
                    n.work_unit,
                    n.position,
                    n.unit.name,
                    _number(a.line.score),
                    _number(a.line.raw_score),
                    _number(a.line.median),
                    a.line.reviews,
                    a.decision.note if a.decision else "",
                ],
            )
    table = run_table(award.run)
    ws = _sheet(wb, _("排名表"), RANKED_COLUMNS, (8, 10, 22, 34, 18, 8, 8, 8, 10, 12, 24, 30))
    for row in table.rows:
        line = row.line
        export_cells.append(
            ws,
            [
                line.rank if line.rank is not None else "",
                row.nomination.id,
                row.category.name,
                row.nomination.nominee_name,
                row.nomination.unit.name,
                _number(line.score),
                _number(line.raw_score),
                _number(line.median),
                line.reviews,
                _selected_label(row.final),
                "、".join(flag_label(f) for f in line.flags),
                row.decision.note if row.decision else "",
            ],
        )
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def award_pdf(award: AwardList, with_scores: bool = False) -> bytes:
    """The award list as PDF through the reports module (GB/T 9704 layout). Raises the
    reports module's MissingFontError when no CJK font is installed."""
    # WeasyPrint loads on the first PDF, not with the nomination pages.
    from assess.reports.render import render_award_list

    data = AwardListData(
        year=award.round.year,
        title=award.title,
        issuing_offices=rounds.award_issuers(award.round),
        report_date=award.confirmed_on,
        categories=tuple(
            AwardCategory(
                name=category.name,
                nominees=tuple(
                    ReportAwardee(
                        rank=a.place,
                        name=a.nomination.nominee_name,
                        work_unit=a.nomination.work_unit
                        if category.nominee_kind == NomineeKind.PERSON
                        else "",
                        position=a.nomination.position
                        if category.nominee_kind == NomineeKind.PERSON
                        else "",
                        score=a.line.score if with_scores else None,
                    )
                    for a in awardees
                ),
                persons=category.nominee_kind == NomineeKind.PERSON,
            )
            for category, awardees in award.categories
        ),
    )
    return render_award_list(data)
