"""The office's channel settings and the contacts of units and people, each saved in one
transaction with its audit entry. A secret left blank keeps the stored one (pages never
hold it to send back); the audit entry says a secret was set or cleared, never its value."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

from peewee import IntegrityError

from assess.core import audit
from assess.core.db import database, locked
from assess.core.enums import SmtpSecurity
from assess.core.models import utcnow
from assess.delivery.models import ChannelSettings, UnitContact, UserContact

SETTINGS_ID = 1
SETTINGS_FIELDS = (
    "email_enabled",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "smtp_user",
    "smtp_from",
    "wecom_enabled",
    "dingtalk_enabled",
)
SETTINGS_SECRETS = ("smtp_password",)
CONTACT_FIELDS = ("email",)
CONTACT_SECRETS = ("wecom_webhook", "dingtalk_webhook", "dingtalk_secret")
SET, CLEARED = "已设置", "已清除"  # what the audit log says of a secret


@dataclass(frozen=True)
class SecretChange:
    """A secret field as a form sends it: a new value, or ``clear``; neither keeps it."""

    value: str = ""
    clear: bool = False


def _first_save_retried(save):
    """Run ``save`` again, once, when its insert of a row that did not exist yet lost to
    another first save (the unique key refused it): the second run finds that row and
    changes it under its lock, as any later save does, instead of answering with a 500."""

    @functools.wraps(save)
    def run(*args, **kwargs):
        try:
            return save(*args, **kwargs)
        except IntegrityError:
            return save(*args, **kwargs)

    return run


def _locked_or_new(model, where, new) -> tuple[object, bool]:
    """The row ``where`` selects, re-read under its lock, or ``new()`` when there is none;
    and whether it exists."""
    row = model.get_or_none(where)
    return (locked(model, row.id), True) if row is not None else (new(), False)


def current_settings() -> ChannelSettings:
    """The office's channel settings (the defaults, unsaved, before the first save)."""
    return ChannelSettings.get_or_none(ChannelSettings.id == SETTINGS_ID) or ChannelSettings(
        id=SETTINGS_ID, smtp_security=SmtpSecurity.STARTTLS.value
    )


def _apply(row, plain: Mapping, secrets: Mapping[str, SecretChange]) -> tuple[dict, dict]:
    """Set the fields on ``row``; return (before, after) for the audit, secrets as words."""
    before, after = {}, {}
    for name, value in plain.items():
        if getattr(row, name) != value:
            before[name], after[name] = getattr(row, name), value
            setattr(row, name, value)
    for name, change in secrets.items():
        new = "" if change.clear else change.value
        if (change.clear or change.value) and getattr(row, name) != new:
            after[name] = CLEARED if change.clear else SET
            setattr(row, name, new)
    return before, after


@_first_save_retried
def save_settings(plain: Mapping, secrets: Mapping[str, SecretChange], actor) -> bool:
    """Save the office's channels; return whether anything changed (audited
    ``delivery.settings``)."""
    unknown = set(plain) - set(SETTINGS_FIELDS) or set(secrets) - set(SETTINGS_SECRETS)
    if unknown:
        raise KeyError(sorted(unknown))
    with database.atomic():
        row, exists = _locked_or_new(
            ChannelSettings, ChannelSettings.id == SETTINGS_ID, current_settings
        )
        before, after = _apply(row, plain, secrets)
        if not after:
            return False
        row.updated_at = utcnow()
        row.save(force_insert=not exists)
        audit.record("delivery.settings", "delivery", "settings", before, after, actor=actor)
    return True


def unit_contact(unit_id: int) -> UnitContact:
    return UnitContact.get_or_none(UnitContact.unit == unit_id) or UnitContact(unit=unit_id)


@_first_save_retried
def save_unit_contact(unit, plain: Mapping, secrets: Mapping[str, SecretChange], actor) -> bool:
    """Save a unit's mailbox and robots; return whether anything changed (audited
    ``delivery.unit_contact`` on the unit)."""
    with database.atomic():
        row, _exists = _locked_or_new(
            UnitContact, UnitContact.unit == unit.id, lambda: UnitContact(unit=unit.id)
        )
        before, after = _apply(row, dict(plain), secrets)
        if not after:
            return False
        row.updated_at = utcnow()
        row.save()
        audit.record("delivery.unit_contact", "unit", unit.id, before, after, actor=actor)
    return True


def user_email(user) -> str:
    row = UserContact.get_or_none(UserContact.user == user.id)
    return row.email if row else ""


@_first_save_retried
def save_user_email(user, email: str) -> bool:
    """Save ``user``'s own e-mail address; return whether it changed (audited
    ``delivery.preferences`` on the user)."""
    email = email.strip()
    with database.atomic():
        row, _exists = _locked_or_new(
            UserContact, UserContact.user == user.id, lambda: UserContact(user=user.id)
        )
        if row.email == email:
            return False
        before = {"email": row.email}
        row.email, row.updated_at = email, utcnow()
        row.save()
        audit.record("delivery.preferences", "user", user.id, before, {"email": email}, actor=user)
    return True
