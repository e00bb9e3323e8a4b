"""The Flask application factory."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from assess import ROOT
from assess.api import rate_limits
from assess.api import views as api_views
from assess.core import audit, db, queue
from assess.core.secret_key import audit_key, instance_secret, required_key
from assess.core.settings import defaults_from_env
from assess.web import (
    errors,
    guard,
    i18n,
    navigation,
    readiness,
    request_log,
    schema_guard,
    security,
)


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings from the environment, then ``config`` overrides (tests)."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_mapping(defaults_from_env())
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Flask refuses a session cookie older than this: a copied cookie dies with the day.
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
    )
    if config:
        app.config.update(config)
    instance = Path(app.config["ASSESS_INSTANCE"]).resolve()
    instance.mkdir(parents=True, exist_ok=True)
    app.config["ASSESS_INSTANCE"] = str(instance)
    app.config["DATABASE_URL"] = app.config["DATABASE_URL"] or f"sqlite:///{instance}/assess.db"
    app.config["SECRET_KEY"] = required_key(
        app.config["DATABASE_URL"], app.config["SECRET_KEY"]
    ) or instance_secret(instance)
    app.config["AUDIT_KEY"] = audit_key(app.config["AUDIT_KEY"], app.config["SECRET_KEY"])
    https = bool(app.config["HTTPS"] or app.config["SESSION_COOKIE_SECURE"])
    app.config.update(HTTPS=https, SESSION_COOKIE_SECURE=https, REMEMBER_COOKIE_SECURE=https)
    app.config["MAX_CONTENT_LENGTH"] = (int(app.config["MAX_UPLOAD_MB"]) + 1) * 1024 * 1024

    # Ids in URLs are bounded to the database's integer range: a huge id is a 404, not an
    # overflow inside the driver.
    app.url_map.converters["int"] = BoundedIntConverter
    if app.config["TRUSTED_PROXIES"]:
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    request_log.init_app(app)  # first: every request has its id before anything can fail
    readiness.init_app(app)  # the health endpoints answer before the database is touched
    db.init_app(app)
    audit.bind_key(app.config["AUDIT_KEY"])
    queue.init_app(app)
    schema_guard.init_app(app)  # before anything reads a table
    i18n.init_app(app)
    security.init_app(app)
    # Between the two: it keys by the token security loads, and counts a tokenless request
    # before the guard answers it 401.
    rate_limits.init_app(app)
    guard.init_app(app)
    errors.init_app(app)
    navigation.init_app(app)
    _register_blueprints(app)
    api_views.init_app(app)
    return app


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` limited to PostgreSQL's ``integer`` (and SQLite's safe) range."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 (werkzeug's signature)
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _register_blueprints(app: Flask) -> None:
    """One blueprint per user-facing area (and two for accounts: sign-in, administration)."""
    from assess.accounts.views import admin, auth, service
    from assess.cycles.views import (
        appeals,
        inspection,
        ledger,
        library,
        manage,
        selfreport,
        whatif,
    )
    from assess.delivery import views as delivery_views
    from assess.evidence import views as evidence_views
    from assess.nominations import views as nomination_views
    from assess.notifications import views as notification_views
    from assess.ops import views as audit_views
    from assess.reports import views as report_views
    from assess.units import views as unit_views
    from assess.web import home

    for module in (
        home,
        auth,
        unit_views,
        admin,
        service,
        audit_views,
        manage,
        selfreport,
        inspection,
        appeals,
        library,
        whatif,
        ledger,
        evidence_views,
        nomination_views,
        report_views,
        notification_views,
        delivery_views,
    ):
        app.register_blueprint(module.bp)
