"""The ``/api/v1`` endpoints, the OpenAPI 3.1 document and its reading page.

Built with flask-smorest on the app we have (no app class of its own): marshmallow schemas
validate the query and document the responses. Every endpoint declares its policy action
(``@allow``) like a page; the route guard and ``policy.can`` decide with the token's person.
"""

from __future__ import annotations

import flask
from flask import abort, current_app, render_template
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Api, Blueprint
from marshmallow import RAISE

from assess.api import award_reads, library_reads, reads, selfreport_reads
from assess.api.listing import listing
from assess.api.schemas import (
    AwardPage,
    CyclePage,
    IndicatorArgs,
    IndicatorPage,
    IndicatorSetArgs,
    IndicatorSetPage,
    PageArgs,
    ProblemSchema,
    ResultPage,
    RoundArgs,
    RoundPage,
    SelfReportPage,
    SubmissionStatusArgs,
    SubmissionStatusPage,
    UnitPage,
)
from assess.core.policy import allow, public
from assess.cycles.lifecycle import CycleError
from assess.web.errors import problem

PROBLEM_JSON = "application/problem+json"


class AssessApi(Api):
    """flask-smorest's Api, minus its error handlers: the app's own (``assess.web.errors``)
    answer every error, as problem details under ``/api/v1``."""

    ERROR_SCHEMA = ProblemSchema
    DEFAULT_ERROR_RESPONSE_NAME = "DEFAULT_ERROR"

    def _register_error_handlers(self):
        pass

    def _register_responses(self):
        """The error responses flask-smorest documents for every status, declared with the
        content type they are sent with (RFC 9457's ``application/problem+json``)."""
        default_type = self.DEFAULT_RESPONSE_CONTENT_TYPE
        self.DEFAULT_RESPONSE_CONTENT_TYPE = PROBLEM_JSON
        try:
            super()._register_responses()
        finally:
            self.DEFAULT_RESPONSE_CONTENT_TYPE = default_type


bp = Blueprint(
    "api",
    __name__,
    url_prefix="/api/v1",
    description="Access with a personal token: `Authorization: Bearer <token>` (a read token "
    "reads, a read+write token also saves, uploads, submits and moves cycles as its person may). Each "
    "token has a budget of requests (`API_RATE_LIMIT`, all endpoints together); every answer "
    "says how much is left in `X-RateLimit-Limit`, `X-RateLimit-Remaining` and "
    "`X-RateLimit-Reset`, and beyond it the answer is 429 with `Retry-After`.",
)

_SECONDS = {"type": "integer", "minimum": 0}
# Every endpoint counts against its token's limit (``assess.api.rate_limits``).
rate_limited = bp.alt_response(
    429,
    schema=ProblemSchema,
    content_type=PROBLEM_JSON,
    description="Too many requests with this token (or, without one, from this address).",
    headers={
        "Retry-After": {
            "description": "Seconds until the token may send again.",
            "required": True,
            "schema": _SECONDS,
        },
        "X-RateLimit-Limit": {"description": "Requests per window.", "schema": _SECONDS},
        "X-RateLimit-Remaining": {"description": "Requests left.", "schema": _SECONDS},
        "X-RateLimit-Reset": {
            "description": "When the window ends (Unix time).",
            "schema": _SECONDS,
        },
    },
)


def _window(args) -> reads.Window:
    """The page asked for; the whole list for an export (CSV and .xlsx are not paged)."""
    if args.get("format", "json") != "json":
        return reads.Window(1, reads.EVERYTHING)
    return reads.Window(args["page"], args["per_page"])


@listing(bp, "/units", UnitPage, "units")
@allow("units.view_tree")
@bp.arguments(PageArgs, location="query", unknown=RAISE)
@bp.response(200, UnitPage)
@rate_limited
def units(args):
    """The unit tree (单位树) in tree order, as far as the token's person sees it."""
    return reads.units(current_user, _window(args))


@listing(bp, "/cycles", CyclePage, "cycles")
@allow("cycles.view")
@bp.arguments(PageArgs, location="query", unknown=RAISE)
@bp.response(200, CyclePage)
@rate_limited
def cycles(args):
    """The assessment cycles (考核周期) the token's person reaches, with their state."""
    return reads.cycles(current_user, _window(args))


@listing(bp, "/cycles/<int:cycle_id>/results", ResultPage, "results")
@allow("results.view")
@bp.arguments(PageArgs, location="query", unknown=RAISE)
@bp.response(200, ResultPage)
@bp.alt_response(404, schema=ProblemSchema, content_type=PROBLEM_JSON)
@rate_limited
def cycle_results(args, cycle_id: int):
    """A cycle's published results (结果公布) per unit: total, grade, rank and every
    indicator's score; a reporter's token reads its own unit's only."""
    cycle = reads.readable_cycle(current_user, cycle_id)
    if cycle is None:
        abort(404)
    snapshot = reads.published_snapshot(cycle)
    if snapshot is None:
        return problem(404, _("结果尚未公布"))
    return reads.results(current_user, cycle, snapshot, _window(args))


@listing(bp, "/indicator-sets", IndicatorSetPage, "indicator-sets")
@allow("library.view")
@bp.arguments(IndicatorSetArgs, location="query", unknown=RAISE)
@bp.response(200, IndicatorSetPage)
@rate_limited
def indicator_sets(args):
    """The indicator sets (指标体系) of the cycles the token's person reaches in the
    indicator library (指标库), each a cycle's own copy, named by the cycle's id."""
    return library_reads.indicator_sets(current_user, args.get("state"), _window(args))


@listing(bp, "/indicator-sets/<int:cycle_id>/indicators", IndicatorPage, "indicators")
@allow("library.view")
@bp.arguments(IndicatorArgs, location="query", unknown=RAISE)
@bp.response(200, IndicatorPage)
@bp.alt_response(404, schema=ProblemSchema, content_type=PROBLEM_JSON)
@rate_limited
def indicators(args, cycle_id: int):
    """A cycle's indicators (考核指标) in set order: category, rule, target, weight and the
    policy clause (政策依据) each comes from."""
    cycle = library_reads.readable_set(current_user, cycle_id)
    if cycle is None:
        abort(404)
    try:
        return library_reads.indicators(cycle, args.get("category"), _window(args))
    except CycleError:
        return problem(404, _("（指标体系无法读取）"))


@listing(bp, "/cycles/<int:cycle_id>/submissions", SubmissionStatusPage, "submissions")
@allow("submissions.view")
@bp.arguments(SubmissionStatusArgs, location="query", unknown=RAISE)
@bp.response(200, SubmissionStatusPage)
@bp.alt_response(404, schema=ProblemSchema, content_type=PROBLEM_JSON)
@rate_limited
def cycle_submissions(args, cycle_id: int):
    """Each unit's self-report status (填报进度) in a cycle, as on its overview; a
    reporter's token reads its own unit's only."""
    cycle = selfreport_reads.readable_cycle_of_work(current_user, cycle_id)
    if cycle is None:
        abort(404)
    return selfreport_reads.statuses(current_user, cycle, args.get("status"), _window(args))


@listing(
    bp, "/cycles/<int:cycle_id>/units/<int:unit_id>/self-report", SelfReportPage, "self-report"
)
@allow("submissions.view")
@bp.arguments(PageArgs, location="query", unknown=RAISE)
@bp.response(200, SelfReportPage)
@bp.alt_response(404, schema=ProblemSchema, content_type=PROBLEM_JSON)
@rate_limited
def self_report(args, cycle_id: int, unit_id: int):
    """One unit's self-report (自评): every assigned indicator's value, narrative and
    status; 404 for a unit the token's person may not see."""
    unit = selfreport_reads.visible_unit(current_user, unit_id)
    cycle = selfreport_reads.readable_cycle_of_work(current_user, cycle_id)
    if unit is None or cycle is None:
        abort(404)
    return selfreport_reads.self_report(cycle, unit, _window(args))


@listing(bp, "/nomination-rounds", RoundPage, "nomination-rounds")
@allow("nominations.view")
@bp.arguments(RoundArgs, location="query", unknown=RAISE)
@bp.response(200, RoundPage)
@rate_limited
def nomination_rounds(args):
    """The nomination rounds (十类典型评选), newest first, with their phase."""
    return award_reads.rounds(current_user, args.get("phase"), _window(args))


@listing(bp, "/nomination-rounds/<int:round_id>/awards", AwardPage, "awards")
@allow("nominations.view")
@bp.arguments(PageArgs, location="query", unknown=RAISE)
@bp.response(200, AwardPage)
@bp.alt_response(404, schema=ProblemSchema, content_type=PROBLEM_JSON)
@rate_limited
def round_awards(args, round_id: int):
    """A round's confirmed award list (表彰名单) by category and place; rank and score
    only for a person who may export them. 404 until the list is confirmed."""
    round_ = award_reads.readable_round(current_user, round_id)
    if round_ is None:
        abort(404)
    page = award_reads.awards(current_user, round_, _window(args))
    if page is None:
        return problem(404, _("表彰名单尚未确认"))
    return page


# The document and its page describe the API and are no part of it: a plain blueprint.
docs_bp = flask.Blueprint("api_docs", __name__, url_prefix="/api/v1")


@docs_bp.route("/openapi.json")
@public
def openapi():
    """The OpenAPI 3.1 document of this API, built from the code."""
    return _spec()


@docs_bp.route("/docs")
@public
def docs():
    """The API's reading page: every path, its parameters and responses, from the spec."""
    return render_template("api/docs.html", spec=_spec())


def _spec() -> dict:
    return current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()


def init_app(app) -> None:
    """Build this app's Api (one per app: the spec is the app's) and register the API."""
    app.config.setdefault("API_TITLE", "Assess API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    api = AssessApi(
        app,
        spec_kwargs={
            "info": {"description": "督查考核评分系统数据接口 (Assess JSON API)."},
            "servers": [{"url": "/"}],
            "security": [{"bearer": []}],
        },
    )
    api.spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "description": "A personal API token."}
    )
    # The writes register their routes on ``bp`` when imported: before it is registered.
    from assess.api import cycle_transitions, self_report  # noqa: F401

    api.register_blueprint(bp)
    app.register_blueprint(docs_bp)
    from assess.web.security import csrf

    # Every API request is a token's (the session cookie is ignored there): no CSRF token.
    csrf.exempt(bp)
