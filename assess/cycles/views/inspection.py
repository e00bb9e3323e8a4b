"""Inspection (督查核查): the queue of submitted items, verifying, returning, deducting,
and rectification demands (整改要求)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from assess.core.enums import CycleState, SubmissionState
from assess.core.policy import allow, can
from assess.cycles import rectifications, review_queue, sampling, submissions
from assess.cycles.forms import (
    CloseForm,
    QueueFilterForm,
    RectificationForm,
    ReviewForm,
    SampleForm,
)
from assess.cycles.lifecycle import indicator_set
from assess.cycles.models import Cycle, Rectification, Submission
from assess.evidence.models import Evidence
from assess.units.models import Unit
from assess.units.tree import recusal_message
from assess.web.errors import render_error
from assess.web.guard import viewable_cycle
from assess.web.pagination import MAX_ID, id_arg, paginate
from assess.web.security import safe_next
from scoring.sampling import SampleParameters

bp = Blueprint("inspection", __name__, url_prefix="/cycles/<int:cycle_id>/inspection")

# The queue's tabs in order, named for the inspector's task rather than the unit's state.
QUEUE_TABS = (
    (SubmissionState.SUBMITTED, _l("待核查")),
    (SubmissionState.RETURNED, _l("已退回")),
    (SubmissionState.VERIFIED, _l("已核定")),
    (review_queue.ALL_STATES, _l("全部")),
)
QUEUE_STATES = tuple(state for state, _label in QUEUE_TABS)


def _cycle(cycle_id: int) -> Cycle:
    cycle = viewable_cycle(cycle_id)
    if cycle.state == CycleState.DRAFT:
        abort(404)
    return cycle


def _recused(unit: Unit):
    """403 with the reason: a reviewer from the unit, or above or below it, recuses (回避)."""
    return render_error(403, recusal_message(unit))


def _filter(cycle: Cycle) -> review_queue.QueueFilter:
    """The queue filter of the query string; anything unknown falls back to its default."""
    status = request.args.get("status", SubmissionState.SUBMITTED)
    category = request.args.get("category", "")
    return review_queue.QueueFilter(
        status=status if status in QUEUE_STATES else SubmissionState.SUBMITTED,
        unit_id=id_arg("unit"),
        category=category if category in {c.code for c in indicator_set(cycle).categories} else "",
        deducted=request.args.get("deducted") == "1",
        overdue=request.args.get("overdue") == "1",
    )


def _filter_form(cycle: Cycle, f: review_queue.QueueFilter, recused) -> QueueFilterForm:
    form = QueueFilterForm(
        formdata=None,
        unit=str(f.unit_id or ""),
        category=f.category,
        status=f.status,
        deducted=f.deducted,
        overdue=f.overdue,
    )
    form.unit.choices = [("", _("全部单位"))] + [
        (str(u.id), u.name) for u in review_queue.units_in_queue(cycle, recused)
    ]
    form.category.choices = [("", _("全部类别"))] + [
        (c.code, c.name) for c in indicator_set(cycle).categories
    ]
    form.status.choices = [(state, str(label)) for state, label in QUEUE_TABS]
    return form


@bp.route("/")
@allow("submissions.review")
def queue(cycle_id: int):
    cycle = _cycle(cycle_id)
    f = _filter(cycle)
    recused = Unit.recused_for(current_user)
    if f.unit_id in recused:
        return _recused(Unit.get_by_id(f.unit_id))
    page = paginate(review_queue.queue_query(cycle, recused, f))
    indicators = indicator_set(cycle).indicators()
    return render_template(
        "cycles/inspection/queue.html",
        cycle=cycle,
        page=page,
        f=f,
        filter_form=_filter_form(cycle, f, recused),
        counts=review_queue.status_counts(cycle, recused, f),
        overdue=review_queue.overdue_ids(cycle, [s.id for s in page.items]),
        names={i.code: i.name for i in indicators},
        measures={i.code: i.measure for i in indicators},
        tabs=QUEUE_TABS,
        sample=sampling.latest_draw(cycle),
    )


def _refused_draw(cycle: Cycle) -> str | None:
    """Why the office may not draw now (None: it may); nothing to say to an inspector."""
    if not can(current_user, "sampling.draw") or can(current_user, "sampling.draw", cycle):
        return None
    return _("本周期当前不能抽查：只有填报和核查期间可以抽取")


@bp.route("/sample")
@allow("submissions.review")
def sample(cycle_id: int):
    """双随机抽查: the latest draw for staff, and the form the office draws with."""
    cycle = _cycle(cycle_id)
    return _sample_page(cycle, SampleForm(formdata=None))


@bp.route("/sample", methods=["POST"])
@allow("sampling.draw")
def draw_sample(cycle_id: int):
    """Draw the spot check with the form's parameters; the page again when refused."""
    cycle = _cycle(cycle_id)
    form = SampleForm()
    if not form.validate():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return _sample_page(cycle, form)
    seed = form.seed.data if form.seed.data is not None else sampling.new_seed()
    parameters = SampleParameters(seed, form.rate.data, form.random_share.data)
    try:
        made = sampling.draw_sample(current_user, cycle, parameters)
    except sampling.SamplingRefused as exc:
        flash(str(exc), "error")
        return _sample_page(cycle, form)
    flash(_("已抽取 %(n)s 项，随机种子 %(seed)s", n=len(made.draw.items), seed=seed), "success")
    return redirect(url_for("inspection.sample", cycle_id=cycle.id))


def _sample_page(cycle: Cycle, form: SampleForm):
    return render_template(
        "cycles/inspection/sample.html",
        cycle=cycle,
        form=form,
        sample=sampling.latest_draw(cycle),
        units={u.code: u.name for u in Unit.select(Unit.code, Unit.name)},
        names={i.code: i.name for i in indicator_set(cycle).indicators()},
        refused=_refused_draw(cycle),
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
    f = _filter(cycle)
    form = ReviewForm(obj=None if request.method == "POST" else sub)
    if form.validate_on_submit():
        try:
            _apply(sub, form, request.form.get("action", ""))
        except submissions.SubmissionError as exc:
            flash(str(exc), "error")
            sub = _submission(cycle, submission_id)  # show the decision that won
        else:
            return redirect(_after_review(cycle, f, sub))
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
        decision=submissions.decision_text(sub) if sub.status == SubmissionState.VERIFIED else "",
        f=f,
        around=review_queue.neighbours(cycle, Unit.recused_for(current_user), f, sub),
        rect_form=_rect_form(cycle, sub.indicator_code),
    )


def _after_review(cycle: Cycle, f: review_queue.QueueFilter, sub: Submission) -> str:
    """The next item of the filtered queue after the one just decided, else the queue."""
    following = review_queue.neighbours(cycle, Unit.recused_for(current_user), f, sub).next
    if following is not None:
        return url_for(
            "inspection.review", cycle_id=cycle.id, submission_id=following.id, **f.args()
        )
    return url_for("inspection.queue", cycle_id=cycle.id, **f.args())


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


def _picks() -> list[tuple[int, int]]:
    """The items ticked on the queue, as (submission id, version seen) pairs."""
    picks = []
    for raw in request.form.getlist("item"):
        sub_id, _sep, version = raw.partition(":")
        if sub_id.isdigit() and version.isdigit() and 0 < int(sub_id) <= MAX_ID:
            picks.append((int(sub_id), int(version)))
    return list(dict.fromkeys(picks))


@bp.route("/verify", methods=["POST"])
@allow("submissions.review")
def bulk_verify(cycle_id: int):
    """核定无误 for the ticked items: a confirmation page first, then one transaction."""
    cycle = _cycle(cycle_id)
    f, picks = _filter(cycle), _picks()
    back = url_for("inspection.queue", cycle_id=cycle.id, **f.args())
    if not picks:
        flash(_("请先勾选要核定的指标"), "error")
        return redirect(back)
    if request.form.get("confirmed") != "1":
        return render_template(
            "cycles/inspection/confirm.html",
            cycle=cycle,
            f=f,
            picked=review_queue.picked(cycle, Unit.recused_for(current_user), picks),
            names={i.code: i.name for i in indicator_set(cycle).indicators()},
        )
    try:
        outcome = submissions.verify_as_reported(cycle, picks, current_user)
    except submissions.SubmissionError as exc:
        flash(str(exc), "error")
        return redirect(back)
    if outcome.verified:
        flash(_("已核定无误 %(n)s 项", n=len(outcome.verified)), "success")
    for sub, reason in outcome.refused:
        what = f"{sub.unit.name} · {sub.indicator_code}" if sub else _("未知指标")
        flash(_("未核定 %(what)s：%(reason)s", what=what, reason=reason), "error")
    return redirect(back)


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
