"""Offline scoring commands (SPEC §4), usable without the web app or a database:

* ``assess score --indicators SET.yaml --values VALUES.csv [--format json|csv|xlsx] [-o FILE]``
* ``assess indicators export SET.yaml -o SET.xlsx`` and
  ``assess indicators import SET.xlsx [-o SET.yaml]`` (Excel round trip of a set);
* ``assess indicators trace SET.yaml [-o FILE.csv]`` (policy traceability: every clause of
  the seed documents the set cites, the indicators citing it; exit status 1 when a
  citation names a clause the document does not have).

Bad input is reported one message a bad line on stderr, the exit status is 1, and no
output is written. This module imports neither Flask nor peewee.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import click

from indicators import policy_documents
from scoring import clauses
from scoring.dumper import dump_indicator_set
from scoring.engine import result_to_dict, score_units
from scoring.export_cells import csv_text
from scoring.i18n import _
from scoring.loader import IndicatorSetError, load_indicator_set
from scoring.spreadsheets import results_to_csv, results_to_xlsx, set_from_xlsx, set_to_xlsx
from scoring.values_file import ValuesFileError, read_values_file

_READABLE = click.Path(exists=True, dir_okay=False, path_type=Path)
_WRITABLE = click.Path(dir_okay=False, writable=True, path_type=Path)


def _fail(errors: list[str]) -> None:
    """Print every message to stderr and stop with exit status 1."""
    for message in errors:
        click.echo(message, err=True)
    sys.exit(1)


def _write(output: Path | None, content: str | bytes) -> None:
    """Write ``content`` to ``output`` whole (through a temporary file in the same folder,
    so a failure never leaves half a file), or to stdout when ``output`` is ``None``."""
    if output is None:
        if isinstance(content, bytes):
            sys.stdout.buffer.write(content)
        else:
            sys.stdout.write(content)
        sys.stdout.flush()
        return
    data = content.encode("utf-8") if isinstance(content, str) else content
    folder = output.resolve().parent
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{output.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _load_set(path: Path):
    try:
        return load_indicator_set(path)
    except IndicatorSetError as error:
        _fail(error.errors)


@click.command("score")
@click.option(
    "--indicators",
    "indicators_path",
    required=True,
    type=_READABLE,
    help=_("指标体系文件（YAML）"),
)
@click.option(
    "--values",
    "values_path",
    required=True,
    type=_READABLE,
    help=_("填报值文件（CSV，UTF-8）：unit_code,unit_name,unit_kind,indicator_code,value"),
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["json", "csv", "xlsx"]),
    default="json",
    show_default=True,
    help=_("输出格式"),
)
@click.option(
    "-o",
    "--output",
    type=_WRITABLE,
    default=None,
    help=_("输出文件（默认标准输出；xlsx 必须指定）"),
)
def score_command(
    indicators_path: Path, values_path: Path, output_format: str, output: Path | None
) -> None:
    """离线评分：按指标体系为填报值打分、排名（Score a values file against an indicator set)."""
    if output_format == "xlsx" and output is None:
        raise click.UsageError(_("xlsx 格式须用 -o 指定输出文件"))
    indicator_set = _load_set(indicators_path)
    try:
        table = read_values_file(values_path, indicator_set)
    except ValuesFileError as error:
        _fail(error.errors)
    results = score_units(indicator_set, table.units, table.values)
    if output_format == "json":
        document = {"units": [result_to_dict(result) for result in results]}
        content: str | bytes = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    elif output_format == "csv":
        content = results_to_csv(indicator_set, results, table.names)
        if output is not None:
            # A byte-order mark lets Excel open a UTF-8 file as UTF-8; pipes do without.
            content = "\ufeff" + content
    else:
        content = results_to_xlsx(indicator_set, results, table.names)
    _write(output, content)


@click.group("indicators")
def indicators_group() -> None:
    """指标体系的 Excel 导出与导入（Export an indicator set to .xlsx and import it back)."""


@indicators_group.command("export")
@click.argument("set_path", type=_READABLE)
@click.option("-o", "--output", type=_WRITABLE, required=True, help=_("输出的 .xlsx 文件"))
def export_command(set_path: Path, output: Path) -> None:
    """把指标体系 YAML 导出为 Excel（Write SET.yaml as an .xlsx workbook)."""
    _write(output, set_to_xlsx(_load_set(set_path)))


@indicators_group.command("import")
@click.argument("xlsx_path", type=_READABLE)
@click.option(
    "-o", "--output", type=_WRITABLE, default=None, help=_("输出的 YAML 文件（默认标准输出）")
)
def import_command(xlsx_path: Path, output: Path | None) -> None:
    """从 Excel 导入指标体系为 YAML，并校验（Read an .xlsx workbook back into YAML)."""
    try:
        indicator_set = set_from_xlsx(xlsx_path)
    except IndicatorSetError as error:
        _fail(error.errors)
    header = _("# 由 %(f)s 导入（assess indicators import）", f=xlsx_path.name)
    _write(output, f"{header}\n{dump_indicator_set(indicator_set)}")


_COVERAGE = {
    "direct": _("指标直接引用"),
    "within": _("由下级条款的指标覆盖"),
    "enclosing": _("由上级条款的指标整体覆盖"),
    "none": _("未覆盖"),
}


@indicators_group.command("trace")
@click.argument("set_path", type=_READABLE)
@click.option(
    "-o", "--output", type=_WRITABLE, default=None, help=_("输出的 CSV 文件（默认标准输出）")
)
def trace_command(set_path: Path, output: Path | None) -> None:
    """政策条款追溯：所引文件的每一条款及引用它的指标（Trace a set to the clauses it cites)."""
    indicator_set = _load_set(set_path)
    shipped = {clauses.compact(d.citation): d for d in policy_documents()}
    cited = {i.code: clauses.parse_citations(i.source, shipped) for i in indicator_set.indicators()}
    rows, problems = [], []
    for document in dict.fromkeys(c.document for items in cited.values() for c in items):
        if document not in shipped:
            problems.append(_("%(d)s：该文件未收入指标库的文件依据，无法逐条核对", d=document))
            continue
        trace = clauses.trace(document, clauses.outline(shipped[document].text), cited)
        for link in trace.links:
            codes = link.direct or link.within or link.enclosing
            rows.append([document, link.clause.label, link.clause.heading,
                         _COVERAGE[link.coverage], "、".join(codes)])  # fmt: skip
        for code, citation in trace.unresolved:
            label = clauses.clause_label(citation.path)
            problems.append(
                _("%(c)s：引用的条款 %(l)s 在 %(d)s 中找不到", c=code, l=label, d=document)
            )
    header = [_("文件"), _("条款"), _("条款内容"), _("覆盖情况"), _("指标")]
    _write(output, csv_text(header, rows))
    if problems:
        _fail(problems)
