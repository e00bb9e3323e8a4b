"""催报: the office chases chosen units by hand, with a message to their reporters."""

from __future__ import annotations

from flask_babel import gettext as _

from assess.accounts.models import User
from assess.core import audit
from assess.core.db import database
from assess.core.enums import NotificationKind
from assess.cycles.lifecycle import CycleError, locked_cycle, units_in
from assess.cycles.models import Cycle
from assess.notifications import store

MAX_MESSAGE_CHARS = 500


def send_chase(cycle: Cycle, unit_ids: list[int], message: str, actor: User) -> int:
    """Send ``message`` as a 催报 to the reporters of each of ``unit_ids``; return how many
    people were told. One audit entry names the units, the message and the count.

    Refused (CycleError, nothing written) without a unit or a message, with a message over
    500 characters, for a unit the cycle does not assess, and unless the cycle is open or
    in review (decided on the cycle row locked inside the transaction)."""
    message = (message or "").strip()
    if not message:
        raise CycleError(_("请填写催报内容"))
    if len(message) > MAX_MESSAGE_CHARS:
        raise CycleError(_("催报内容不能超过 %(n)s 字", n=MAX_MESSAGE_CHARS))
    wanted = set(unit_ids)
    if not wanted:
        raise CycleError(_("请选择要催报的单位"))
    with database.atomic():
        current = locked_cycle(cycle.id, "chase")
        units = [u for u in units_in(current) if u.id in wanted]
        if len(units) != len(wanted):
            raise CycleError(_("所选单位不参加本周期考核"))
        told = store.notify_units(
            [u.id for u in units],
            NotificationKind.CHASE,
            {"cycle": current.title, "sender": actor.label, "message": message},
            lambda unit_id: store.target(
                "selfreport.unit_page", cycle_id=current.id, unit_id=unit_id
            ),
        )
        audit.record(
            "notification.chase",
            "cycle",
            current.id,
            after={
                "units": [u.name for u in units],
                "message": message,
                "recipients": told,
            },
            actor=actor,
        )
    return told
