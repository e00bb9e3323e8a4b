"""Appeals (复核申诉): a unit's page to file them from its published results and read the
answers, and the staff's list of every unit's appeals with the answer form."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from assess.core.enums import CycleState
from assess.core.policy import allow, can
from assess.cycles import appeals, submissions
from assess.cycles.forms import AnswerForm, AppealForm
from assess.cycles.lifecycle import indicator_set
from assess.cycles.models import Appeal, Cycle, Submission
from assess.evidence import attachments
from assess.evidence.storage import EvidenceStore
from assess.units.models import Unit
from assess.web.guard import require_unit, viewable_cycle

bp = Blueprint("appeals", __name__, url_prefix="/cycles/<int:cycle_id>")


def _cycle(cycle_id: int) -> Cycle:
    cycle = viewable_cycle(cycle_id)
    if cycle.state == CycleState.DRAFT:
        abort(404)
    return cycle


def _unit(cycle_id: int, unit_id: int) -> tuple[Cycle, Unit]:
    require_unit(current_user, unit_id)
    unit = Unit.get_or_none(Unit.id == unit_id)
    if unit is None:
        abort(404)
    return _cycle(cycle_id), unit


@bp.route("/units/<int:unit_id>/appeals")
@allow("appeals.view")
def unit_appeals(cycle_id: int, unit_id: int):
    cycle, unit = _unit(cycle_id, unit_id)
    return _unit_page(cycle, unit, AppealForm(formdata=None))


def _unit_page(cycle: Cycle, unit: Unit, form: AppealForm, chosen=(), status: int = 200):
    rows = appeals.of_unit(cycle, unit.id)
    return (
        render_template(
            "cycles/appeals/unit.html",
            cycle=cycle,
            unit=unit,
            scores=appeals.appealable_scores(cycle, unit),
            rows=rows,
            names={i.code: i.name for i in indicator_set(cycle).indicators()},
            evidence=appeals.evidence_of(rows),
            may_file=can(current_user, "appeals.file", submissions.SelfReport(cycle, unit)),
            closed_message=appeals.window_closed_message(cycle),
            days_left=appeals.days_left(cycle),
            form=form,
            chosen=set(chosen),
            max_upload_mb=current_app.config["MAX_UPLOAD_MB"],
        ),
        status,
    )


@bp.route("/units/<int:unit_id>/appeals", methods=["POST"])
@allow("appeals.file")
def file(cycle_id: int, unit_id: int):
    cycle, unit = _unit(cycle_id, unit_id)
    if not can(current_user, "appeals.file", submissions.SelfReport(cycle, unit)):
        flash(appeals.window_closed_message(cycle), "error")
        return redirect(url_for("appeals.unit_appeals", cycle_id=cycle.id, unit_id=unit.id))
    form, codes = AppealForm(), request.form.getlist("codes")
    if not form.validate_on_submit():
        flash(_("请选择申诉的指标并填写申诉理由"), "error")
        return _unit_page(cycle, unit, form, codes)
    store = EvidenceStore.from_config(current_app.config)
    try:
        # As for a rectification answer: files checked and stored first, then the appeals
        # and their evidence rows written together or not at all.
        stored = attachments.store_uploads(request.files.getlist("files"), store)
        rows = appeals.file_appeals(cycle, unit, codes, form.reason.data, stored, current_user)
    except (appeals.AppealError, attachments.EvidenceError) as exc:
        flash(str(exc), "error")
        return _unit_page(cycle, unit, form, codes)
    flash(_("已提出复核申诉 %(n)s 项，答复后将通知您", n=len(rows)), "success")
    return redirect(url_for("appeals.unit_appeals", cycle_id=cycle.id, unit_id=unit.id))


@bp.route("/appeals")
@allow("appeals.list")
def cycle_appeals(cycle_id: int):
    cycle = _cycle(cycle_id)
    rows = appeals.of_cycle(cycle)
    for row in rows:
        row.cycle = cycle  # the answer form's policy reads the cycle's state
    items = {
        (s.unit_id, s.indicator_code): s
        for s in Submission.select().where(
            Submission.cycle == cycle.id,
            Submission.unit.in_([r.unit_id for r in rows] or [0]),
        )
    }
    return render_template(
        "cycles/appeals/list.html",
        cycle=cycle,
        rows=rows,
        items=items,
        names={i.code: i.name for i in indicator_set(cycle).indicators()},
        evidence=appeals.evidence_of(rows),
        form=AnswerForm(formdata=None),
        upheld_unpublished=appeals.upheld_since_publication(cycle),
    )


@bp.route("/appeals/<int:appeal_id>/answer", methods=["POST"])
@allow("appeals.answer")
def answer(cycle_id: int, appeal_id: int):
    cycle = _cycle(cycle_id)
    row = Appeal.get_or_none(Appeal.id == appeal_id, Appeal.cycle == cycle.id)
    if row is None:
        abort(404)
    form = AnswerForm()
    back = url_for("appeals.cycle_appeals", cycle_id=cycle.id) + f"#appeal-{row.id}"
    if not form.validate_on_submit():
        flash(_("请选择答复结论并填写答复意见"), "error")
        return redirect(back)
    try:
        appeals.answer(
            row,
            form.outcome.data == "upheld",
            form.answer.data,
            current_user,
            form.verified_value.data or "",
            form.deduction.data,
            form.deduction_reason.data or "",
        )
    except (appeals.AppealError, submissions.SubmissionError) as exc:
        flash(str(exc), "error")
    else:
        flash(
            _("已答复 %(u)s 对 %(c)s 的复核申诉", u=row.unit.name, c=row.indicator_code), "success"
        )
    return redirect(back)
