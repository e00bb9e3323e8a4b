"""``assess rank-nominations``: rank a nomination round from a reviews file (SPEC §5).

Offline on purpose: panels checking a result and outside checks run it without the web app,
so it imports neither Flask nor peewee and never builds the app. All the rules live in
:mod:`scoring.nomination_ranking`; this module only reads the file and writes the result.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import NoReturn

import click

from scoring.export_cells import csv_text
from scoring.i18n import _
from scoring.nomination_ranking import RankedNominee, RankingParams, rank_nominations
from scoring.reviews_file import (
    OUTPUT_COLUMNS,
    ReviewsFileError,
    nominee_to_dict,
    nominee_to_row,
    read_reviews_csv,
)


@click.command(
    "rank-nominations",
    help=_(
        "十类典型评审排名：五个及以上评审分去掉一个最高分和一个最低分后取平均；"
        "同分依次比较中位数、90 分以上个数，仍相同则并列待评审组表决；取前 N 名，可设每类上限。"
    ),
)
@click.option(
    "--reviews",
    "reviews_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="REVIEWS.csv",
    help=_("评分文件（UTF-8，表头 nomination,category,reviewer,total）"),
)
@click.option(
    "--top", type=click.IntRange(min=1), default=30, show_default=True, help=_("表彰名额")
)
@click.option(
    "--cap-per-category",
    type=click.IntRange(min=1),
    default=None,
    metavar="K",
    help=_("每类最多入选数（默认不限）"),
)
@click.option(
    "--min-reviews",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help=_("参加排名所需的最少评审数"),
)
@click.option("--normalise", is_flag=True, help=_("按评审人做 z 分数标准化"))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["json", "csv"]),
    default="json",
    show_default=True,
    help=_("输出格式"),
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    metavar="FILE",
    help=_("输出文件（默认标准输出）"),
)
def rank_nominations_command(
    reviews_path: Path,
    top: int,
    cap_per_category: int | None,
    min_reviews: int,
    normalise: bool,
    output_format: str,
    output: Path | None,
) -> None:
    """Read REVIEWS.csv, rank it with scoring.nomination_ranking, write JSON or CSV (nothing on error)."""
    try:
        reviews = read_reviews_csv(reviews_path.read_bytes(), source=str(reviews_path))
    except ReviewsFileError as error:
        _fail(error.problems)
    except OSError as error:
        _fail([_("%(file)s: 无法读取：%(error)s", file=reviews_path, error=error.strerror)])

    params = RankingParams(
        top=top, cap_per_category=cap_per_category, min_reviews=min_reviews, normalise=normalise
    )
    nominees = rank_nominations(reviews, params)
    text = _render_json(nominees) if output_format == "json" else _render_csv(nominees)
    if output is None:
        click.echo(text, nl=False)
    else:
        try:
            _write_atomically(output, text)
        except OSError as error:
            _fail([_("%(file)s: 无法写入：%(error)s", file=output, error=error.strerror)])


def _fail(problems: list[str]) -> NoReturn:
    for problem in problems:
        click.echo(problem, err=True)
    raise click.exceptions.Exit(1)


def _render_json(nominees: list[RankedNominee]) -> str:
    document = {"nominees": [nominee_to_dict(n) for n in nominees]}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _render_csv(nominees: list[RankedNominee]) -> str:
    return csv_text(OUTPUT_COLUMNS, (nominee_to_row(n) for n in nominees))


def _write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` in one step, so a reader never sees half a result.

    The temporary file is opened like any new file (not with ``mkstemp``), so the result
    gets the user's usual permissions rather than owner-only ones.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
