"""The indicator library (指标库): every indicator set as a table, exported and imported as
.xlsx, and a draft cycle's weights and targets edited in the browser."""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from assess.core.policy import allow, can, reaches_cycle
from assess.cycles import library, lifecycle, traceability
from assess.cycles.indicator_files import read_uploaded_set, shipped_sets
from assess.cycles.models import Cycle
from assess.web.guard import viewable_cycle
from scoring.spreadsheets import set_to_xlsx

bp = Blueprint("library", __name__, url_prefix="/library")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _shipped(key: str):
    found = library.shipped_set(key)
    if found is None:
        abort(404)
    return found


def _workbook(parsed, name: str):
    return send_file(
        io.BytesIO(set_to_xlsx(parsed)), as_attachment=True, download_name=name, mimetype=XLSX
    )


@bp.route("/")
@allow("library.view")
def index():
    query = Cycle.select().order_by(Cycle.year.desc(), Cycle.id.desc())
    cycles = [c for c in query if reaches_cycle(current_user, c, "library.view")]
    rows = [(c, lifecycle.indicator_set_title(c), library.editable(c)) for c in cycles]
    return render_template("cycles/library/index.html", shipped=shipped_sets(), cycles=rows)


@bp.route("/sets/<key>")
@allow("library.view")
def shipped(key: str):
    entry, parsed = _shipped(key)
    return render_template(
        "cycles/library/set.html",
        table=library.set_table(parsed),
        cycle=None,
        export_url=url_for("library.shipped_xlsx", key=entry.key),
        clauses_url=url_for("library.shipped_clauses", key=entry.key),
        editable=False,
        form=FlaskForm(),
    )


@bp.route("/sets/<key>/clauses")
@allow("library.view")
def shipped_clauses(key: str):
    entry, parsed = _shipped(key)
    return _clauses_page(
        parsed,
        None,
        back_url=url_for("library.shipped", key=entry.key),
        export_url=url_for("library.shipped_clauses_xlsx", key=entry.key),
    )


@bp.route("/sets/<key>/clauses.xlsx")
@allow("library.view")
def shipped_clauses_xlsx(key: str):
    entry, parsed = _shipped(key)
    return _clauses_workbook(parsed, None, f"clauses-{entry.key}.xlsx")


def _clauses_page(parsed, cycle: Cycle | None, *, back_url: str, export_url: str) -> str:
    trace = traceability.trace_set(parsed, cycle)
    figures = [
        traceability.coverage_figure(doc, f"coverage-{index}")
        for index, doc in enumerate(trace.documents, start=1)
    ]
    return render_template(
        "cycles/library/clauses.html",
        program=parsed.program,
        year=parsed.year,
        trace=trace,
        figures=figures,
        cycle=cycle,
        back_url=back_url,
        export_url=export_url,
    )


def _clauses_workbook(parsed, cycle: Cycle | None, name: str):
    data = traceability.trace_workbook(parsed, traceability.trace_set(parsed, cycle))
    return send_file(io.BytesIO(data), as_attachment=True, download_name=name, mimetype=XLSX)


@bp.route("/sets/<key>.xlsx")
@allow("library.view")
def shipped_xlsx(key: str):
    entry, parsed = _shipped(key)
    return _workbook(parsed, f"{entry.key}.xlsx")


@bp.route("/cycles/<int:cycle_id>")
@allow("library.view")
def cycle_set(cycle_id: int):
    return _cycle_page(viewable_cycle(cycle_id))


def _cycle_page(cycle: Cycle, errors: list[str] | None = None, typed=None) -> str:
    """A cycle's set; after a refused edit with the problems and what was typed."""
    return render_template(
        "cycles/library/set.html",
        table=library.set_table(lifecycle.indicator_set(cycle)),
        cycle=cycle,
        export_url=url_for("library.cycle_xlsx", cycle_id=cycle.id),
        clauses_url=url_for("library.cycle_clauses", cycle_id=cycle.id),
        editable=can(current_user, "library.edit", cycle),
        form=FlaskForm(),
        errors=errors or [],
        typed=typed or {},
    )


@bp.route("/cycles/<int:cycle_id>/clauses")
@allow("library.view")
def cycle_clauses(cycle_id: int):
    cycle = viewable_cycle(cycle_id)
    return _clauses_page(
        lifecycle.indicator_set(cycle),
        cycle,
        back_url=url_for("library.cycle_set", cycle_id=cycle.id),
        export_url=url_for("library.cycle_clauses_xlsx", cycle_id=cycle.id),
    )


@bp.route("/cycles/<int:cycle_id>/clauses.xlsx")
@allow("library.view")
def cycle_clauses_xlsx(cycle_id: int):
    cycle = viewable_cycle(cycle_id)
    return _clauses_workbook(
        lifecycle.indicator_set(cycle), cycle, f"clauses-{cycle.year}-{cycle.id}.xlsx"
    )


@bp.route("/cycles/<int:cycle_id>.xlsx")
@allow("library.view")
def cycle_xlsx(cycle_id: int):
    cycle = viewable_cycle(cycle_id)
    return _workbook(lifecycle.indicator_set(cycle), f"indicators-{cycle.year}-{cycle.id}.xlsx")


@bp.route("/cycles/<int:cycle_id>/values", methods=["POST"])
@allow("library.edit")
def edit_values(cycle_id: int):
    cycle = viewable_cycle(cycle_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        edits = library.parse_edits(request.form, lifecycle.indicator_set(cycle))
        changed = library.edit_values(cycle, edits, actor=current_user)
    except lifecycle.CycleError as exc:
        # Everything typed stays in the boxes, with every problem listed above them.
        flash(str(exc), "error")
        return _cycle_page(cycle, exc.errors, request.form), 400
    if changed:
        flash(_("已修改 %(n)s 项指标的权重或目标值", n=changed), "success")
    else:
        flash(_("没有修改"), "info")
    return redirect(url_for("library.cycle_set", cycle_id=cycle.id))


@bp.route("/cycles/<int:cycle_id>/import", methods=["POST"])
@allow("library.edit")
def import_xlsx(cycle_id: int):
    cycle = viewable_cycle(cycle_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    upload = request.files.get("workbook")
    try:
        if not upload or not upload.filename:
            raise lifecycle.CycleError(_("请选择要导入的指标体系文件（.xlsx 或 .yaml）"))
        text, label = read_uploaded_set(upload, "", [])
        lifecycle.replace_indicator_set(cycle, text, label, actor=current_user)
    except lifecycle.CycleError as exc:
        flash(str(exc), "error")
        return _cycle_page(cycle, exc.errors), 400
    flash(_("已导入指标体系，各单位的指标已按新体系重新分配"), "success")
    return redirect(url_for("library.cycle_set", cycle_id=cycle.id))
