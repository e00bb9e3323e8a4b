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
from assess.delivery import outbox
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


def notify(
    users: Iterable[User],
    kind: NotificationKind,
    params: dict,
    link: str = "",
    *,
    unit_id: int | None = None,
) -> int:
    """Write one notification of ``kind`` to each of ``users``; return how many. Must run
    inside the caller's transaction (RuntimeError otherwise): a notification belongs to
    the write it announces. The e-mails and group-robot messages it calls for go into the
    outbox in the same transaction (``assess.delivery.outbox``); ``unit_id`` names the
    unit whose news it is, so the unit's own mailbox and robots hear it once."""
    if not database.in_transaction():
        raise RuntimeError("notify() outside a transaction could outlive its event")
    users = list(users)
    text = json.dumps(params, ensure_ascii=False, sort_keys=True, default=str)
    rows = [
        {"user": u.id, "kind": kind.value, "params": text, "target": link, "created_at": utcnow()}
        for u in users
    ]
    if rows:
        Notification.insert_many(rows).execute()
    outbox.queue_deliveries(users, kind, text, link, unit_id)
    return len(rows)


def notify_unit(unit_id: int, kind: NotificationKind, params: dict, link: str = "") -> int:
    """``notify`` every active reporter of the unit; return how many were told."""
    return notify(unit_recipients([unit_id]), kind, params, link, unit_id=unit_id)


def notify_units(
    unit_ids: Iterable[int], kind: NotificationKind, params: dict, link_for=None
) -> int:
    """``notify`` the active reporters of every unit in ``unit_ids`` (a cycle's units when
    it opens or is published), each with its own unit's link ``link_for(unit_id)``; one
    query for the recipients and one insert per 500 rows, however many units. Return how
    many were told."""
    if not database.in_transaction():
        raise RuntimeError("notify_units() outside a transaction could outlive its event")
    unit_ids = list(unit_ids)
    text = json.dumps(params, ensure_ascii=False, sort_keys=True, default=str)
    now = utcnow()
    by_unit: dict[int, list[User]] = {}
    for user in unit_recipients(unit_ids):
        by_unit.setdefault(user.unit_id, []).append(user)
    links = {unit_id: link_for(unit_id) if link_for else "" for unit_id in unit_ids}
    rows = [
        {
            "user": u.id,
            "kind": kind.value,
            "params": text,
            "target": links.get(u.unit_id, ""),
            "created_at": now,
        }
        for users in by_unit.values()
        for u in users
    ]
    for start in range(0, len(rows), 500):
        Notification.insert_many(rows[start : start + 500]).execute()
    # The e-mails and robot messages, as ``notify`` writes them: each unit's own mailbox
    # and robots hear it once, even a unit with no reporter account.
    outbox.queue_deliveries_to(
        [outbox.Audience(by_unit.get(u, []), u, link) for u, link in links.items()], kind, text
    )
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
