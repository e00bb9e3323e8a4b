"""Home page, language switch and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user

from assess.core.db import database
from assess.core.policy import allow, public
from assess.web.i18n import LANGUAGES

bp = Blueprint("main", __name__)


@bp.route("/")
@allow("home.view")
def home():
    return render_template("web/home.html", user=current_user)


@bp.route("/health")
@public
def health():
    """Liveness and database reachability, for monitoring and the page benchmark."""
    database.execute_sql("SELECT 1")
    return jsonify(status="ok")


@bp.route("/lang/<code>", methods=["POST"])
@public
def set_language(code: str):
    if code in LANGUAGES:
        session["locale"] = code
    target = request.referrer or url_for("main.home")
    if not target.startswith(request.host_url):
        target = url_for("main.home")
    return redirect(target)
