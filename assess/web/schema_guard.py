"""The schema guard: the app serves no page on a database whose schema is not this code's.

A database left behind by a downgrade (or never upgraded) would fail in the middle of a
login; one written by a newer release could be corrupted by older code. Either way every
request gets one Chinese page naming the command to run, and once the schema matches the
guard steps aside for the life of the process (an upgrade needs no restart).
"""

from __future__ import annotations

from flask import render_template, request

from assess.core.db import database
from assess.ops import migrations


def schema_problem_at_start(app) -> str | None:
    """Why ``app`` cannot serve its database (None: it can); for the commands that start it."""
    with app.app_context():
        database.connect(reuse_if_open=True)
        try:
            return migrations.schema_problem()
        finally:
            database.close()


def init_app(app) -> None:
    checked = {"current": False}

    @app.before_request
    def _require_current_schema() -> object | None:
        if checked["current"] or request.endpoint == "static":
            return None
        problem = migrations.schema_problem()
        if problem is None:
            checked["current"] = True
            return None
        app.logger.error("schema mismatch: %s", problem)
        # A page of its own: the usual layout reads the signed-in user, whose table is
        # exactly what may not match.
        return render_template("web/schema_mismatch.html", message=problem), 503
