"""The nomination round's exchange files (SPEC §5): ``REVIEWS.csv`` read into reviews, and a
ranked nominee as a JSON object or a CSV row, for ``assess rank-nominations`` and the
app's downloads.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal, InvalidOperation

from scoring.export_cells import restore
from scoring.i18n import _
from scoring.nomination_ranking import RankedNominee
from scoring.nomination_totals import TOTAL_MAX, TOTAL_MIN, Review, round_half_up

CSV_COLUMNS = ("nomination", "category", "reviewer", "total")
OUTPUT_COLUMNS = (
    "nomination",
    "category",
    "score",
    "raw_score",
    "median",
    "reviews",
    "rank",
    "selected",
    "flags",
)

# Plain decimal notation only: no exponents, NaN, infinities or full-width digits.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


class ReviewsFileError(ValueError):
    """A reviews file that cannot be ranked; ``problems`` holds one message per bad line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def nominee_to_dict(nominee: RankedNominee) -> dict[str, object]:
    """The SPEC §5 JSON object of a nominee; numbers as JSON numbers at 2 decimals."""
    return {
        "nomination": nominee.nomination,
        "category": nominee.category,
        "score": _number(nominee.score),
        "raw_score": _number(nominee.raw_score),
        "median": _number(nominee.median),
        "reviews": nominee.reviews,
        "rank": nominee.rank,
        "selected": nominee.selected,
        "flags": list(nominee.flags),
    }


def _number(value: Decimal | None) -> float | None:
    # A 2-decimal value survives the trip through float: repr gives the shortest string
    # that reads back as the same double, i.e. the decimal we started from.
    return None if value is None else float(round_half_up(value))


def nominee_to_row(nominee: RankedNominee) -> list[str]:
    """A nominee as a CSV row under :data:`OUTPUT_COLUMNS`.

    Numbers with exactly 2 decimals, empty cells for null, ``true``/``false`` as in the
    JSON, and flags joined by ``;``.
    """

    def cell(value: Decimal | None) -> str:
        return "" if value is None else str(round_half_up(value))

    selected = {True: "true", False: "false", None: ""}[nominee.selected]
    return [
        nominee.nomination,
        nominee.category,
        cell(nominee.score),
        cell(nominee.raw_score),
        cell(nominee.median),
        str(nominee.reviews),
        "" if nominee.rank is None else str(nominee.rank),
        selected,
        ";".join(nominee.flags),
    ]


def read_reviews_csv(data: bytes, source: str = "REVIEWS.csv") -> list[Review]:
    """Parse a ``nomination,category,reviewer,total`` file (UTF-8, BOM tolerated).

    The header must name exactly those four columns (in any order); blank lines are
    skipped. Raises :class:`ReviewsFileError` with one message per bad line, prefixed
    ``source:line:``, for: a file not in UTF-8, an empty file or one without reviews, a wrong
    header, a wrong number of cells, an empty cell, a total that is not a plain decimal
    number or lies outside 0–100, a reviewer listed twice for a nomination, and a
    nomination listed under two categories.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ReviewsFileError(
            [_("%(file)s:%(line)d: 文件不是 UTF-8 编码", file=source, line=line)]
        ) from None
    if not text.strip():
        raise ReviewsFileError(
            [
                _(
                    "%(file)s: 文件为空，应有表头 %(header)s",
                    file=source,
                    header=",".join(CSV_COLUMNS),
                )
            ]
        )

    reader = csv.reader(io.StringIO(text, newline=""))
    problems: list[str] = []
    reviews: list[Review] = []
    columns: dict[str, int] | None = None
    first_line_of: dict[tuple[str, str], int] = {}
    category_at: dict[str, tuple[str, int]] = {}
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            line = reader.line_num
            if columns is None:
                columns = _header_columns(row)
                if columns is None:
                    problems.append(
                        _(
                            "%(file)s:%(line)d: 表头应为 %(expected)s，实为 %(found)s",
                            file=source,
                            line=line,
                            expected=",".join(CSV_COLUMNS),
                            found=",".join(cell.strip() for cell in row),
                        )
                    )
                    break  # without the columns no later line can be read
                continue
            problem, review = _parse_row(row, columns, first_line_of, category_at, line)
            if problem:
                problems.append(
                    _("%(file)s:%(line)d: %(problem)s", file=source, line=line, problem=problem)
                )
            elif review is not None:
                reviews.append(review)
    except csv.Error as error:
        problems.append(
            _(
                "%(file)s:%(line)d: CSV 格式错误：%(error)s",
                file=source,
                line=reader.line_num,
                error=error,
            )
        )
    if not problems and not reviews:
        problems.append(_("%(file)s: 文件中没有评分数据", file=source))
    if problems:
        raise ReviewsFileError(problems)
    return reviews


def _header_columns(row: list[str]) -> dict[str, int] | None:
    """Column positions by name, or None unless the row names exactly the four columns."""
    names = [cell.strip() for cell in row]
    if sorted(names) != sorted(CSV_COLUMNS):
        return None
    return {name: names.index(name) for name in CSV_COLUMNS}


def _parse_row(
    row: list[str],
    columns: dict[str, int],
    first_line_of: dict[tuple[str, str], int],
    category_at: dict[str, tuple[str, int]],
    line: int,
) -> tuple[str | None, Review | None]:
    """(problem, None) for a bad row, (None, review) for a good one.

    Records the row's nomination, reviewer and category even when its total is bad, so a
    later duplicate is still reported against the later line.
    """
    if len(row) != len(CSV_COLUMNS):
        return _(
            "应有 %(expected)d 列，实有 %(found)d 列", expected=len(CSV_COLUMNS), found=len(row)
        ), None
    # The app's download neutralises text a spreadsheet would run; read back what was typed.
    cells = {name: restore(row[index]).strip() for name, index in columns.items()}
    empty = [name for name in CSV_COLUMNS if not cells[name]]
    if empty:
        return _("%(columns)s 为空", columns="、".join(empty)), None

    nomination, category, reviewer = cells["nomination"], cells["category"], cells["reviewer"]
    known_category, known_line = category_at.setdefault(nomination, (category, line))
    first_line = first_line_of.setdefault((nomination, reviewer), line)
    if known_category != category:
        return (
            _(
                "提名 %(nomination)s 的类别“%(category)s”与第 %(other)d 行的“%(known)s”不一致",
                nomination=nomination,
                category=category,
                other=known_line,
                known=known_category,
            ),
            None,
        )
    if first_line != line:
        return (
            _(
                "评审人 %(reviewer)s 对提名 %(nomination)s 重复评分（首见于第 %(other)d 行）",
                reviewer=reviewer,
                nomination=nomination,
                other=first_line,
            ),
            None,
        )
    total = _parse_total(cells["total"])
    if total is None:
        return _("总分“%(total)s”不是数字", total=cells["total"]), None
    if not TOTAL_MIN <= total <= TOTAL_MAX:
        return _("总分 %(total)s 超出 0–100 范围", total=cells["total"]), None
    return None, Review(nomination, category, reviewer, total)


def _parse_total(text: str) -> Decimal | None:
    if not _NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        return None
