"""A unit's history (变更记录): its renames, moves and other changes, read from the audit
trail, where every ``unit.create`` and ``unit.update`` (by the form or a tree import) is."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from assess.core.labels import audit_actor_label, unit_kind_label
from assess.core.models import AuditEntry
from assess.units.models import Unit

# The fields a person follows in a unit's history, in the order they are told.
FOLLOWED = {
    "name": _l("名称"),
    "code": _l("单位编码"),
    "parent": _l("上级单位"),
    "kind": _l("单位类型"),
    "active": _l("启用"),
}


@dataclass(frozen=True)
class Change:
    field: str  # its label
    before: str
    after: str


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    who: str
    created: bool
    changes: list[Change]


def _load(text: str) -> dict:
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def unit_history(unit: Unit) -> list[HistoryLine]:
    """``unit``'s creation and each change of a followed field, oldest first, the parents
    by name (two queries however long the history)."""
    entries = list(
        AuditEntry.select()
        .where(
            AuditEntry.entity == "unit",
            AuditEntry.entity_id == str(unit.id),
            AuditEntry.action.in_(["unit.create", "unit.update"]),
        )
        .order_by(AuditEntry.at, AuditEntry.id)
    )
    states = [(_load(e.before), _load(e.after)) for e in entries]
    parent_ids = {
        s.get("parent") for pair in states for s in pair if isinstance(s.get("parent"), int)
    }
    names = {u.id: u.name for u in Unit.select(Unit.id, Unit.name).where(Unit.id.in_(parent_ids))}

    def shown(name: str, value) -> str:
        if name == "parent":
            return names.get(value, _("（无）")) if value else _("（无）")
        if name == "kind":
            return str(unit_kind_label(value)) if value else ""
        if name == "active":
            return _("是") if value else _("否")
        return "" if value is None else str(value)

    lines = []
    for entry, (before, after) in zip(entries, states, strict=True):
        created = entry.action == "unit.create"
        changes = [
            Change(str(label), shown(name, before.get(name)), shown(name, after.get(name)))
            for name, label in FOLLOWED.items()
            if name in after
            and (created or before.get(name) != after.get(name))
            and not (created and name == "active")
        ]
        if created or changes:
            lines.append(
                HistoryLine(entry.at, audit_actor_label(entry.actor_name), created, changes)
            )
    return lines
