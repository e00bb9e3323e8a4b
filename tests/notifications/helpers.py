"""Helpers for the notification tests: a cycle with deadlines, a unit that owes or has
handed in its self-report, and what each person has been told."""

from __future__ import annotations

from datetime import date

from assess.accounts import users
from assess.accounts.models import User
from assess.core.enums import Role
from assess.core.models import AuditEntry
from assess.core.notification_texts import render
from assess.cycles import submissions
from assess.cycles.models import Cycle
from assess.notifications.models import Notification
from assess.units.models import Unit
from tests.conftest import PASSWORD
from tests.cycle_helpers import make_cycle, unit

COUNTY_VALUES = (("A1", "90/100"), ("A2", "4"), ("B1", "优"))


def reporter_of(code: str) -> User:
    return User.get(User.username == f"r-{code}")


def second_reporter(code: str) -> User:
    """Another reporter of the same unit: a unit's news goes to every one of them."""
    return users.create_user(f"r2-{code}", PASSWORD, Role.REPORTER, unit(code))


def hand_in(cycle: Cycle, code: str) -> None:
    """The county fills its scored items and submits: it owes nothing more."""
    u, reporter = unit(code), reporter_of(code)
    for indicator, value in COUNTY_VALUES:
        submissions.save_value(cycle, u, indicator, value, "", 0, reporter)
    submissions.submit_unit(cycle, u, reporter)


def open_cycle_due(due: date, **kwargs) -> Cycle:
    return make_cycle("open", self_report_due=due, **kwargs)


def told(user: User, kind: str | None = None) -> list[Notification]:
    query = Notification.select().where(Notification.user == user.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(query.order_by(Notification.id))


def texts_of(user: User) -> list[str]:
    return [render(n.kind, n.parameters) for n in told(user)]


def audited(action: str) -> list[AuditEntry]:
    return list(AuditEntry.select().where(AuditEntry.action == action).order_by(AuditEntry.id))


def assessed_ids(cycle: Cycle) -> list[int]:
    """Every unit the cycle assesses (counties and member departments in the test set)."""
    from assess.cycles.lifecycle import units_in

    return [u.id for u in units_in(cycle)]


def two_scans_at_once(app, monkeypatch, module, lister: str, scan, *args) -> list:
    """Run ``scan(*args)`` on two connections at once, as two workers do: both finish
    ``module.lister`` (what is still to send) before either writes, and the first to write
    an audit entry holds its transaction open a while, so the second tries the same keys
    meanwhile. Returns the two finished ``Side`` runs (``value``, ``error``)."""
    import threading
    import time

    from assess.core import audit
    from tests.cycles.test_races import SIDE_WAIT_SECONDS, Side

    both_listed = threading.Barrier(2, timeout=20)
    first = threading.Lock()
    original_list, original_record = getattr(module, lister), audit.record

    def listed(*list_args):
        rows = original_list(*list_args)
        both_listed.wait()  # neither saw the other's writes before it began
        return rows

    def record(*record_args, **kwargs):
        entry = original_record(*record_args, **kwargs)
        if first.acquire(blocking=False):  # the first writer keeps its transaction open
            time.sleep(SIDE_WAIT_SECONDS)
        return entry

    monkeypatch.setattr(module, lister, listed)
    monkeypatch.setattr(audit, "record", record)
    runs = [Side(app, scan, *args) for _ in range(2)]
    for run in runs:
        run.join()
    return runs


__all__ = ["Unit", "unit"]
