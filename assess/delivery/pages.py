"""What the delivery pages show: the settings and contacts with their secrets masked, the
tick grids, the failed deliveries."""

from __future__ import annotations

from dataclasses import dataclass

from assess.core.enums import DeliveryChannel, NotificationKind
from assess.delivery.models import Delivery, UnitContact
from assess.delivery.outbox import recipient_of
from assess.delivery.secrets import masked, masked_url
from assess.units.models import Unit


@dataclass(frozen=True)
class SecretShown:
    """A stored secret as a page shows it: whether one is set, and its masked form."""

    is_set: bool
    shown: str


def shown_secret(value: str, url: bool = False) -> SecretShown:
    return SecretShown(bool(value), masked_url(value) if url else masked(value))


def contact_secrets(contact: UnitContact) -> dict[str, SecretShown]:
    return {
        "wecom_webhook": shown_secret(contact.wecom_webhook, url=True),
        "dingtalk_webhook": shown_secret(contact.dingtalk_webhook, url=True),
        "dingtalk_secret": shown_secret(contact.dingtalk_secret),
    }


@dataclass(frozen=True)
class GridRow:
    kind: str
    ticks: dict[str, bool]  # channel -> on


def grid(choices: dict[tuple[str, str], bool], channels) -> list[GridRow]:
    """One row per kind of notification, one tick per channel."""
    return [
        GridRow(kind.value, {c.value: choices[(kind.value, c.value)] for c in channels})
        for kind in NotificationKind
    ]


def posted_choices(on: list[str], channels) -> dict[tuple[str, str], bool]:
    """Every kind × channel of the grid, on when its ``kind/channel`` was posted."""
    ticked = {tuple(v.split("/", 1)) for v in on if "/" in v}
    return {
        (kind.value, c.value): (kind.value, c.value) in ticked
        for kind in NotificationKind
        for c in channels
    }


@dataclass(frozen=True)
class UnitContactRow:
    unit: Unit
    email: str
    robots: tuple[str, ...]  # the channels set


def unit_rows(units: list[Unit]) -> list[UnitContactRow]:
    """The units of one page with what each has set (one query for the contacts)."""
    contacts = {
        c.unit_id: c
        for c in UnitContact.select().where(UnitContact.unit.in_([u.id for u in units] or [0]))
    }
    rows = []
    for u in units:
        c = contacts.get(u.id)
        robots = ()
        if c is not None:
            robots = tuple(
                ch.value
                for ch, url in (
                    (DeliveryChannel.WECOM, c.wecom_webhook),
                    (DeliveryChannel.DINGTALK, c.dingtalk_webhook),
                )
                if url
            )
        rows.append(UnitContactRow(u, c.email if c else "", robots))
    return rows


@dataclass(frozen=True)
class FailedRow:
    delivery: Delivery
    recipient: str


def failed_rows(deliveries: list[Delivery]) -> list[FailedRow]:
    return [FailedRow(d, recipient_of(d)) for d in deliveries]
