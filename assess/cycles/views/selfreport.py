"""A unit's self-report (自评填报): values, narratives, evidence, submitting, Excel, and its
answers to rectification demands."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from assess.core.db import database
from assess.core.enums import (
    CycleState,
    SubmissionState,
)
from assess.core.formatting import local_time
from assess.core.models import utcnow
from assess.core.policy import allow, can
from assess.cycles import deadlines, rectifications, submissions
from assess.cycles.excel import import_unit_workbook, unit_template
from assess.cycles.forms import ResponseForm, SelfReportPost, read_draft
from assess.cycles.lifecycle import indicator_set
from assess.cycles.models import Cycle, Rectification, Submission
from assess.cycles.pages import Progress, rectification_light, unit_progress
from assess.evidence import attachments
from assess.evidence.models import Evidence
from assess.evidence.storage import EvidenceStore
from assess.units.models import Unit
from assess.web.errors import render_error
from assess.web.guard import require_unit, viewable_cycle

bp = Blueprint("selfreport", __name__, url_prefix="/cycles/<int:cycle_id>/units/<int:unit_id>")


def _load(cycle_id: int, unit_id: int) -> tuple[Cycle, Unit]:
    """The cycle and unit, if this user may see them (a reporter: only its own unit)."""
    require_unit(current_user, unit_id)
    cycle = viewable_cycle(cycle_id)  # not a reporter's of a unit it does not assess
    unit = Unit.get_or_none(Unit.id == unit_id)
    if unit is None or cycle.state == CycleState.DRAFT:
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
    return _render(cycle, unit)


def _render(cycle: Cycle, unit: Unit, post: SelfReportPost | None = None, errors=None, status=200):
    """The page; after a post that did not save everything, with what was typed (``post``:
    its drafts, its pending files) and each refused item's message (``errors``)."""
    items = submissions.unit_items(cycle, unit)
    rects = list(
        Rectification.select()
        .where(Rectification.cycle == cycle, Rectification.unit == unit)
        .order_by(Rectification.status, Rectification.due_date)
    )
    rect_evidence = rectifications.evidence_of(rects)
    lights = {r.id: rectification_light(r) for r in rects}
    categories = [
        (c, [i for i in items if i.indicator.category_code == c.code])
        for c in indicator_set(cycle).categories
    ]
    errors = errors or {}
    # Typed work shown again: only what differs from what is now saved.
    drafts = {
        i.indicator.code: post.drafts[i.indicator.code]
        for i in items
        if post
        and i.indicator.code in post.drafts
        and post.drafts[i.indicator.code].differs_from(i)
    }
    error_list = [(i, errors[i.indicator.code]) for i in items if i.indicator.code in errors]
    report = submissions.SelfReport(cycle, unit)
    can_edit = can(current_user, "submissions.edit", report)
    page = render_template(
        "cycles/selfreport/unit.html",
        cycle=cycle,
        unit=unit,
        categories=categories,
        progress=_progress(cycle, unit, items),
        rects=rects,
        rect_evidence=rect_evidence,
        lights=lights,
        can_edit=can_edit,
        can_withdraw=can(current_user, "submissions.withdraw", report),
        missing=submissions.missing_for_submit(items),
        response_form=ResponseForm(formdata=None),
        max_upload_mb=current_app.config["MAX_UPLOAD_MB"],
        drafts=drafts,
        pending={code: files for code, files in (post.pending if post else {}).items() if files},
        errors=errors,
        error_list=error_list,
        first_error=error_list[0][0].indicator.code if error_list else None,
        deadline=deadlines.self_report_deadline(cycle, unit.id),
        taken=[
            i
            for i in indicator_set(cycle).applicable(unit.code, unit.kind)
            if i.from_cycle is not None
        ],
    )
    return page, status


def _progress(cycle: Cycle, unit: Unit, items) -> dict[str, int]:
    # The same read model as the office's overview, so both pages say the same numbers.
    counts = unit_progress(cycle, [unit.id]).get(unit.id, Progress())
    return {
        "total": counts.indicators,
        "filled": counts.filled,
        "with_evidence": sum(1 for i in items if i.evidence),
        "submitted": counts.handed_in,
        "returned": counts.returned,
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
    store = EvidenceStore.from_config(current_app.config)
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
        # All or nothing: no row without its value. The stored bytes stay: another unit's
        # upload of the same bytes may be about to name them (the sweep removes orphans).
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


def _post(cycle: Cycle, unit: Unit) -> SelfReportPost:
    editable = [
        i for i in submissions.unit_items(cycle, unit) if can(current_user, "submissions.edit", i)
    ]
    return SelfReportPost(
        request.form,
        request.files,
        editable,
        f"{cycle.id}/{unit.id}",
        current_app.config["SECRET_KEY"],
        EvidenceStore.from_config(current_app.config),
    )


@bp.route("/save", methods=["POST"])
@allow("submissions.edit_own")
def save_page(cycle_id: int, unit_id: int):
    """The page's one form: 保存全部 (every changed item, in one transaction), 保存此项 (one
    item, the others' typed work shown again), or 移除 of a pending file (nothing saved)."""
    cycle, unit = _load(cycle_id, unit_id)
    _own_unit(cycle, unit)
    post = _post(cycle, unit)
    if post.dropped:
        flash(_("已移除待保存的文件；其他修改尚未保存"), "warning")
        return _render(cycle, unit, post)
    if post.removed:  # 删除 of a saved file: the typed work stays on the page
        _remove_evidence(cycle, unit, post.removed)
        return _render(cycle, unit, post)
    try:
        saved = submissions.save_drafts(cycle, unit, post.chosen(), current_user)
    except submissions.DraftsRefused as exc:
        return _render(cycle, unit, post, exc.errors, status=422)
    except submissions.SubmissionError as exc:
        flash(_("未保存：%(e)s", e=str(exc)), "error")
        return _render(cycle, unit, post, status=409)
    _flash_saved(saved)
    post.forget({s.submission.indicator_code for s in saved})
    if _unsaved(cycle, unit, post):  # 保存此项 with work typed in other items: keep it
        return _render(cycle, unit, post)
    anchor = f"#item-{post.target}" if post.target else ""
    return redirect(url_for("selfreport.unit_page", cycle_id=cycle_id, unit_id=unit_id) + anchor)


def _unsaved(cycle: Cycle, unit: Unit, post: SelfReportPost) -> int:
    """How many items hold typed work not saved; says so when there are any."""
    left = sum(
        1
        for i in submissions.unit_items(cycle, unit)
        if i.indicator.code in post.drafts and post.drafts[i.indicator.code].differs_from(i)
    )
    if left:
        flash(_("其他 %(n)s 项指标的修改尚未保存", n=left), "warning")
    return left


def _remove_evidence(cycle: Cycle, unit: Unit, evidence_id: int) -> None:
    """Delete one of this self-report's files (the policy and the service decide), saying
    what happened; a file of another unit or cycle is a 404."""
    row = Evidence.get_or_none(Evidence.id == evidence_id, Evidence.unit == unit.id)
    of_this_page = row is not None and row.submission and row.submission.cycle_id == cycle.id
    if not (of_this_page and can(current_user, "evidence.remove", row)):
        abort(404)
    try:
        attachments.remove(row, current_user)
    except attachments.EvidenceError as exc:
        flash(str(exc), "error")
    else:
        flash(_("已删除佐证材料 %(f)s", f=row.original_name), "success")


def _flash_saved(saved: list[submissions.SavedDraft]) -> None:
    if not saved:
        flash(_("没有需要保存的修改"), "success")
        return
    codes = "、".join(s.submission.indicator_code for s in saved)
    files = sum(s.attached for s in saved)
    flash(
        _("%(codes)s 已保存", codes=codes)
        + (_("，上传佐证材料 %(n)s 份", n=files) if files else ""),
        "success",
    )
    for s in saved:
        if s.warning:
            flash(s.warning, "warning")


@bp.route("/autosave", methods=["POST"])
@allow("submissions.edit_own")
def autosave(cycle_id: int, unit_id: int):
    """One item's value and account saved while the reporter types (自动保存), for the
    page's script: JSON with the new version, or the refusal's message. A refusal is an
    answer, not a failure of the request (200 with ``ok: false``): half-typed values are
    refused all the time, and the browser would log every 4xx as an error."""
    cycle, unit = _load(cycle_id, unit_id)
    _own_unit(cycle, unit)
    code = request.form.get("code", "")
    item = next((i for i in submissions.unit_items(cycle, unit) if i.indicator.code == code), None)
    if item is None:
        return jsonify(ok=False, message=_("未知指标：%(c)s", c=code[:32]))
    draft = read_draft(request.form, item)
    try:
        saved = submissions.save_drafts(cycle, unit, [draft], current_user)
    except submissions.DraftsRefused as exc:
        return jsonify(ok=False, message=exc.errors[code].message)
    except submissions.SubmissionError as exc:
        return jsonify(ok=False, message=str(exc))
    version = saved[0].submission.version if saved else draft.version
    return jsonify(ok=True, version=version, time=local_time(utcnow())[-5:])


@bp.errorhandler(RequestEntityTooLarge)
def too_large(exc):
    """A post larger than the limit: its body was never read, so nothing of it can be
    shown again; the page as last saved (autosaved drafts included) says so."""
    view_args = request.view_args or {}
    if not (current_user.is_authenticated and can(current_user, "submissions.edit_own")):
        return render_error(413)
    try:
        cycle, unit = _load(view_args.get("cycle_id", 0), view_args.get("unit_id", 0))
    except HTTPException as refused:  # raised in an error handler it would become a 500
        return render_error(refused.code or 404)
    flash(
        _(
            "提交的内容超过 %(n)s MB，服务器未接收，本次填写的内容和文件均未保存（单个佐证材料不超过"
            " %(m)s MB）。下面是最近一次保存（含自动保存）的内容，请核对后换用较小的文件重新保存。",
            n=int(current_app.config["MAX_UPLOAD_MB"]) + 1,
            m=current_app.config["MAX_UPLOAD_MB"],
        ),
        "error",
    )
    return _render(cycle, unit, status=413)


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
        store = EvidenceStore.from_config(current_app.config)
        try:
            # As for a value: files checked and stored first, then the answer and its
            # evidence rows written together or not at all. A refused answer leaves its
            # stored files to the sweep: the bytes may be another upload's (shared content).
            stored = attachments.store_uploads(request.files.getlist("files"), store)
            with database.atomic():
                rectifications.respond(row, form.response.data, current_user)
                saved = len(attachments.attach(stored, current_user, unit.id, rectification=row))
        except (rectifications.RectificationError, attachments.EvidenceError) as exc:
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
