"""Ranking runs, the panel's decisions at the cut line, the award list and the review record."""

from __future__ import annotations

import io

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from assess.core.policy import allow
from assess.nominations import exports, pages, ranking_runs, rounds
from assess.nominations.forms import (
    ActionForm,
    DecisionForm,
    RankForm,
)
from assess.nominations.models import NominationRound, RankingRun
from assess.nominations.rounds import NominationError
from assess.nominations.views.common import XLSX, bp, flash_problems, load_nomination, load_round


def _run(round_: NominationRound, run_id: int) -> RankingRun:
    run = RankingRun.get_or_none(RankingRun.id == run_id, RankingRun.round == round_)
    if run is None:
        abort(404)
    return run


# --- ranking runs, decisions and confirmation (admin) --------------------------------------


@bp.route("/rounds/<int:round_id>/ranking", methods=["GET", "POST"])
@allow("nominations.manage")
def ranking(round_id: int):
    round_ = load_round(round_id)
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
            flash_problems(exc)
        else:
            flash(_("已完成第 %(n)s 次排名", n=run.number), "success")
            return redirect(url_for(".run_page", round_id=round_.id, run_id=run.id))
    runs = RankingRun.select().where(RankingRun.round == round_).order_by(RankingRun.number.desc())
    return render_template("nominations/ranking.html", round=round_, form=form, runs=list(runs))


@bp.route("/rounds/<int:round_id>/ranking/<int:run_id>")
@allow("nominations.manage")
def run_page(round_id: int, run_id: int):
    run = _run(load_round(round_id), run_id)
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
    run = _run(load_round(round_id), run_id)
    name = f"reviews-{run.round.year}-run{run.number}.csv"
    return Response(
        exports.reviews_csv(run),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route(
    "/rounds/<int:round_id>/ranking/<int:run_id>/decisions/<int:nomination_id>", methods=["POST"]
)
@allow("nominations.manage")
def decide(round_id: int, run_id: int, nomination_id: int):
    run = _run(load_round(round_id), run_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(_("请选择评审会决定并填写表决情况"), "error")
    else:
        try:
            ranking_runs.record_decision(
                run, nomination_id, form.selected.data == "1", form.note.data, current_user
            )
        except NominationError as exc:
            flash_problems(exc)
        else:
            flash(_("已记录评审会决定"), "success")
    return redirect(url_for(".run_page", round_id=round_id, run_id=run.id))


@bp.route("/rounds/<int:round_id>/ranking/<int:run_id>/confirm", methods=["POST"])
@allow("nominations.manage")
def confirm(round_id: int, run_id: int):
    run = _run(load_round(round_id), run_id)
    try:
        ranking_runs.confirm_run(run, current_user)
    except NominationError as exc:
        flash_problems(exc)
        return redirect(url_for(".run_page", round_id=round_id, run_id=run.id))
    flash(_("表彰名单已确认"), "success")
    return redirect(url_for(".awards", round_id=round_id))


# --- the award list and the review record --------------------------------------------------


def _award(round_id: int) -> pages.AwardList | None:
    award = pages.award_list(load_round(round_id))
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
        exports.award_workbook(award),
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
        pdf = exports.award_pdf(award)
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
    nomination = load_nomination(nomination_id)
    return render_template("nominations/record.html", record=pages.review_record(nomination))
