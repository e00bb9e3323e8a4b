"""A unit's self-report (自评填报): values, narratives, evidence, submitting, Excel, and its
answers to rectification demands."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from assess.core.db import database
from assess.core.enums import (
    CycleState,
)
from assess.core.policy import allow, can
from assess.cycles import deadlines, rectifications, submissions
from assess.cycles.excel import import_unit_workbook, unit_template
from assess.cycles.forms import ResponseForm
from assess.cycles.lifecycle import indicator_set
from assess.cycles.models import Cycle, Rectification
from assess.cycles.pages import Progress, rectification_light, unit_progress
from assess.evidence import attachments
from assess.evidence.storage import EvidenceStore
from assess.units.models import Unit
from assess.web.guard import require_unit

bp = Blueprint("selfreport", __name__, url_prefix="/cycles/<int:cycle_id>/units/<int:unit_id>")


def _load(cycle_id: int, unit_id: int) -> tuple[Cycle, Unit]:
    """The cycle and unit, if this user may see them (a reporter: only its own unit)."""
    require_unit(current_user, unit_id)
    cycle = Cycle.get_or_none(Cycle.id == cycle_id)
    unit = Unit.get_or_none(Unit.id == unit_id)
    if cycle is None or unit is None or cycle.state == CycleState.DRAFT:
        abort(404)
    return cycle, unit


def _own_unit(cycle: Cycle, unit: Unit) -> None:
    """Only the unit's own reporters write its self-report (the services check the state)."""
    if not can(current_user, "submissions.edit_own", submissions.SelfReport(cycle, unit)):
        abort(403)


@bp.route("/")
@allow("submissions.view")
def unit_page(cycle_id: int, unit_id: int):
    cycle, unit = _load(cycle_id, unit_id)
    items = submissions.unit_items(cycle, unit)
    rects = list(
        Rectification.select()
        .where(Rectification.cycle == cycle, Rectification.unit == unit)
        .order_by(Rectification.status, Rectification.due_date)
    )
    lights = {r.id: rectification_light(r) for r in rects}
    categories = [
        (c, [i for i in items if i.indicator.category_code == c.code])
        for c in indicator_set(cycle).categories
    ]
    can_edit = can(current_user, "submissions.edit", submissions.SelfReport(cycle, unit))
    return render_template(
        "cycles/selfreport/unit.html",
        cycle=cycle,
        unit=unit,
        categories=categories,
        progress=_progress(cycle, unit, items),
        rects=rects,
        lights=lights,
        can_edit=can_edit,
        missing=submissions.missing_for_submit(items),
        response_form=ResponseForm(),
        max_upload_mb=current_app.config["MAX_UPLOAD_MB"],
        deadline=deadlines.self_report_deadline(cycle, unit.id),
    )


def _progress(cycle: Cycle, unit: Unit, items) -> dict[str, int]:
    # The same read model as the office's overview, so both pages say the same numbers.
    counts = unit_progress(cycle, [unit.id]).get(unit.id, Progress())
    return {
        "total": counts.indicators,
        "filled": counts.filled,
        "with_evidence": sum(1 for i in items if i.evidence),
        "submitted": counts.handed_in,
        "returned": counts.returned,
    }


@bp.route("/items/<code>", methods=["POST"])
@allow("submissions.edit_own")
def save_item(cycle_id: int, unit_id: int, code: str):
    cycle, unit = _load(cycle_id, unit_id)
    _own_unit(cycle, unit)
    form = request.form
    try:
        indicator = indicator_set(cycle).indicator(code)
    except KeyError:
        abort(404)
    text = submissions.value_text_from_form(
        indicator, form.get("value", ""), form.get("numerator", ""), form.get("denominator", "")
    )
    # A form without a version was built from nothing saved: 0, never "overwrite anything".
    version = form.get("version", 0, type=int)
    store, stored = EvidenceStore.from_config(current_app.config), []
    try:
        # Files are checked and stored before the transaction: a bad file refuses the lot,
        # and the value and its evidence rows are then written together or not at all.
        stored = attachments.store_uploads(request.files.getlist("files"), store)
        with database.atomic():
            sub, warning = submissions.save_value(
                cycle, unit, code, text, form.get("narrative", ""), version, current_user
            )
            saved = len(attachments.attach(stored, current_user, unit.id, submission=sub))
    except (submissions.SubmissionError, attachments.EvidenceError) as exc:
        attachments.discard(stored, store)  # all or nothing: no file without its value
        flash(_("%(code)s 未保存：%(e)s", code=code, e=str(exc)), "error")
    else:
        flash(
            _("%(code)s 已保存", code=code)
            + (_("，上传佐证材料 %(n)s 份", n=saved) if saved else ""),
            "success",
        )
        if warning:
            flash(warning, "warning")
    return redirect(
        url_for("selfreport.unit_page", cycle_id=cycle_id, unit_id=unit_id) + f"#item-{code}"
    )


@bp.route("/submit", methods=["POST"])
@allow("submissions.edit_own")
def submit(cycle_id: int, unit_id: int):
    cycle, unit = _load(cycle_id, unit_id)
    _own_unit(cycle, unit)
    try:
        count = submissions.submit_unit(cycle, unit, current_user)
    except submissions.SubmissionError as exc:
        flash(str(exc), "error")
    else:
        flash(_("已提交 %(n)s 项指标，等待督查核查", n=count), "success")
    return redirect(url_for("selfreport.unit_page", cycle_id=cycle_id, unit_id=unit_id))


@bp.route("/template.xlsx")
@allow("submissions.view")
def template(cycle_id: int, unit_id: int):
    cycle, unit = _load(cycle_id, unit_id)
    return send_file(
        unit_template(cycle, unit),
        as_attachment=True,
        download_name=f"self-report-{cycle.year}-{unit.code}.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@bp.route("/template", methods=["POST"])
@allow("submissions.edit_own")
def upload_template(cycle_id: int, unit_id: int):
    cycle, unit = _load(cycle_id, unit_id)
    _own_unit(cycle, unit)
    upload = request.files.get("workbook")
    if cycle.state != CycleState.OPEN:
        flash(_("考核周期不在自评填报阶段，不能修改"), "error")
    elif upload is None or not upload.filename:
        flash(_("请选择要上传的 Excel 文件"), "error")
    else:
        saved, errors = import_unit_workbook(cycle, unit, upload.read(), current_user)
        for message in errors:
            flash(message, "error")
        if not errors:
            flash(_("已导入 %(n)s 项指标（草稿，尚未提交）", n=saved), "success")
        else:
            flash(_("导入未完成：文件中有错误，未保存任何数据"), "error")
    return redirect(url_for("selfreport.unit_page", cycle_id=cycle_id, unit_id=unit_id))


@bp.route("/rectifications/<int:rect_id>", methods=["POST"])
@allow("submissions.edit_own")
def respond(cycle_id: int, unit_id: int, rect_id: int):
    cycle, unit = _load(cycle_id, unit_id)
    _own_unit(cycle, unit)
    row = Rectification.get_or_none(
        Rectification.id == rect_id, Rectification.cycle == cycle, Rectification.unit == unit
    )
    if row is None:
        abort(404)
    form = ResponseForm()
    if form.validate_on_submit():
        try:
            rectifications.respond(row, form.response.data, current_user)
            flash(_("整改情况已报送"), "success")
        except rectifications.RectificationError as exc:
            flash(str(exc), "error")
    else:
        flash(_("整改情况不能为空"), "error")
    return redirect(
        url_for("selfreport.unit_page", cycle_id=cycle_id, unit_id=unit_id) + "#rectifications"
    )
