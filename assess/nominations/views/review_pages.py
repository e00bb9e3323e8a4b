"""Blind review: assigning reviewers, a reviewer's sheets and conflicts of interest."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from assess.core.enums import NominationState
from assess.core.policy import allow, can, reaches_round
from assess.nominations import entries, pages, review_sheets, rounds
from assess.nominations.forms import (
    ActionForm,
    ConflictForm,
    ReviewersForm,
    review_form_class,
)
from assess.nominations.models import Nomination
from assess.nominations.rounds import NominationError
from assess.nominations.views.common import bp, flash_problems, load_nomination, load_round

# --- assignment and progress (admin) -------------------------------------------------------


@bp.route("/rounds/<int:round_id>/assignments")
@allow("nominations.manage")
def assignments(round_id: int):
    round_ = load_round(round_id)
    return render_template(
        "nominations/assignments.html",
        round=round_,
        progress=pages.progress(round_),
        phase=rounds.phase(round_),
        form=ActionForm(),
    )


@bp.route("/rounds/<int:round_id>/assign", methods=["POST"])
@allow("nominations.manage")
def assign(round_id: int):
    round_ = load_round(round_id)
    try:
        if request.form.get("mode") == "fill":
            added = review_sheets.fill_assignment(round_, current_user)
            flash(_("已补齐 %(n)s 份评分表", n=added), "success")
        else:
            result = review_sheets.auto_assign(round_, current_user)
            flash(_("已为 %(n)s 个提名自动分配评审", n=len(result)), "success")
    except NominationError as exc:
        flash_problems(exc)
    return redirect(url_for(".assignments", round_id=round_.id))


@bp.route("/<int:nomination_id>/reviewers", methods=["GET", "POST"])
@allow("nominations.manage")
def edit_reviewers(nomination_id: int):
    nomination = load_nomination(nomination_id)
    form = ReviewersForm()
    form.reviewers.choices = [(u.id, u.label) for u in rounds.panel(nomination.round)]
    if request.method == "GET":
        form.reviewers.data = [s.reviewer_id for s in nomination.sheets]
    if form.validate_on_submit():
        try:
            review_sheets.set_reviewers(nomination, form.reviewers.data or [], current_user)
        except NominationError as exc:
            flash_problems(exc)
        else:
            flash(_("已调整评审人"), "success")
            return redirect(url_for(".assignments", round_id=nomination.round_id))
    return render_template(
        "nominations/reviewers.html",
        form=form,
        nomination=nomination,
        record=pages.review_record(nomination),
        conflicts=pages.conflicted_reviewers(nomination),
    )


# --- review (panel members) ----------------------------------------------------------------


@bp.route("/rounds/<int:round_id>/reviews")
@allow("nominations.review")
def my_reviews(round_id: int):
    round_ = load_round(round_id)
    return render_template(
        "nominations/my_reviews.html",
        round=round_,
        tasks=pages.reviewer_tasks(round_, current_user),
        on_panel=current_user.id in {u.id for u in rounds.panel(round_)},
    )


@bp.route("/rounds/<int:round_id>/conflicts")
@allow("nominations.review")
def conflicts(round_id: int):
    round_ = load_round(round_id)
    return render_template(
        "nominations/conflicts.html",
        round=round_,
        lines=pages.conflict_lines(round_, current_user),
        form=ConflictForm(),
    )


@bp.route("/<int:nomination_id>/conflict", methods=["POST"])
@allow("nominations.review")
def declare_conflict(nomination_id: int):
    nomination = Nomination.get_or_none(Nomination.id == nomination_id)
    if (
        nomination is None
        or nomination.status != NominationState.SUBMITTED
        or not reaches_round(current_user, nomination.round)
    ):
        abort(404)
    form = ConflictForm()
    try:
        rounds.declare_conflict(nomination, current_user, form.reason.data or "")
    except NominationError as exc:
        flash_problems(exc)
    else:
        flash(_("已声明回避：%(n)s", n=nomination.nominee_name), "success")
    return redirect(url_for(".conflicts", round_id=nomination.round_id))


@bp.route("/<int:nomination_id>/review", methods=["GET", "POST"])
@allow("nominations.review")
def review(nomination_id: int):
    nomination = Nomination.get_or_none(Nomination.id == nomination_id)
    if nomination is None or not can(current_user, "nominations.review", nomination):
        abort(404)
    sheet = nomination.sheet_of(current_user)
    lines = rounds.criteria(nomination.round)
    form = review_form_class(lines)(data=pages.review_form_data(sheet))
    if form.validate_on_submit():
        submit = request.form.get("action") == "submit"
        try:
            scores = {
                c.id: (
                    review_sheets.parse_points(form[f"points_{c.id}"].data),
                    form[f"comment_{c.id}"].data or "",
                )
                for c in lines
            }
            review_sheets.save_review(sheet, scores, submit, current_user)
        except NominationError as exc:
            flash_problems(exc)
        else:
            flash(_("评分已提交") if submit else _("已保存评分草稿"), "success")
            return redirect(url_for(".review", nomination_id=nomination.id))
    return render_template(
        "nominations/review.html",
        nomination=nomination,
        sheet=sheet,
        criteria=lines,
        form=form,
        evidence=entries.nomination_evidence(nomination),
        peers=review_sheets.peer_totals(sheet),
    )
