"""The ten-types-of-models nomination round (十类典型评选): set-up, nominations, assignment,
review, ranking and the award list. Each view parses input, calls the domain, renders.

A nomination the user may not open answers 404, never 403, so its existence is not
confirmed (the same rule as ``guard.require_unit``).
"""

from __future__ import annotations

import io
from datetime import date

from flask import (
    Blueprint,
    Response,
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

from assess.core.enums import NominationState, NomineeKind
from assess.core.policy import allow, can
from assess.evidence.models import Evidence
from assess.evidence.storage import EvidenceStore
from assess.nominations import pages, ranking_runs, review_sheets, rounds
from assess.nominations.forms import (
    ActionForm,
    CategoriesForm,
    ConflictForm,
    CriteriaForm,
    DecisionForm,
    EvidenceForm,
    NominationForm,
    PanelForm,
    RankForm,
    ReviewersForm,
    RoundForm,
    review_form_class,
)
from assess.nominations.models import Nomination, NominationRound, RankingRun
from assess.nominations.rounds import NominationError
from assess.web.downloads import evidence_download
from assess.web.pagination import id_arg, paginate

bp = Blueprint("nominations", __name__, url_prefix="/nominations")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.context_processor
def _labels() -> dict[str, object]:
    return {
        "flag_label": pages.flag_label,
        "cn_index": pages.cn_index,
        "params_text": pages.params_text,
        "score": pages.score_text,
    }


# --- loading and small helpers -------------------------------------------------------------


def _round(round_id: int) -> NominationRound:
    round_ = NominationRound.get_or_none(NominationRound.id == round_id)
    if round_ is None:
        abort(404)
    return round_


def _nomination(nomination_id: int) -> Nomination:
    """The nomination if the signed-in user may open it, else 404."""
    nomination = Nomination.get_or_none(Nomination.id == nomination_id)
    if nomination is None or not can(current_user, "nominations.open", nomination):
        abort(404)
    return nomination


def _run(round_: NominationRound, run_id: int) -> RankingRun:
    run = RankingRun.get_or_none(RankingRun.id == run_id, RankingRun.round == round_)
    if run is None:
        abort(404)
    return run


def _problems(exc: NominationError) -> None:
    for message in exc.problems or [str(exc)]:
        flash(message, "error")


def _int(value: str | None) -> int | None:
    return int(value) if value and str(value).isdigit() else None


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


def _nominee(form: NominationForm) -> rounds.NomineeInput:
    return rounds.NomineeInput(
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
        rows = rounds.add_evidence(
            nomination, files, current_user, EvidenceStore.from_config(current_app.config)
        )
    except NominationError as exc:
        flash(str(exc), "error")
    else:
        flash(_("已上传 %(n)s 个佐证材料", n=len(rows)), "success")


# --- rounds (admin) ------------------------------------------------------------------------


@bp.route("/")
@allow("nominations.view")
def index():
    own_unit = None if can(current_user, "nominations.every_unit") else current_user.unit_id
    return render_template("nominations/index.html", lines=pages.round_lines(own_unit))


@bp.route("/rounds/new", methods=["GET", "POST"])
@bp.route("/rounds/<int:round_id>/settings", methods=["GET", "POST"])
@allow("nominations.manage")
def edit_round(round_id: int | None = None):
    round_ = _round(round_id) if round_id else None
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
            _problems(exc)
        else:
            flash(_("已保存评选设置：%(t)s", t=round_.title), "success")
            return redirect(url_for(".round_page", round_id=round_.id))
    return render_template("nominations/round_form.html", form=form, round=round_)


@bp.route("/rounds/<int:round_id>")
@allow("nominations.view")
def round_page(round_id: int):
    round_ = _round(round_id)
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
    round_ = _round(round_id)
    form = CategoriesForm()
    if request.method == "GET":
        for c in rounds.categories(round_):
            form.rows.append_entry({"id": c.id, "name": c.name, "nominee_kind": c.nominee_kind})
        for _blank in range(3):
            form.rows.append_entry({"nominee_kind": NomineeKind.UNIT.value})
    elif form.validate_on_submit():
        rows = [
            rounds.CategoryRow(
                _int(r.id.data), r.name.data or "", r.nominee_kind.data, r.remove.data
            )
            for r in (entry.form for entry in form.rows)
        ]
        try:
            rounds.save_categories(round_, rows, current_user)
        except NominationError as exc:
            _problems(exc)
        else:
            flash(_("已保存评选类别"), "success")
            return redirect(url_for(".round_page", round_id=round_.id))
    return render_template("nominations/categories.html", form=form, round=round_)


@bp.route("/rounds/<int:round_id>/criteria", methods=["GET", "POST"])
@allow("nominations.manage")
def edit_criteria(round_id: int):
    round_ = _round(round_id)
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
                _int(r.id.data),
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
            _problems(exc)
        else:
            flash(_("已保存评分细则"), "success")
            return redirect(url_for(".round_page", round_id=round_.id))
    return render_template("nominations/criteria.html", form=form, round=round_)


@bp.route("/rounds/<int:round_id>/panel", methods=["GET", "POST"])
@allow("nominations.manage")
def edit_panel(round_id: int):
    round_ = _round(round_id)
    form = PanelForm()
    no_unit = _("无所属单位")
    form.reviewers.choices = [
        (u.id, f"{u.label}（{u.unit.name if u.unit_id else no_unit}）")
        for u in rounds.panel_candidates()
    ]
    if request.method == "GET":
        form.reviewers.data = [u.id for u in rounds.panel(round_)]
    if form.validate_on_submit():
        try:
            rounds.set_panel(round_, form.reviewers.data or [], current_user)
        except NominationError as exc:
            _problems(exc)
        else:
            flash(_("已保存评审专家组"), "success")
            return redirect(url_for(".round_page", round_id=round_.id))
    return render_template("nominations/panel.html", form=form, round=round_)


# --- nominations (reporters; the admin reads) ----------------------------------------------


@bp.route("/rounds/<int:round_id>/nominations")
@allow("nominations.list")
def nomination_list(round_id: int):
    round_ = _round(round_id)
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
    round_ = _round(round_id)
    if not rounds.window_open(round_):
        flash(_("当前不在提名时间内，不能提交提名"), "warning")
        return redirect(url_for(".nomination_list", round_id=round_.id))
    form = _nomination_form(round_)
    if form.validate_on_submit():
        try:
            nomination = rounds.create_nomination(round_, _nominee(form), current_user)
        except NominationError as exc:
            _problems(exc)
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
    nomination = _nomination(nomination_id)
    if can(current_user, "nominations.review", nomination):  # a reviewer scores, blind
        return redirect(url_for(".review", nomination_id=nomination.id))
    return render_template(
        "nominations/nomination.html",
        nomination=nomination,
        evidence=rounds.nomination_evidence(nomination),
        form=EvidenceForm(),
        action=ActionForm(),
    )


@bp.route("/<int:nomination_id>/edit", methods=["GET", "POST"])
@allow("nominations.submit")
def edit_nomination(nomination_id: int):
    nomination = _nomination(nomination_id)
    if not rounds.window_open(nomination.round):
        flash(_("当前不在提名时间内，不能修改提名"), "warning")
        return redirect(url_for(".nomination_page", nomination_id=nomination.id))
    form = _nomination_form(nomination.round, obj=nomination)
    if form.validate_on_submit():
        try:
            rounds.update_nomination(nomination, _nominee(form), current_user)
        except NominationError as exc:
            _problems(exc)
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
    nomination = _nomination(nomination_id)
    try:
        rounds.withdraw_nomination(nomination, current_user)
    except NominationError as exc:
        _problems(exc)
    else:
        flash(_("已撤回提名：%(n)s", n=nomination.nominee_name), "success")
    return redirect(url_for(".nomination_page", nomination_id=nomination.id))


@bp.route("/<int:nomination_id>/evidence", methods=["POST"])
@allow("nominations.submit")
def upload_evidence(nomination_id: int):
    nomination = _nomination(nomination_id)
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
    nomination = _nomination(nomination_id)
    row = _evidence(nomination, evidence_id)
    try:
        rounds.remove_evidence(nomination, row, current_user)
    except NominationError as exc:
        _problems(exc)
    else:
        flash(_("已删除佐证材料 %(f)s", f=row.original_name), "success")
    return redirect(url_for(".nomination_page", nomination_id=nomination.id))


@bp.route("/<int:nomination_id>/evidence/<int:evidence_id>")
@allow("evidence.read")
def download_evidence(nomination_id: int, evidence_id: int):
    row = _evidence(_nomination(nomination_id), evidence_id)
    return evidence_download(row, EvidenceStore.from_config(current_app.config))


# --- assignment and progress (admin) -------------------------------------------------------


@bp.route("/rounds/<int:round_id>/assignments")
@allow("nominations.manage")
def assignments(round_id: int):
    round_ = _round(round_id)
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
    round_ = _round(round_id)
    try:
        if request.form.get("mode") == "fill":
            added = review_sheets.fill_assignment(round_, current_user)
            flash(_("已补齐 %(n)s 份评分表", n=added), "success")
        else:
            result = review_sheets.auto_assign(round_, current_user)
            flash(_("已为 %(n)s 个提名自动分配评审", n=len(result)), "success")
    except NominationError as exc:
        _problems(exc)
    return redirect(url_for(".assignments", round_id=round_.id))


@bp.route("/<int:nomination_id>/reviewers", methods=["GET", "POST"])
@allow("nominations.manage")
def edit_reviewers(nomination_id: int):
    nomination = _nomination(nomination_id)
    form = ReviewersForm()
    form.reviewers.choices = [(u.id, u.label) for u in rounds.panel(nomination.round)]
    if request.method == "GET":
        form.reviewers.data = [s.reviewer_id for s in nomination.sheets]
    if form.validate_on_submit():
        try:
            review_sheets.set_reviewers(nomination, form.reviewers.data or [], current_user)
        except NominationError as exc:
            _problems(exc)
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
    round_ = _round(round_id)
    return render_template(
        "nominations/my_reviews.html",
        round=round_,
        tasks=pages.reviewer_tasks(round_, current_user),
        on_panel=current_user.id in {u.id for u in rounds.panel(round_)},
    )


@bp.route("/rounds/<int:round_id>/conflicts")
@allow("nominations.review")
def conflicts(round_id: int):
    round_ = _round(round_id)
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
    if nomination is None or nomination.status != NominationState.SUBMITTED:
        abort(404)
    form = ConflictForm()
    try:
        rounds.declare_conflict(nomination, current_user, form.reason.data or "")
    except NominationError as exc:
        _problems(exc)
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
            entries = {
                c.id: (
                    review_sheets.parse_points(form[f"points_{c.id}"].data),
                    form[f"comment_{c.id}"].data or "",
                )
                for c in lines
            }
            review_sheets.save_review(sheet, entries, submit, current_user)
        except NominationError as exc:
            _problems(exc)
        else:
            flash(_("评分已提交") if submit else _("已保存评分草稿"), "success")
            return redirect(url_for(".review", nomination_id=nomination.id))
    return render_template(
        "nominations/review.html",
        nomination=nomination,
        sheet=sheet,
        criteria=lines,
        form=form,
        evidence=rounds.nomination_evidence(nomination),
        peers=review_sheets.peer_totals(sheet),
    )


# --- ranking runs, decisions and confirmation (admin) --------------------------------------


@bp.route("/rounds/<int:round_id>/ranking", methods=["GET", "POST"])
@allow("nominations.manage")
def ranking(round_id: int):
    round_ = _round(round_id)
    defaults = ranking_runs.default_params(round_)
    form = RankForm(data=ranking_runs.params_form_data(defaults))
    if form.validate_on_submit():
        try:
            params = ranking_runs.params_from(
                form.top.data,
                form.cap_per_category.data,
                form.min_reviews.data,
                form.normalise.data,
            )
            run = ranking_runs.run_ranking(round_, current_user, params)
        except NominationError as exc:
            _problems(exc)
        else:
            flash(_("已完成第 %(n)s 次排名", n=run.number), "success")
            return redirect(url_for(".run_page", round_id=round_.id, run_id=run.id))
    runs = RankingRun.select().where(RankingRun.round == round_).order_by(RankingRun.number.desc())
    return render_template("nominations/ranking.html", round=round_, form=form, runs=list(runs))


@bp.route("/rounds/<int:round_id>/ranking/<int:run_id>")
@allow("nominations.manage")
def run_page(round_id: int, run_id: int):
    run = _run(_round(round_id), run_id)
    return render_template(
        "nominations/run.html",
        round=run.round,
        table=pages.run_table(run),
        decision_form=DecisionForm(),
        form=ActionForm(),
    )


@bp.route("/rounds/<int:round_id>/ranking/<int:run_id>/reviews.csv")
@allow("nominations.manage")
def run_reviews_csv(round_id: int, run_id: int):
    run = _run(_round(round_id), run_id)
    name = f"reviews-{run.round.year}-run{run.number}.csv"
    return Response(
        pages.reviews_csv(run),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route(
    "/rounds/<int:round_id>/ranking/<int:run_id>/decisions/<int:nomination_id>", methods=["POST"]
)
@allow("nominations.manage")
def decide(round_id: int, run_id: int, nomination_id: int):
    run = _run(_round(round_id), run_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(_("请选择评审会决定并填写表决情况"), "error")
    else:
        try:
            ranking_runs.record_decision(
                run, nomination_id, form.selected.data == "1", form.note.data, current_user
            )
        except NominationError as exc:
            _problems(exc)
        else:
            flash(_("已记录评审会决定"), "success")
    return redirect(url_for(".run_page", round_id=round_id, run_id=run.id))


@bp.route("/rounds/<int:round_id>/ranking/<int:run_id>/confirm", methods=["POST"])
@allow("nominations.manage")
def confirm(round_id: int, run_id: int):
    run = _run(_round(round_id), run_id)
    try:
        ranking_runs.confirm_run(run, current_user)
    except NominationError as exc:
        _problems(exc)
        return redirect(url_for(".run_page", round_id=round_id, run_id=run.id))
    flash(_("表彰名单已确认"), "success")
    return redirect(url_for(".awards", round_id=round_id))


# --- the award list and the review record --------------------------------------------------


def _award(round_id: int) -> pages.AwardList | None:
    award = pages.award_list(_round(round_id))
    if award is None:
        flash(_("表彰名单尚未确认"), "warning")
    return award


@bp.route("/rounds/<int:round_id>/awards")
@allow("nominations.view")
def awards(round_id: int):
    award = _award(round_id)
    if award is None:
        return redirect(url_for(".index"))
    return render_template("nominations/awards.html", award=award, round=award.round)


@bp.route("/rounds/<int:round_id>/awards/print")
@allow("nominations.view")
def awards_print(round_id: int):
    award = _award(round_id)
    if award is None:
        return redirect(url_for(".index"))
    return render_template(
        "nominations/awards_print.html", award=award, issuers=rounds.AWARD_ISSUERS
    )


@bp.route("/rounds/<int:round_id>/awards.xlsx")
@allow("nominations.export")
def awards_xlsx(round_id: int):
    award = _award(round_id)
    if award is None:
        return redirect(url_for(".index"))
    return send_file(
        pages.award_workbook(award),
        as_attachment=True,
        download_name=f"awards-{award.round.year}-{award.round.id}.xlsx",
        mimetype=XLSX,
    )


@bp.route("/rounds/<int:round_id>/awards.pdf")
@allow("nominations.view")
def awards_pdf(round_id: int):
    award = _award(round_id)
    if award is None:
        return redirect(url_for(".index"))
    try:
        pdf = pages.award_pdf(award)
    except RuntimeError:  # the reports module's MissingFontError: no CJK font installed
        flash(_("服务器未安装中文字体，无法生成 PDF，请使用打印版"), "error")
        return redirect(url_for(".awards_print", round_id=round_id))
    return send_file(
        io.BytesIO(pdf),
        as_attachment=True,
        download_name=f"awards-{award.round.year}-{award.round.id}.pdf",
        mimetype="application/pdf",
    )


@bp.route("/<int:nomination_id>/record")
@allow("nominations.manage")
def record(nomination_id: int):
    nomination = _nomination(nomination_id)
    return render_template("nominations/record.html", record=pages.review_record(nomination))
