"""Nominations and their evidence, as the units' reporters enter them."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from assess.core.policy import allow, can
from assess.evidence.models import Evidence
from assess.evidence.storage import EvidenceStore
from assess.nominations import entries, pages, rounds
from assess.nominations.forms import (
    ActionForm,
    EvidenceForm,
    NominationForm,
)
from assess.nominations.models import Nomination, NominationRound
from assess.nominations.rounds import NominationError
from assess.nominations.views.common import bp, flash_problems, load_nomination, load_round
from assess.web.downloads import evidence_download
from assess.web.pagination import id_arg, paginate


def _nominee(form: NominationForm) -> entries.NomineeInput:
    return entries.NomineeInput(
        category_id=form.category.data,
        nominee_kind=form.nominee_kind.data or "",
        nominee_name=form.nominee_name.data or "",
        work_unit=form.work_unit.data or "",
        position=form.position.data or "",
        contact_person=form.contact_person.data or "",
        contact_phone=form.contact_phone.data or "",
        deeds=form.deeds.data or "",
    )


def _nomination_form(round_: NominationRound, obj=None) -> NominationForm:
    form = NominationForm(obj=obj)
    form.category.choices = [(c.id, c.name) for c in rounds.categories(round_)]
    if obj is not None and request.method == "GET":
        form.category.data = obj.category_id
    return form


def _upload(nomination: Nomination, files) -> None:
    files = [f for f in files or [] if f and f.filename]
    if not files:
        return
    try:
        rows = entries.add_evidence(
            nomination, files, current_user, EvidenceStore.from_config(current_app.config)
        )
    except NominationError as exc:
        flash(str(exc), "error")
    else:
        flash(_("已上传 %(n)s 个佐证材料", n=len(rows)), "success")


# --- nominations (reporters; the admin reads) ----------------------------------------------


@bp.route("/rounds/<int:round_id>/nominations")
@allow("nominations.list")
def nomination_list(round_id: int):
    round_ = load_round(round_id)
    own_unit = None if can(current_user, "nominations.every_unit") else current_user.unit_id
    query = pages.nomination_list(round_, own_unit)
    category = id_arg("category")
    if category:
        query = query.where(Nomination.category == category)
    return render_template(
        "nominations/list.html",
        round=round_,
        page=paginate(query),
        categories=rounds.categories(round_),
        category=category,
        window_open=rounds.window_open(round_),
    )


@bp.route("/rounds/<int:round_id>/nominations/new", methods=["GET", "POST"])
@allow("nominations.submit")
def new_nomination(round_id: int):
    round_ = load_round(round_id)
    if not rounds.window_open(round_):
        flash(_("当前不在提名时间内，不能提交提名"), "warning")
        return redirect(url_for(".nomination_list", round_id=round_.id))
    form = _nomination_form(round_)
    if form.validate_on_submit():
        try:
            nomination = entries.create_nomination(round_, _nominee(form), current_user)
        except NominationError as exc:
            flash_problems(exc)
        else:
            flash(_("已提交提名：%(n)s", n=nomination.nominee_name), "success")
            _upload(nomination, form.files.data)
            return redirect(url_for(".nomination_page", nomination_id=nomination.id))
    return render_template(
        "nominations/nomination_form.html", form=form, round=round_, nomination=None
    )


@bp.route("/<int:nomination_id>")
@allow("nominations.view")
def nomination_page(nomination_id: int):
    nomination = load_nomination(nomination_id)
    if can(current_user, "nominations.review", nomination):  # a reviewer scores, blind
        return redirect(url_for(".review", nomination_id=nomination.id))
    return render_template(
        "nominations/nomination.html",
        nomination=nomination,
        evidence=entries.nomination_evidence(nomination),
        form=EvidenceForm(),
        action=ActionForm(),
    )


@bp.route("/<int:nomination_id>/edit", methods=["GET", "POST"])
@allow("nominations.submit")
def edit_nomination(nomination_id: int):
    nomination = load_nomination(nomination_id)
    if not rounds.window_open(nomination.round):
        flash(_("当前不在提名时间内，不能修改提名"), "warning")
        return redirect(url_for(".nomination_page", nomination_id=nomination.id))
    form = _nomination_form(nomination.round, obj=nomination)
    if form.validate_on_submit():
        try:
            entries.update_nomination(nomination, _nominee(form), current_user)
        except NominationError as exc:
            flash_problems(exc)
        else:
            flash(_("已保存提名"), "success")
            _upload(nomination, form.files.data)
            return redirect(url_for(".nomination_page", nomination_id=nomination.id))
    return render_template(
        "nominations/nomination_form.html", form=form, round=nomination.round, nomination=nomination
    )


@bp.route("/<int:nomination_id>/withdraw", methods=["POST"])
@allow("nominations.submit")
def withdraw(nomination_id: int):
    nomination = load_nomination(nomination_id)
    try:
        entries.withdraw_nomination(nomination, current_user)
    except NominationError as exc:
        flash_problems(exc)
    else:
        flash(_("已撤回提名：%(n)s", n=nomination.nominee_name), "success")
    return redirect(url_for(".nomination_page", nomination_id=nomination.id))


@bp.route("/<int:nomination_id>/evidence", methods=["POST"])
@allow("nominations.submit")
def upload_evidence(nomination_id: int):
    nomination = load_nomination(nomination_id)
    form = EvidenceForm()
    if form.validate_on_submit():
        if not [f for f in form.files.data or [] if f and f.filename]:
            flash(_("请选择要上传的文件"), "error")
        _upload(nomination, form.files.data)
    return redirect(url_for(".nomination_page", nomination_id=nomination.id))


def _evidence(nomination: Nomination, evidence_id: int) -> Evidence:
    row = Evidence.get_or_none(Evidence.id == evidence_id, Evidence.nomination_id == nomination.id)
    if row is None:
        abort(404)
    return row


@bp.route("/<int:nomination_id>/evidence/<int:evidence_id>/delete", methods=["POST"])
@allow("nominations.submit")
def delete_evidence(nomination_id: int, evidence_id: int):
    nomination = load_nomination(nomination_id)
    row = _evidence(nomination, evidence_id)
    try:
        entries.remove_evidence(nomination, row, current_user)
    except NominationError as exc:
        flash_problems(exc)
    else:
        flash(_("已删除佐证材料 %(f)s", f=row.original_name), "success")
    return redirect(url_for(".nomination_page", nomination_id=nomination.id))


@bp.route("/<int:nomination_id>/evidence/<int:evidence_id>")
@allow("evidence.read")
def download_evidence(nomination_id: int, evidence_id: int):
    row = _evidence(load_nomination(nomination_id), evidence_id)
    return evidence_download(row, EvidenceStore.from_config(current_app.config))
