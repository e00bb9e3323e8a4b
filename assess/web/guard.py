"""The route guard: enforces ``core.policy`` on every request (fail closed).

The rules themselves (``RULES``, ``@allow``, ``@public``, ``unit_visible``) are plain Python in
``assess.core.policy``; this module is the only place that applies them to the request, so
domain code never has to know there is one.
"""

from __future__ import annotations

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from assess.core.policy import PUBLIC, action_of, can, reaches_cycle, unit_visible
from assess.web.security import api_request


def viewable_cycle(cycle_id: int | None):
    """The cycle with this id if the signed-in person may see it (``cycles.view``: a reporter
    only the cycles that assess its unit) and its scope reaches it for the action this page
    declares (``reaches_cycle``: an office of one level its own subtree's cycles, of the
    others only its own unit's results); 404 otherwise, never confirming it exists."""
    from assess.cycles.models import Cycle

    cycle = Cycle.get_or_none(Cycle.id == cycle_id) if cycle_id is not None else None
    if cycle is None or not can(current_user, "cycles.view", cycle):
        abort(404)
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if not reaches_cycle(current_user, cycle, (view and action_of(view)) or "cycles.manage"):
        abort(404)
    return cycle


def require_unit(user, unit_id: int | None) -> None:
    """Abort with 404 (not 403: do not confirm another unit's data exists) if not visible."""
    if not unit_visible(user, unit_id):
        abort(404)


def init_app(app) -> None:
    @app.before_request
    def _enforce() -> object | None:
        if request.endpoint is None:  # no route matched: let Flask answer 404/405
            return None
        if request.endpoint == "static":
            return None
        view = current_app.view_functions.get(request.endpoint)
        action = action_of(view) if view else None
        if action == PUBLIC:
            return None
        if action is None:
            current_app.logger.error("endpoint %s has no policy; refused", request.endpoint)
            abort(403)
        if not current_user.is_authenticated:
            if request.method == "GET" and not api_request():
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            abort(401)
        if not can(current_user, action):
            abort(403)
        return None
