"""Who may do what: the one place that decides (权限).

Every view declares an action with ``@allow("action")`` or is marked ``@public``; the
before-request guard in ``assess.web.guard`` enforces it, and an endpoint with neither is
refused (fail closed), so a route added without a policy cannot leak (``tests/test_policy.py`` walks every rule).
Unit scoping (a reporter sees only its own unit) is decided by ``unit_visible`` here too
(``assess.web.guard.require_unit`` turns a refusal into a 404), never by ad-hoc ifs in views.
"""

from __future__ import annotations

from collections.abc import Callable

ADMIN, INSPECTOR, REPORTER, VIEWER = "admin", "inspector", "reporter", "viewer"
EVERYONE = frozenset({ADMIN, INSPECTOR, REPORTER, VIEWER})
STAFF = frozenset({ADMIN, INSPECTOR})  # may read every unit's submissions and evidence

# action -> roles allowed. Unit-level restrictions are applied on top by unit_visible.
RULES: dict[str, frozenset[str]] = {
    "home.view": EVERYONE,
    "account.manage_own": EVERYONE,
    "units.view_tree": EVERYONE,
    "units.manage": frozenset({ADMIN}),
    "users.manage": frozenset({ADMIN}),
    "audit.view": frozenset({ADMIN}),
    "cycles.view": EVERYONE,
    "cycles.overview": frozenset({ADMIN, INSPECTOR, VIEWER}),
    "cycles.manage": frozenset({ADMIN}),
    "results.view": frozenset({ADMIN, INSPECTOR, VIEWER, REPORTER}),  # reporters: own unit
    "results.ranking": frozenset({ADMIN, INSPECTOR, VIEWER}),
    "results.export": frozenset({ADMIN, INSPECTOR, VIEWER}),
    # Work in progress is for the office, the inspectors and the unit itself; leaders read
    # published results (SPEC §1). Reporters: own unit only (require_unit).
    "submissions.view": frozenset({ADMIN, INSPECTOR, REPORTER}),
    "submissions.edit_own": frozenset({REPORTER}),
    "submissions.review": STAFF,
    "evidence.read": frozenset({ADMIN, INSPECTOR, REPORTER}),
    "reports.view": EVERYONE,  # reporters: own unit only (require_unit)
    "reports.city": frozenset({ADMIN, INSPECTOR, VIEWER}),
    "reports.batch": frozenset({ADMIN}),
    "nominations.view": EVERYONE,
    "nominations.manage": frozenset({ADMIN}),
    "nominations.submit": frozenset({REPORTER}),
    "nominations.review": frozenset({ADMIN, INSPECTOR}),  # a sheet only if assigned, no conflict
    "nominations.list": frozenset({ADMIN, REPORTER}),  # reporters: own unit's nominations only
    "nominations.export": frozenset({ADMIN, VIEWER}),  # award list with scores (.xlsx)
}

_ACTION_ATTR = "_assess_action"
PUBLIC = "public"


def allow(action: str) -> Callable:
    """Declare the action a view performs; roles come from RULES."""
    if action not in RULES:
        raise KeyError(f"unknown policy action {action!r}")

    def mark(view: Callable) -> Callable:
        setattr(view, _ACTION_ATTR, action)
        return view

    return mark


def public(view: Callable) -> Callable:
    """Mark a view that needs no login (login page, health check)."""
    setattr(view, _ACTION_ATTR, PUBLIC)
    return view


def action_of(view: Callable) -> str | None:
    return getattr(view, _ACTION_ATTR, None)


def can(user, action: str) -> bool:
    """True when ``user`` (possibly anonymous) may perform ``action``."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.role in RULES[action]


def is_staff(user) -> bool:
    return user.is_authenticated and user.role in STAFF


def unit_visible(user, unit_id: int | None) -> bool:
    """Reporters see only their own unit; every other signed-in role sees all units."""
    if not user.is_authenticated:
        return False
    if user.role == REPORTER:
        return unit_id is not None and unit_id == user.unit_id
    return True
