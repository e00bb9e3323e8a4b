"""Inspection (督查核查): the queue of submitted items, verifying, returning, deducting,
and rectification demands (整改要求)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from assess.core.enums import CycleState, SubmissionState
from assess.core.policy import allow, can
from assess.cycles import rectifications, submissions
from assess.cycles.forms import CloseForm, RectificationForm, ReviewForm
from assess.cycles.lifecycle import indicator_order, indicator_set
from assess.cycles.models import Cycle, Rectification, Submission
from assess.evidence.models import Evidence
from assess.units.models import Unit
from assess.units.tree import recusal_message, tree_order
from assess.web.errors import render_error
from assess.web.pagination import id_arg, paginate
from assess.web.security import safe_next

bp = Blueprint("inspection", __name__, url_prefix="/cycles/<int:cycle_id>/inspection")

# The queue's tabs in order, named for the inspector's task rather than the unit's state.
QUEUE_TABS = (
    (SubmissionState.SUBMITTED, _l("待核查")),
    (SubmissionState.RETURNED, _l("已退回")),
    (SubmissionState.VERIFIED, _l("已核定")),
)
QUEUE_STATES = tuple(state for state, _label in QUEUE_TABS)


def _cycle(cycle_id: int) -> Cycle:
    cycle = Cycle.get_or_none(Cycle.id == cycle_id)
    if cycle is None or cycle.state == CycleState.DRAFT:
        abort(404)
    return cycle


def _recused(unit: Unit):
    """403 with the reason: a reviewer from the unit, or above or below it, recuses (回避)."""
    return render_error(403, recusal_message(unit))


@bp.route("/")
@allow("submissions.review")
def queue(cycle_id: int):
    cycle = _cycle(cycle_id)
    status = request.args.get("status", SubmissionState.SUBMITTED)
    status = status if status in QUEUE_STATES else SubmissionState.SUBMITTED
    query = (
        Submission.select(Submission, Unit)
        .join(Unit)
        .where(Submission.cycle == cycle, Submission.status == status)
        .order_by(tree_order(Unit.id), indicator_order(cycle, Submission.indicator_code))
    )
    unit_id = id_arg("unit")
    recused = Unit.recused_for(current_user)
    if unit_id in recused:
        return _recused(Unit.get_by_id(unit_id))
    if unit_id:
        query = query.where(Submission.unit == unit_id)
    if recused:
        query = query.where(Submission.unit.not_in(recused))
    names = {i.code: i.name for i in indicator_set(cycle).indicators()}
    return render_template(
        "cycles/inspection/queue.html",
        cycle=cycle,
        page=paginate(query),
        status=status,
        names=names,
        unit_id=unit_id,
        tabs=QUEUE_TABS,
    )


def _submission(cycle: Cycle, submission_id: int) -> Submission:
    sub = Submission.get_or_none(Submission.id == submission_id, Submission.cycle == cycle)
    if sub is None:
        abort(404)
    return sub


@bp.route("/items/<int:submission_id>", methods=["GET", "POST"])
@allow("submissions.review")
def review(cycle_id: int, submission_id: int):
    cycle = _cycle(cycle_id)
    sub = _submission(cycle, submission_id)
    if sub.conflicts_with(current_user):
        return _recused(sub.unit)
    form = ReviewForm(obj=None if request.method == "POST" else sub)
    if form.validate_on_submit():
        try:
            _apply(sub, form, request.form.get("action", ""))
        except submissions.SubmissionError as exc:
            flash(str(exc), "error")
        else:
            return redirect(url_for("inspection.queue", cycle_id=cycle.id))
    elif form.errors:
        flash(_("提交的内容有误，请检查后重试"), "error")
    form.version.data = sub.version
    evidence = list(Evidence.select().where(Evidence.submission == sub).order_by(Evidence.id))
    indicator = indicator_set(cycle).indicator(sub.indicator_code)
    return render_template(
        "cycles/inspection/review.html",
        cycle=cycle,
        sub=sub,
        form=form,
        indicator=indicator,
        evidence=evidence,
        rect_form=_rect_form(cycle, sub.indicator_code),
    )


def _apply(sub: Submission, form: ReviewForm, action: str) -> None:
    if action == "return":
        submissions.return_item(sub, form.return_reason.data or "", form.version.data, current_user)
        flash(_("已退回 %(c)s", c=sub.indicator_code), "success")
    elif action == "verify":
        submissions.verify_item(
            sub,
            form.version.data,
            current_user,
            verified_value=form.verified_value.data or "",
            reason=form.reason.data or "",
            deduction=form.deduction.data,
            deduction_reason=form.deduction_reason.data or "",
        )
        flash(_("已核定 %(c)s", c=sub.indicator_code), "success")
    else:
        raise submissions.SubmissionError(_("未知操作"))


def _rect_form(cycle: Cycle, code: str = "") -> RectificationForm:
    form = RectificationForm(indicator_code=code)
    form.indicator_code.choices = [("", _("（整体）"))] + [
        (i.code, f"{i.code} {i.name}") for i in indicator_set(cycle).indicators()
    ]
    return form


@bp.route("/units/<int:unit_id>/rectifications", methods=["POST"])
@allow("rectifications.manage")
def demand(cycle_id: int, unit_id: int):
    cycle = _cycle(cycle_id)
    unit = Unit.get_or_none(Unit.id == unit_id)
    if unit is None:
        abort(404)
    if not can(current_user, "rectifications.manage", unit):
        return _recused(unit)
    form = _rect_form(cycle)
    if form.validate_on_submit():
        try:
            rectifications.demand(
                cycle,
                unit,
                form.demand.data,
                form.due_date.data,
                current_user,
                form.indicator_code.data or "",
            )
            flash(_("已向 %(u)s 下发整改要求", u=unit.name), "success")
        except rectifications.RectificationError as exc:
            flash(str(exc), "error")
    else:
        flash(_("请填写整改要求和整改期限"), "error")
    overview = url_for("cycles.overview", cycle_id=cycle.id)
    target = safe_next(request.form.get("next"), overview)
    return redirect(target if target.startswith("/cycles/") else overview)


@bp.route("/rectifications/<int:rect_id>/close", methods=["POST"])
@allow("rectifications.manage")
def close(cycle_id: int, rect_id: int):
    cycle = _cycle(cycle_id)
    row = Rectification.get_or_none(Rectification.id == rect_id, Rectification.cycle == cycle)
    if row is None:
        abort(404)
    if not can(current_user, "rectifications.manage", row):
        return _recused(row.unit)
    form = CloseForm()
    try:
        rectifications.close(row, form.note.data or "", current_user)
        flash(_("已关闭整改要求"), "success")
    except rectifications.RectificationError as exc:
        flash(str(exc), "error")
    return redirect(url_for("cycles.overview", cycle_id=cycle.id) + "#rectifications")
