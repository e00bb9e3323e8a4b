"""The office's set-up of a round: its settings, categories, criteria and panel."""

from __future__ import annotations

from datetime import date

from flask import (
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from assess.core.enums import NomineeKind
from assess.core.policy import allow, can
from assess.nominations import pages, rounds
from assess.nominations.forms import (
    ActionForm,
    CategoriesForm,
    CriteriaForm,
    PanelForm,
    RoundForm,
)
from assess.nominations.rounds import NominationError
from assess.nominations.views.common import bp, flash_problems, load_round, optional_int


def _settings(form: RoundForm) -> rounds.RoundSettings:
    return rounds.RoundSettings(
        year=form.year.data,
        title=form.title.data or "",
        window_opens=form.window_opens.data,
        window_closes=form.window_closes.data,
        top_n=form.top_n.data,
        cap_per_category=form.cap_per_category.data or None,
        reviewers_per_nomination=form.reviewers_per_nomination.data,
        min_reviews=form.min_reviews.data,
        normalise=form.normalise.data,
    )


# --- rounds (admin) ------------------------------------------------------------------------


@bp.route("/")
@allow("nominations.view")
def index():
    own_unit = None if can(current_user, "nominations.every_unit") else current_user.unit_id
    return render_template(
        "nominations/index.html", lines=pages.round_lines(current_user, own_unit)
    )


@bp.route("/rounds/new", methods=["GET", "POST"])
@allow("nominations.manage")
def new_round():
    """A new round, run by the office of the signed-in person's level (its scope unit)."""
    return _round_settings(None)


@bp.route("/rounds/<int:round_id>/settings", methods=["GET", "POST"])
@allow("nominations.manage")
def edit_round(round_id: int):
    return _round_settings(load_round(round_id))


def _round_settings(round_):
    form = RoundForm(obj=round_)
    if round_ is None and request.method == "GET":
        year = rounds.today().year
        form.year.data = year
        form.window_opens.data, form.window_closes.data = date(year, 10, 1), date(year, 10, 31)
    if form.validate_on_submit():
        try:
            if round_ is None:
                round_ = rounds.create_round(_settings(form), current_user)
            else:
                rounds.update_round(round_, _settings(form), current_user)
        except NominationError as exc:
            flash_problems(exc)
        else:
            flash(_("已保存评选设置：%(t)s", t=round_.title), "success")
            return redirect(url_for(".round_page", round_id=round_.id))
    return render_template("nominations/round_form.html", form=form, round=round_)


@bp.route("/rounds/<int:round_id>")
@allow("nominations.view")
def round_page(round_id: int):
    round_ = load_round(round_id)
    # The dashboard is the manager's; everyone else lands on their own part of the round.
    if not can(current_user, "nominations.manage"):
        if can(current_user, "nominations.submit"):
            target = ".nomination_list"
        elif can(current_user, "nominations.review"):
            target = ".my_reviews"
        else:
            target = ".awards"
        return redirect(url_for(target, round_id=round_.id))
    return render_template(
        "nominations/round.html", round=round_, view=pages.dashboard(round_), form=ActionForm()
    )


@bp.route("/rounds/<int:round_id>/categories", methods=["GET", "POST"])
@allow("nominations.manage")
def edit_categories(round_id: int):
    round_ = load_round(round_id)
    form = CategoriesForm()
    if request.method == "GET":
        for c in rounds.categories(round_):
            form.rows.append_entry({"id": c.id, "name": c.name, "nominee_kind": c.nominee_kind})
        for _blank in range(3):
            form.rows.append_entry({"nominee_kind": NomineeKind.UNIT.value})
    elif form.validate_on_submit():
        rows = [
            rounds.CategoryRow(
                optional_int(r.id.data), r.name.data or "", r.nominee_kind.data, r.remove.data
            )
            for r in (entry.form for entry in form.rows)
        ]
        try:
            rounds.save_categories(round_, rows, current_user)
        except NominationError as exc:
            flash_problems(exc)
        else:
            flash(_("已保存评选类别"), "success")
            return redirect(url_for(".round_page", round_id=round_.id))
    return render_template("nominations/categories.html", form=form, round=round_)


@bp.route("/rounds/<int:round_id>/criteria", methods=["GET", "POST"])
@allow("nominations.manage")
def edit_criteria(round_id: int):
    round_ = load_round(round_id)
    form = CriteriaForm()
    if request.method == "GET":
        for c in rounds.criteria(round_):
            form.rows.append_entry(
                {"id": c.id, "name": c.name, "guidance": c.guidance, "weight": c.weight}
            )
        for _blank in range(2):
            form.rows.append_entry({})
    elif form.validate_on_submit():
        rows = [
            rounds.CriterionRow(
                optional_int(r.id.data),
                r.name.data or "",
                r.guidance.data or "",
                r.weight.data,
                r.remove.data,
            )
            for r in (entry.form for entry in form.rows)
        ]
        try:
            rounds.save_criteria(round_, rows, current_user)
        except NominationError as exc:
            flash_problems(exc)
        else:
            flash(_("已保存评分细则"), "success")
            return redirect(url_for(".round_page", round_id=round_.id))
    return render_template("nominations/criteria.html", form=form, round=round_)


@bp.route("/rounds/<int:round_id>/panel", methods=["GET", "POST"])
@allow("nominations.manage")
def edit_panel(round_id: int):
    round_ = load_round(round_id)
    form = PanelForm()
    no_unit = _("无所属单位")
    form.reviewers.choices = [
        (u.id, f"{u.label}（{u.unit.name if u.unit_id else no_unit}）")
        for u in rounds.panel_candidates(round_)
    ]
    if request.method == "GET":
        form.reviewers.data = [u.id for u in rounds.panel(round_)]
    if form.validate_on_submit():
        try:
            rounds.set_panel(round_, form.reviewers.data or [], current_user)
        except NominationError as exc:
            flash_problems(exc)
        else:
            flash(_("已保存评审专家组"), "success")
            return redirect(url_for(".round_page", round_id=round_.id))
    return render_template("nominations/panel.html", form=form, round=round_)
