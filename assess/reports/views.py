"""PDF reports: a unit's inspection report, the city summary, and batch generation."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from assess.core.enums import RESULT_CYCLE_STATES, JobState
from assess.core.policy import allow, scope_of
from assess.cycles.models import Cycle
from assess.evidence import objects
from assess.reports import jobs
from assess.reports.batch import MANIFEST_NAME
from assess.reports.content import city_summary, unit_report
from assess.reports.fonts import MissingFontError
from assess.reports.render import render_city_summary, render_unit_report
from assess.units.models import Unit
from assess.web.guard import require_unit, viewable_cycle

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _published(cycle_id: int | None) -> Cycle:
    cycle = viewable_cycle(cycle_id)
    if cycle.state not in RESULT_CYCLE_STATES:
        abort(404)
    return cycle


def _pdf(data, render, filename: str):
    try:
        pdf = render(data)
    except MissingFontError as exc:
        current_app.logger.error("report font missing: %s", exc)
        return render_template(
            "web/error.html", code=500, title=_("报告字体缺失"), message=str(exc)
        ), 500
    import io

    return send_file(
        io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True, download_name=filename
    )


@bp.route("/cycles/<int:cycle_id>/units/<int:unit_id>.pdf")
@allow("reports.view")
def unit_pdf(cycle_id: int, unit_id: int):
    require_unit(current_user, unit_id)
    cycle = _published(cycle_id)
    unit = Unit.get_or_none(Unit.id == unit_id)
    config = current_app.config
    data = (
        unit_report(
            cycle, unit, config["ISSUING_OFFICE"], show_peers=bool(config.get("UNITS_SEE_PEERS"))
        )
        if unit
        else None
    )
    if data is None:
        abort(404)
    return _pdf(data, render_unit_report, f"{cycle.year}-{unit.code}.pdf")


@bp.route("/cycles/<int:cycle_id>/summary.pdf")
@allow("reports.city")
def summary_pdf(cycle_id: int):
    cycle = _published(cycle_id)
    data = city_summary(cycle, current_app.config["ISSUING_OFFICE"])
    if data is None:
        abort(404)
    return _pdf(data, render_city_summary, f"{cycle.year}-summary-{cycle.id}.pdf")


@bp.route("/cycles/<int:cycle_id>/batch", methods=["POST"])
@allow("reports.batch")
def start_batch(cycle_id: int):
    cycle = _published(cycle_id)
    job_id = jobs.start_batch(cycle, current_user._get_current_object())
    return redirect(url_for("reports.job", job_id=job_id))


def _job(job_id: str):
    job = jobs.read_job(job_id, jobs.Patience.of(current_app.config))
    if job is None or job.kind != jobs.REPORT_BATCH:
        abort(404)
    if scope_of(current_user) is not None:  # a scoped office: its own cycles' batches only
        _published(job.cycle_id)
    return job


@bp.route("/jobs/<job_id>")
@allow("reports.batch")
def job(job_id: str):
    return render_template("reports/job.html", job=_job(job_id), manifest=MANIFEST_NAME)


@bp.route("/jobs/<job_id>/restart", methods=["POST"])
@allow("reports.batch")
def restart_job(job_id: str):
    """A failed job (its worker gone, or every report refused) is started again as a new job."""
    failed = _job(job_id)
    if failed.state != JobState.FAILED:
        abort(404)
    cycle = _published(failed.cycle_id)
    new_id = jobs.start_batch(cycle, current_user._get_current_object())
    return redirect(url_for("reports.job", job_id=new_id))


@bp.route("/jobs/<job_id>/download")
@allow("reports.batch")
def job_download(job_id: str):
    done = _job(job_id)
    config = current_app.config
    if done.state != JobState.DONE or not objects.exists(config, done.result_key):
        abort(404)
    return send_file(
        objects.open_object(config, done.result_key),
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"reports-{done.cycle_id}.zip",
    )
