"""What the notification pages show: the list's rows and the 催报 page's units."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from assess.core.notification_texts import render
from assess.cycles.models import Cycle
from assess.cycles.pages import UnitStatus, unit_statuses
from assess.notifications.models import Notification
from assess.units.models import Unit
from assess.units.tree import units_in_tree_order


@dataclass(frozen=True)
class NotificationRow:
    """One line of the list: the notification and its sentence in the reader's language."""

    notification: Notification
    text: str

    @property
    def unread(self) -> bool:
        return self.notification.read_at is None


def rows(notifications: list[Notification]) -> list[NotificationRow]:
    return [NotificationRow(n, render(n.kind, n.parameters)) for n in notifications]


@dataclass(frozen=True)
class ChaseRow:
    """A unit on the 催报 page, with its progress; ``outstanding`` when it still owes scored
    items (those are ticked to begin with)."""

    unit: Unit
    status: UnitStatus

    @property
    def outstanding(self) -> bool:
        return self.status.progress.outstanding


def chase_statuses(cycle: Cycle) -> list[ChaseRow]:
    """Every unit assessed in ``cycle``, in the tree's order, with its status (5 queries)."""
    every = unit_statuses(cycle)
    units = units_in_tree_order(every)
    return [ChaseRow(u, dataclasses.replace(every[u.id], unit=u)) for u in units]
