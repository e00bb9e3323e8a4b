"""The office's channel settings and the contacts of units and people, each saved in one
transaction with its audit entry. A secret left blank keeps the stored one (pages never
hold it to send back); the audit entry says a secret was set or cleared, never its value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

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


def save_settings(plain: Mapping, secrets: Mapping[str, SecretChange], actor) -> bool:
    """Save the office's channels; return whether anything changed (audited
    ``delivery.settings``)."""
    unknown = set(plain) - set(SETTINGS_FIELDS) or set(secrets) - set(SETTINGS_SECRETS)
    if unknown:
        raise KeyError(sorted(unknown))
    with database.atomic():
        exists = ChannelSettings.get_or_none(ChannelSettings.id == SETTINGS_ID) is not None
        row = locked(ChannelSettings, SETTINGS_ID) if exists else current_settings()
        before, after = _apply(row, plain, secrets)
        if not after:
            return False
        row.updated_at = utcnow()
        row.save(force_insert=not exists)
        audit.record("delivery.settings", "delivery", "settings", before, after, actor=actor)
    return True


def unit_contact(unit_id: int) -> UnitContact:
    return UnitContact.get_or_none(UnitContact.unit == unit_id) or UnitContact(unit=unit_id)


def save_unit_contact(unit, plain: Mapping, secrets: Mapping[str, SecretChange], actor) -> bool:
    """Save a unit's mailbox and robots; return whether anything changed (audited
    ``delivery.unit_contact`` on the unit)."""
    with database.atomic():
        row = unit_contact(unit.id)
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


def save_user_email(user, email: str) -> bool:
    """Save ``user``'s own e-mail address; return whether it changed (audited
    ``delivery.preferences`` on the user)."""
    email = email.strip()
    with database.atomic():
        row = UserContact.get_or_none(UserContact.user == user.id) or UserContact(user=user.id)
        if row.email == email:
            return False
        before = {"email": row.email}
        row.email, row.updated_at = email, utcnow()
        row.save()
        audit.record("delivery.preferences", "user", user.id, before, {"email": email}, actor=user)
    return True
