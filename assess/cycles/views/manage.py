"""Cycles for the office: create, open, review, publish; overview, ranking and results."""

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
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from assess.core.enums import RESULT_CYCLE_STATES, REVIEWABLE_CYCLE_STATES, CycleState
from assess.core.formatting import local_today
from assess.core.labels import cycle_state_label
from assess.core.policy import allow, can, cycle_allows, reaches_cycle
from assess.cycles import appeals, deadlines, lifecycle, publish_checks
from assess.cycles.excel import results_workbook
from assess.cycles.forms import (
    AppealDueForm,
    CycleForm,
    DeadlineForm,
    ExtensionForm,
    OverrideForm,
    RevokeExtensionForm,
    TransitionForm,
)
from assess.cycles.indicator_files import read_uploaded_set, shipped_sets
from assess.cycles.models import Assignment, Cycle, DeadlineExtension
from assess.cycles.pages import (
    all_rankings,
    cycle_overview,
    radar_for,
    ranking_view,
    unit_result_view,
)
from assess.cycles.publishing import (
    APPEAL_REPUBLISH_REASON,
    APPEAL_WINDOW_DAYS,
    current_snapshot,
)
from assess.cycles.submission_progress import progress_figure
from assess.cycles.submissions import SelfReport
from assess.reports.content import issuing_office, own_assessment_rows
from assess.reports.web_figures import published_figures
from assess.units.models import Unit
from assess.web.guard import require_unit, viewable_cycle
from assess.web.pagination import id_arg, paginate, paginate_list

bp = Blueprint("cycles", __name__, url_prefix="/cycles")


@bp.route("/")
@allow("cycles.view")
def index():
    query = Cycle.select().order_by(Cycle.year.desc(), Cycle.id.desc())
    cycles = [c for c in query if can(current_user, "cycles.view", c)]
    titles = {c.id: lifecycle.indicator_set_title(c) for c in cycles}
    return render_template("cycles/index.html", cycles=cycles, set_titles=titles)


@bp.route("/new", methods=["GET", "POST"])
@allow("cycles.manage")
def new():
    form = CycleForm()
    sets = shipped_sets()
    form.shipped_set.choices = [("", _("（不选用，上传文件）"))] + [(s.key, s.label) for s in sets]
    form.previous.choices = [(0, _("（无）"))] + [
        (c.id, str(c)) for c in Cycle.select() if reaches_cycle(current_user, c, "cycles.manage")
    ]
    if form.validate_on_submit():
        try:
            text, label = read_uploaded_set(form.upload.data, form.shipped_set.data, sets)
            cycle = lifecycle.create_cycle(
                form.year.data,
                form.name.data or "",
                text,
                label,
                form.self_report_due.data,
                form.review_due.data,
                _chosen_previous(form.previous.data),
                actor=current_user,
                owner=current_user.scope_unit,
            )
        except lifecycle.CycleError as exc:
            flash(str(exc), "error")
            return render_template("cycles/new.html", form=form, errors=exc.errors), 400
        flash(_("已创建考核周期 %(c)s", c=str(cycle)), "success")
        return redirect(url_for("cycles.overview", cycle_id=cycle.id))
    return render_template("cycles/new.html", form=form, errors=[])


def _chosen_previous(cycle_id: int) -> Cycle | None:
    """The earlier cycle chosen for the year-on-year comparison, if the office reaches it."""
    cycle = Cycle.get_or_none(Cycle.id == cycle_id)
    return cycle if cycle and reaches_cycle(current_user, cycle, "cycles.manage") else None


@bp.route("/<int:cycle_id>")
@allow("cycles.view")
def overview(cycle_id: int):
    cycle = viewable_cycle(cycle_id)
    if not can(current_user, "cycles.overview", cycle):
        if current_user.scope_unit_id is not None:  # another level's cycle: its own results
            return redirect(
                url_for("cycles.unit_result", cycle_id=cycle.id, unit_id=current_user.scope_unit_id)
            )
        return redirect(  # a reporter: its own unit's page
            url_for("selfreport.unit_page", cycle_id=cycle.id, unit_id=current_user.unit_id)
        )
    view = cycle_overview(cycle, paginate_list)
    progress = figures = None
    if cycle.state in REVIEWABLE_CYCLE_STATES:
        total = view.totals["units"]
        progress = progress_figure(cycle, view.complete_unit_ids, total, local_today())
    elif cycle.state in RESULT_CYCLE_STATES:
        figures = published_figures(cycle, str(get_locale()))
    return render_template(
        "cycles/overview.html",
        cycle=cycle,
        view=view,
        progress=progress,
        figures=figures,
        set_title=lifecycle.indicator_set_title(cycle),
        form=TransitionForm(),
        transitions=lifecycle.TRANSITIONS[cycle.state],
    )


@bp.route("/<int:cycle_id>/transition/<state>", methods=["POST"])
@allow("cycles.manage")
def transition(cycle_id: int, state: str):
    cycle, form = viewable_cycle(cycle_id), TransitionForm()
    if state == CycleState.PUBLISHED:  # only through the pre-publish check
        return redirect(url_for("cycles.publish", cycle_id=cycle.id))
    try:
        lifecycle.transition(cycle, state, current_user, form.reason.data or "")
    except lifecycle.CycleError as exc:
        flash(str(exc), "error")
    else:
        flash(_("考核周期已转为：%(s)s", s=cycle_state_label(cycle.state)), "success")
    return redirect(url_for("cycles.overview", cycle_id=cycle.id))


def _deadlines_page(cycle: Cycle, form=None, extension_form=None, appeal_form=None):
    """The page, with a refused form shown again as it was sent (200: the message says what
    is wrong, as on every form page of the app)."""
    form = form or DeadlineForm(
        self_report_due=cycle.self_report_due, review_due=cycle.review_due, formdata=None
    )
    appeal_form = appeal_form or AppealDueForm(
        appeal_due=cycle.appeal_due, formdata=None, prefix="appeal"
    )
    extension_form = extension_form or ExtensionForm(formdata=None, prefix="extension")
    extension_form.unit.choices = [(u.id, u.name) for u in lifecycle.units_in(cycle)]
    return render_template(
        "cycles/deadlines.html",
        cycle=cycle,
        form=form,
        extension_form=extension_form,
        appeal_form=appeal_form,
        appeal_window_days=APPEAL_WINDOW_DAYS,
        revoke_form=RevokeExtensionForm(formdata=None),
        extensions=deadlines.extensions(cycle),
    )


@bp.route("/<int:cycle_id>/deadlines", methods=["GET", "POST"])
@allow("cycles.manage")
def edit_deadlines(cycle_id: int):
    """The cycle's deadlines and the units' extensions (截止日期与延期)."""
    cycle = viewable_cycle(cycle_id)
    if request.method == "GET":
        return _deadlines_page(cycle)
    form = DeadlineForm()
    if not form.validate_on_submit():
        flash(_("请填写修改原因，日期格式为 年-月-日"), "error")
        return _deadlines_page(cycle, form=form)
    try:
        deadlines.set_deadlines(
            cycle, form.self_report_due.data, form.review_due.data, form.reason.data, current_user
        )
    except lifecycle.CycleError as exc:
        flash(str(exc), "error")
        return _deadlines_page(cycle, form=form)
    flash(_("截止日期已更新"), "success")
    return redirect(url_for("cycles.edit_deadlines", cycle_id=cycle.id))


@bp.route("/<int:cycle_id>/appeal-due", methods=["POST"])
@allow("cycles.manage")
def set_appeal_due(cycle_id: int):
    """The appeal deadline (申诉截止), set ahead of publishing or moved while appeals run."""
    # Prefixed: the page's other forms have a reason field too.
    cycle, form = viewable_cycle(cycle_id), AppealDueForm(prefix="appeal")
    if not form.validate_on_submit():
        flash(_("请填写修改原因，日期格式为 年-月-日"), "error")
        return _deadlines_page(cycle, appeal_form=form)
    try:
        appeals.set_appeal_due(cycle, form.appeal_due.data, form.reason.data, current_user)
    except lifecycle.CycleError as exc:
        flash(str(exc), "error")
        return _deadlines_page(cycle, appeal_form=form)
    flash(_("申诉截止日期已更新"), "success")
    return redirect(url_for("cycles.edit_deadlines", cycle_id=cycle.id) + "#appeal-due")


@bp.route("/<int:cycle_id>/extensions", methods=["POST"])
@allow("cycles.manage")
def grant_extension(cycle_id: int):
    # Prefixed: the page's other form has a reason field too, and ids must be unique.
    cycle, form = viewable_cycle(cycle_id), ExtensionForm(prefix="extension")
    unit = Unit.get_or_none(Unit.id == form.unit.data) if form.unit.data else None
    if not form.validate_on_submit() or unit is None:
        flash(_("请选择单位，填写延期日期和原因"), "error")
        return _deadlines_page(cycle, extension_form=form)
    try:
        deadlines.grant_extension(cycle, unit, form.due.data, form.reason.data, current_user)
    except lifecycle.CycleError as exc:
        flash(str(exc), "error")
        return _deadlines_page(cycle, extension_form=form)
    flash(_("%(u)s 已延期至 %(d)s", u=unit.name, d=form.due.data.isoformat()), "success")
    return redirect(url_for("cycles.edit_deadlines", cycle_id=cycle.id))


@bp.route("/<int:cycle_id>/extensions/<int:extension_id>/revoke", methods=["POST"])
@allow("cycles.manage")
def revoke_extension(cycle_id: int, extension_id: int):
    cycle, form = viewable_cycle(cycle_id), RevokeExtensionForm()
    row = DeadlineExtension.get_or_none(
        DeadlineExtension.id == extension_id, DeadlineExtension.cycle == cycle
    )
    if row is None:
        abort(404)
    if not form.validate_on_submit():
        flash(_("撤销延期须填写原因"), "error")
    else:
        try:
            deadlines.revoke_extension(row, form.reason.data, current_user)
            flash(_("已撤销 %(u)s 的延期", u=row.unit.name), "success")
        except lifecycle.CycleError as exc:
            flash(str(exc), "error")
    return redirect(url_for("cycles.edit_deadlines", cycle_id=cycle.id))


@bp.route("/<int:cycle_id>/publish", methods=["GET", "POST"])
@allow("cycles.manage")
def publish(cycle_id: int):
    """The pre-publish check (发布前检查) and, confirmed, publishing (结果公布)."""
    cycle, form = viewable_cycle(cycle_id), TransitionForm()
    if request.method == "GET":
        return _publish_page(cycle)
    if not form.validate_on_submit():
        return _publish_page(cycle, request.form, [_("页面已失效，请重新核对后再发布")])
    confirmed = {key: request.form.get(f"confirm_{key}", "") for key in publish_checks.CHECKS}
    try:
        publish_checks.publish_confirmed(
            cycle,
            current_user,
            confirmed,
            request.form.get("unreported_reason", ""),
            form.reason.data or "",
        )
    except lifecycle.CycleError as exc:
        return _publish_page(cycle, request.form, [str(exc), *exc.errors])
    flash(_("考核周期已转为：%(s)s", s=cycle_state_label(cycle.state)), "success")
    return redirect(url_for("cycles.overview", cycle_id=cycle.id))


def _publish_page(cycle: Cycle, sent=None, problems: list[str] | None = None):
    checks = publish_checks.prepublish_checks(cycle)
    return render_template(
        "cycles/publish.html",
        cycle=cycle,
        checks=checks,
        exceptions=[c for c in checks if c.rows],
        sent=sent or {},
        problems=problems or [],
        form=TransitionForm(formdata=None),
        may_publish=cycle_allows(cycle, "publish"),
        upheld_appeals=appeals.upheld_since_publication(cycle),
        appeal_reason=APPEAL_REPUBLISH_REASON,
    )


@bp.route("/<int:cycle_id>/assignments")
@allow("cycles.manage")
def assignments(cycle_id: int):
    cycle = viewable_cycle(cycle_id)
    unit = Unit.get_or_none(Unit.id == id_arg("unit"))
    rows = []
    if unit:
        parsed = lifecycle.indicator_set(cycle)
        query = Assignment.select().where(Assignment.cycle == cycle, Assignment.unit == unit)
        rows = [(a, parsed.indicator(a.indicator_code)) for a in query]
    return render_template(
        "cycles/assignments.html",
        cycle=cycle,
        unit=unit,
        rows=rows,
        units=lifecycle.units_in(cycle),
        form=OverrideForm(),
    )


@bp.route("/<int:cycle_id>/assignments/<int:assignment_id>", methods=["POST"])
@allow("cycles.manage")
def set_override(cycle_id: int, assignment_id: int):
    cycle, form = viewable_cycle(cycle_id), OverrideForm()
    row = Assignment.get_or_none(Assignment.id == assignment_id, Assignment.cycle == cycle)
    if row is None:
        abort(404)
    if form.validate_on_submit():
        try:
            lifecycle.set_override(row, form.target.data, form.weight.data, actor=current_user)
            flash(_("已更新目标责任书"), "success")
        except lifecycle.CycleError as exc:
            flash(str(exc), "error")
    else:
        flash(_("请输入有效的数字"), "error")
    return redirect(url_for("cycles.assignments", cycle_id=cycle.id, unit=row.unit_id))


@bp.route("/<int:cycle_id>/ranking")
@allow("results.ranking")
def ranking(cycle_id: int):
    cycle = viewable_cycle(cycle_id)
    preview = bool(request.args.get("preview")) and can(current_user, "results.preview")
    view = ranking_view(cycle, request.args.get("kind"), paginate, paginate_list, preview=preview)
    if view is None:
        flash(_("结果尚未公布"), "warning")
        return redirect(url_for("cycles.overview", cycle_id=cycle.id))
    # A trial ranking has no snapshot to draw once and keep: its charts wait for publishing.
    figures = None if preview else published_figures(cycle, str(get_locale()))
    return render_template(
        "cycles/ranking.html",
        cycle=cycle,
        view=view,
        preview=preview,
        snapshot=None if preview else current_snapshot(cycle),
        figures=figures.of_kind(view.kind) if figures else [],
        too_many=figures.too_many if figures else (),
        issuer=issuing_office(cycle, current_app.config["ISSUING_OFFICE"]),
    )


@bp.route("/<int:cycle_id>/units/<int:unit_id>/result")
@allow("results.view")
def unit_result(cycle_id: int, unit_id: int):
    cycle = viewable_cycle(cycle_id)
    require_unit(current_user, unit_id)
    view = unit_result_view(cycle, unit_id)
    if view is None:
        abort(404)
    # How the unit's own office assessed the level below that year (本级组织考核情况),
    # each linked to its ranking for whoever may read that cycle's results.
    own = own_assessment_rows(cycle, [view.unit])
    ranks = can(current_user, "results.ranking")
    linked = {
        row.cycle_id
        for row in own
        if ranks and row.published and can(current_user, "cycles.view", Cycle[row.cycle_id])
    }
    return render_template(
        "cycles/result.html",
        cycle=cycle,
        view=view,
        radar_svg=radar_for(view),
        appeal_scope=SelfReport(cycle, view.unit),
        own_assessments=own,
        linked_assessments=linked,
    )


@bp.route("/<int:cycle_id>/results.xlsx")
@allow("results.export")
def export_results(cycle_id: int):
    cycle = viewable_cycle(cycle_id)
    tables = all_rankings(cycle)
    if tables is None:
        abort(404)
    return send_file(
        results_workbook(cycle, tables),
        as_attachment=True,
        download_name=f"results-{cycle.year}-{cycle.id}.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
