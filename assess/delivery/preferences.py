"""Who wants which kind of notification by which channel (接收方式).

The in-app notification is always written; these choices decide only what else is sent.
A person's own choice for a kind and channel wins; without one, the office's default for
that kind; without that, on. A person chooses e-mail only (the channel addressed to them);
a unit's mailbox and group robots follow the office's defaults, since they speak for the
whole unit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from assess.core import audit
from assess.core.db import database
from assess.core.enums import DeliveryChannel, NotificationKind
from assess.delivery.models import ChannelDefault, ChannelPreference
from assess.delivery.setup import save_user_email

PERSONAL_CHANNELS = (DeliveryChannel.EMAIL,)
UNIT_CHANNELS = (DeliveryChannel.EMAIL, DeliveryChannel.WECOM, DeliveryChannel.DINGTALK)

Choices = Mapping[tuple[str, str], bool]  # (kind, channel) -> on


def defaults() -> dict[tuple[str, str], bool]:
    """The office's defaults for every kind and channel (absent rows read as on)."""
    stored = {(d.kind, d.channel): d.enabled for d in ChannelDefault.select()}
    return {
        (kind.value, channel.value): stored.get((kind.value, channel.value), True)
        for kind in NotificationKind
        for channel in DeliveryChannel
    }


def default_on(kind: str, channel: str) -> bool:
    row = ChannelDefault.get_or_none(ChannelDefault.kind == kind, ChannelDefault.channel == channel)
    return True if row is None else row.enabled


def of_user(user) -> dict[tuple[str, str], bool]:
    """``user``'s effective choice for every kind and personal channel."""
    base = defaults()
    own = {
        (p.kind, p.channel): p.enabled
        for p in ChannelPreference.select().where(ChannelPreference.user == user.id)
    }
    return {
        (kind.value, channel.value): own.get(
            (kind.value, channel.value), base[(kind.value, channel.value)]
        )
        for kind in NotificationKind
        for channel in PERSONAL_CHANNELS
    }


def users_wanting(user_ids: Iterable[int], kind: str, channel: str) -> set[int]:
    """Which of ``user_ids`` want ``kind`` by ``channel`` (two queries, for a whole unit)."""
    ids = set(user_ids)
    if not ids:
        return set()
    fallback = default_on(kind, channel)
    own = {
        p.user_id: p.enabled
        for p in ChannelPreference.select().where(
            ChannelPreference.user.in_(list(ids)),
            ChannelPreference.kind == kind,
            ChannelPreference.channel == channel,
        )
    }
    return {i for i in ids if own.get(i, fallback)}


def _known(choices: Choices, channels) -> dict[tuple[str, str], bool]:
    kinds = {k.value for k in NotificationKind}
    allowed = {c.value for c in channels}
    return {(k, c): bool(on) for (k, c), on in choices.items() if k in kinds and c in allowed}


def _store(model, fixed: dict, changed: dict, action: str, entity: str, entity_id, actor):
    """Upsert ``changed`` ((kind, channel) -> on) into ``model`` with the ``fixed``
    columns, and audit them as one entry ``action``."""
    conflict = [getattr(model, name) for name in (*fixed, "kind", "channel")]
    for (kind, channel), on in changed.items():
        (
            model.insert(**fixed, kind=kind, channel=channel, enabled=on)
            .on_conflict(conflict_target=conflict, update={model.enabled: on})
            .execute()
        )
    if changed:
        audit.record(
            action,
            entity,
            entity_id,
            after={f"{k}/{c}": on for (k, c), on in sorted(changed.items())},
            actor=actor,
        )


def save_defaults(choices: Choices, actor) -> int:
    """Store the office's defaults (every kind and channel given); return how many changed.
    One transaction with its audit entry ``delivery.defaults`` naming the changes."""
    wanted = _known(choices, DeliveryChannel)
    with database.atomic():
        before = defaults()
        changed = {key: on for key, on in wanted.items() if before.get(key) != on}
        _store(ChannelDefault, {}, changed, "delivery.defaults", "delivery", "defaults", actor)
    return len(changed)


def save_for_user(user, choices: Choices) -> int:
    """Store ``user``'s own choices (personal channels only); return how many of their
    stored choices changed. One transaction with its audit entry ``delivery.preferences``."""
    wanted = _known(choices, PERSONAL_CHANNELS)
    with database.atomic():
        # Every choice given is kept as the person's own, even one equal to today's
        # default: a default the office changes later no longer overrides it.
        own = {
            (p.kind, p.channel): p.enabled
            for p in ChannelPreference.select().where(ChannelPreference.user == user.id)
        }
        changed = {key: on for key, on in wanted.items() if own.get(key) != on}
        _store(
            ChannelPreference,
            {"user": user.id},
            changed,
            "delivery.preferences",
            "user",
            user.id,
            user,
        )
    return len(changed)


def save_own(user, email: str, choices: Choices) -> int:
    """A person's 接收设置 page: their e-mail address and their choices, in one transaction;
    return how many things changed."""
    with database.atomic():
        changed = int(save_user_email(user, email))
        return changed + save_for_user(user, choices)
