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
    HANDED_IN_SUBMISSION_STATES,
    CycleState,
    RectificationState,
    SubmissionState,
)
from assess.core.policy import allow, can
from assess.cycles import rectifications, submissions
from assess.cycles.excel import import_unit_workbook, unit_template
from assess.cycles.forms import ResponseForm
from assess.cycles.lifecycle import indicator_set
from assess.cycles.models import Cycle, Rectification, Submission
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
    if not can(current_user, "cycles.view", cycle):  # a reporter of a unit it does not assess
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
    rect_evidence = rectifications.evidence_of(rects)
    lights = {
        r.id: rectifications.traffic_light(r.due_date, r.status == RectificationState.CLOSED)
        for r in rects
    }
    categories = [
        (c, [i for i in items if i.indicator.category_code == c.code])
        for c in indicator_set(cycle).categories
    ]
    report = submissions.SelfReport(cycle, unit)
    can_edit = can(current_user, "submissions.edit", report)
    return render_template(
        "cycles/selfreport/unit.html",
        cycle=cycle,
        unit=unit,
        categories=categories,
        progress=_progress(items),
        rects=rects,
        rect_evidence=rect_evidence,
        lights=lights,
        can_edit=can_edit,
        can_withdraw=can(current_user, "submissions.withdraw", report),
        missing=submissions.missing_for_submit(items),
        response_form=ResponseForm(),
        max_upload_mb=current_app.config["MAX_UPLOAD_MB"],
    )


def _progress(items) -> dict[str, int]:
    return {
        "total": len(items),
        "filled": sum(1 for i in items if i.filled),
        "with_evidence": sum(1 for i in items if i.evidence),
        "submitted": sum(1 for i in items if i.status in HANDED_IN_SUBMISSION_STATES),
        "returned": sum(1 for i in items if i.status == SubmissionState.RETURNED),
        # What the unit may still change (nothing saved, draft, returned), what it has saved
        # and not yet handed in, and what waits for an inspector (may be withdrawn).
        "open": sum(1 for i in items if i.editable),
        "unsubmitted": sum(1 for i in items if i.submission is not None and i.editable),
        "waiting": sum(1 for i in items if i.status == SubmissionState.SUBMITTED),
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


@bp.route("/items/<code>/withdraw", methods=["POST"])
@allow("submissions.edit_own")
def withdraw_item(cycle_id: int, unit_id: int, code: str):
    cycle, unit = _load(cycle_id, unit_id)
    _own_unit(cycle, unit)
    sub = Submission.get_or_none(
        Submission.cycle == cycle, Submission.unit == unit, Submission.indicator_code == code
    )
    if sub is None:
        abort(404)
    try:
        submissions.withdraw_item(sub, request.form.get("version", 0, type=int), current_user)
    except submissions.SubmissionError as exc:
        flash(_("%(code)s 未撤回：%(e)s", code=code, e=str(exc)), "error")
    else:
        flash(_("已撤回 %(code)s，可修改后重新提交", code=code), "success")
    return redirect(
        url_for("selfreport.unit_page", cycle_id=cycle_id, unit_id=unit_id) + f"#item-{code}"
    )


@bp.route("/withdraw", methods=["POST"])
@allow("submissions.edit_own")
def withdraw(cycle_id: int, unit_id: int):
    cycle, unit = _load(cycle_id, unit_id)
    _own_unit(cycle, unit)
    try:
        count, kept = submissions.withdraw_unit(cycle, unit, current_user)
    except submissions.SubmissionError as exc:
        flash(str(exc), "error")
    else:
        flash(_("已撤回 %(n)s 项指标，可修改后重新提交", n=count), "success")
        for message in kept:
            flash(message, "warning")
    return redirect(url_for("selfreport.unit_page", cycle_id=cycle_id, unit_id=unit_id))


@bp.route("/template.xlsx")
@allow("submissions.view")
def template(cycle_id: int, unit_id: int):
    cycle, unit = _load(cycle_id, unit_id)
    editable = can(current_user, "submissions.edit", submissions.SelfReport(cycle, unit))
    return send_file(
        unit_template(cycle, unit, editable),
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
        result = import_unit_workbook(cycle, unit, upload.read(), current_user)
        for message in result.errors:
            flash(message, "error")
        if result.errors:
            flash(_("导入未完成：文件中有错误，未保存任何数据"), "error")
        else:
            flash(_("已导入 %(n)s 项指标（草稿，尚未提交）", n=result.saved), "success")
        if result.skipped and not result.errors:
            flash(
                _(
                    "已跳过 %(n)s 项已提交或已核定的指标（不能修改）：%(codes)s",
                    n=len(result.skipped),
                    codes="、".join(result.skipped),
                ),
                "warning",
            )
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
        store, stored = EvidenceStore.from_config(current_app.config), []
        try:
            # As for a value: files checked and stored first, then the answer and its
            # evidence rows written together or not at all.
            stored = attachments.store_uploads(request.files.getlist("files"), store)
            with database.atomic():
                rectifications.respond(row, form.response.data, current_user)
                saved = len(attachments.attach(stored, current_user, unit.id, rectification=row))
        except (rectifications.RectificationError, attachments.EvidenceError) as exc:
            attachments.discard(stored, store)
            flash(str(exc), "error")
        else:
            flash(
                _("整改情况已报送") + (_("，上传佐证材料 %(n)s 份", n=saved) if saved else ""),
                "success",
            )
    else:
        flash(_("整改情况不能为空"), "error")
    return redirect(
        url_for("selfreport.unit_page", cycle_id=cycle_id, unit_id=unit_id) + f"#rect-{rect_id}"
    )
