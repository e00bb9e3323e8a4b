"""Writing and reading notifications (消息通知).

``notify_unit`` and ``notify`` are called by the services whose event they announce, inside
the event's own transaction: a return rolled back leaves no notification behind, and a
notification that cannot be written rolls the return back. Reading is per person only;
marking read is the reader's own bookkeeping and is not audited.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from assess.accounts.models import User
from assess.core.db import database
from assess.core.enums import NotificationKind, Role
from assess.core.models import utcnow
from assess.notifications.models import Notification


def target(endpoint: str, **args) -> str:
    """A notification's link, as stored: the endpoint and its arguments (``_anchor`` too)."""
    return json.dumps({"endpoint": endpoint, "args": args}, sort_keys=True)


def unit_recipients(unit_ids: Iterable[int]) -> list[User]:
    """The active reporters of the units: who does a unit's self-report, and so who is told
    what happened to it."""
    ids = list(unit_ids) or [0]
    return list(
        User.select()
        .where(User.unit.in_(ids), User.role == Role.REPORTER, User.active == True)  # noqa: E712
        .order_by(User.id)
    )


def notify(users: Iterable[User], kind: NotificationKind, params: dict, link: str = "") -> int:
    """Write one notification of ``kind`` to each of ``users``; return how many. Must run
    inside the caller's transaction (RuntimeError otherwise): a notification belongs to
    the write it announces."""
    if not database.in_transaction():
        raise RuntimeError("notify() outside a transaction could outlive its event")
    text = json.dumps(params, ensure_ascii=False, sort_keys=True, default=str)
    rows = [
        {"user": u.id, "kind": kind.value, "params": text, "target": link, "created_at": utcnow()}
        for u in users
    ]
    if rows:
        Notification.insert_many(rows).execute()
    return len(rows)


def notify_unit(unit_id: int, kind: NotificationKind, params: dict, link: str = "") -> int:
    """``notify`` every active reporter of the unit; return how many were told."""
    return notify(unit_recipients([unit_id]), kind, params, link)


def notify_units(
    unit_ids: Iterable[int], kind: NotificationKind, params: dict, link_for=None
) -> int:
    """``notify`` the active reporters of every unit in ``unit_ids`` (a cycle's units when
    it opens or is published), each with its own unit's link ``link_for(unit_id)``; one
    query for the recipients and one insert per 500 rows, however many units. Return how
    many were told."""
    if not database.in_transaction():
        raise RuntimeError("notify_units() outside a transaction could outlive its event")
    text = json.dumps(params, ensure_ascii=False, sort_keys=True, default=str)
    now = utcnow()
    rows = [
        {
            "user": u.id,
            "kind": kind.value,
            "params": text,
            "target": link_for(u.unit_id) if link_for else "",
            "created_at": now,
        }
        for u in unit_recipients(unit_ids)
    ]
    for start in range(0, len(rows), 500):
        Notification.insert_many(rows[start : start + 500]).execute()
    return len(rows)


def unread_count(user) -> int:
    """How many of ``user``'s notifications are unread (the bell's number)."""
    return (
        Notification.select()
        .where(Notification.user == user.id, Notification.read_at.is_null())
        .count()
    )


def of_user(user):
    """``user``'s notifications, newest first (a query, for paging)."""
    return (
        Notification.select()
        .where(Notification.user == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def mark_read(notification: Notification) -> None:
    """Mark one notification read (once: the first reading time is kept)."""
    now = utcnow()
    Notification.update(read_at=now).where(
        Notification.id == notification.id, Notification.read_at.is_null()
    ).execute()
    notification.read_at = notification.read_at or now


def mark_all_read(user) -> int:
    """Mark every unread notification of ``user`` read; return how many."""
    return (
        Notification.update(read_at=utcnow())
        .where(Notification.user == user.id, Notification.read_at.is_null())
        .execute()
    )
