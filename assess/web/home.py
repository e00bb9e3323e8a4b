"""Home page, language switch and the health check."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user

from assess.core.policy import allow, can, public
from assess.web import readiness, todos
from assess.web.i18n import LANGUAGES

bp = Blueprint("main", __name__)


@bp.route("/")
@allow("home.view")
def home():
    """工作台: the to-do panels the person's role calls for (``assess.web.todos``)."""
    user = current_user
    panels = {
        "self_report": can(user, "todos.self_report") and todos.reporter_todos(user),
        "inspection": can(user, "todos.inspection") and todos.inspector_todos(user),
        "office": can(user, "todos.office") and todos.admin_todos(user),
        "review_sheets": can(user, "todos.review_sheets") and todos.review_sheet_todos(user),
        "appeals": can(user, "todos.appeals") and todos.appeal_todos(user),
        "results": can(user, "todos.results") and todos.latest_results(str(get_locale()), user),
    }
    return render_template("web/home.html", user=user, todo=panels)


@bp.route("/health")
@public
def health():
    """Liveness (the process answers), for supervisors and the page benchmark."""
    return readiness.alive()


@bp.route("/health/ready")
@public
def health_ready():
    """Readiness: the database, the evidence store (and what else is registered) work."""
    return readiness.ready()


@bp.route("/lang/<code>", methods=["POST"])
@public
def set_language(code: str):
    if code in LANGUAGES:
        session["locale"] = code
    target = request.referrer or url_for("main.home")
    if not target.startswith(request.host_url):
        target = url_for("main.home")
    return redirect(target)
