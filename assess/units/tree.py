"""Units under assessment: creating and editing them, and the unit tree (单位树)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import peewee as pw
from flask_babel import gettext as _

from assess.core import audit
from assess.core.db import database
from assess.core.enums import UnitKind
from assess.core.labels import unit_kind_label
from assess.core.policy import can
from assess.units.models import Unit

UNIT_AUDIT_FIELDS = (
    "code",
    "name",
    "kind",
    "parent",
    "contact_person",
    "contact_title",
    "contact_phone",
    "active",
    "sort_order",
)
NEEDS_PARENT = frozenset({UnitKind.TOWNSHIP, UnitKind.COMMUNITY})
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")


class UnitError(ValueError):
    """A unit change that cannot be made; the message is for the user."""


def _validate(code: str, kind: str, parent: Unit | None, unit: Unit | None = None) -> None:
    if not CODE_PATTERN.match(code):
        raise UnitError(
            _("单位编码只能使用字母、数字、点、横线和下划线，且不超过32位：%(c)s", c=code)
        )
    if kind not in set(UnitKind):
        raise UnitError(_("未知单位类型：%(k)s", k=kind))
    if kind in NEEDS_PARENT and parent is None:
        # A township belongs to a county and a community to a township (SPEC §1): without
        # one it would sit outside every office's subtree and nobody would assess it.
        raise UnitError(_("%(kind)s须有上级单位，请选择所属的上级单位", kind=unit_kind_label(kind)))
    clash = Unit.select().where(Unit.code == code)
    if unit is not None:
        clash = clash.where(Unit.id != unit.id)
    if clash.exists():
        raise UnitError(_("单位编码重复：%(c)s", c=code))
    # A unit may not become its own ancestor.
    node = parent
    while node is not None and unit is not None:
        if node.id == unit.id:
            raise UnitError(_("上级单位不能是本单位或其下级单位"))
        node = node.parent


def create_unit(code: str, name: str, kind: str, parent: Unit | None = None, actor=None, **extra):
    """Create a unit; raise UnitError on a bad or duplicate code or unknown kind."""
    code, name = code.strip(), name.strip()
    if not name:
        raise UnitError(_("单位名称不能为空"))
    with database.atomic():
        _validate(code, kind, parent)
        unit = Unit.create(code=code, name=name, kind=kind, parent=parent, **extra)
        audit.record(
            "unit.create",
            "unit",
            unit.id,
            after=audit.model_snapshot(unit, UNIT_AUDIT_FIELDS),
            actor=actor,
        )
    return unit


def update_unit(unit: Unit, actor=None, **changes) -> Unit:
    with database.atomic():
        before = audit.model_snapshot(unit, UNIT_AUDIT_FIELDS)
        _validate(
            changes.get("code", unit.code).strip(),
            changes.get("kind", unit.kind),
            changes.get("parent", unit.parent),
            unit,
        )
        for key, value in changes.items():
            setattr(unit, key, value.strip() if isinstance(value, str) else value)
        unit.save()
        audit.record(
            "unit.update",
            "unit",
            unit.id,
            before=before,
            after=audit.model_snapshot(unit, UNIT_AUDIT_FIELDS),
            actor=actor,
        )
    return unit


@dataclass
class TreeNode:
    unit: Unit
    children: list[TreeNode] = field(default_factory=list)


def unit_tree(units=None) -> list[TreeNode]:
    """The unit forest in one query: roots first, children ordered by sort order and code."""
    rows = list(units if units is not None else Unit.ordered())
    nodes = {u.id: TreeNode(u) for u in rows}
    roots = []
    for u in rows:
        parent = nodes.get(u.__data__.get("parent"))
        (parent.children if parent else roots).append(nodes[u.id])
    return roots


def visible_units(user) -> list[Unit]:
    """The units ``user`` sees in the unit tree, in ``Unit.ordered()`` order: all of them
    for whoever may ``units.view_all``; else a reporter its own unit and the units below it
    (nothing of its peers), an office of one level its own subtree."""
    units = Unit.ordered()
    if can(user, "units.view_all"):
        return list(units)
    root = user.scope_unit_id or user.unit_id
    keep = Unit.subtree_of(root) if root is not None else frozenset()
    return [u for u in units if u.id in keep]


def tree_positions() -> dict[int, int]:
    """Each unit's place in the unit tree's order (one query): depth first from the roots,
    a unit's children after it by sort order and code, so a county is followed by its
    townships and each township by its communities. Every list of units uses this order."""
    rows = Unit.raw_rows(Unit.id, Unit.parent, Unit.sort_order, Unit.code)
    ids = {uid for uid, *_rest in rows}
    children: dict[int | None, list[tuple[int, str, int]]] = {}
    for uid, parent, order, code in rows:
        # A parent that is gone (bad data) makes its children roots rather than lost.
        key = parent if parent in ids else None
        children.setdefault(key, []).append((order, code, uid))
    positions: dict[int, int] = {}
    stack = sorted(children.get(None, []), reverse=True)
    while stack:
        _order, _code, uid = stack.pop()
        if uid in positions:  # a cycle in bad data must not hang
            continue
        positions[uid] = len(positions)
        stack.extend(sorted(children.get(uid, []), reverse=True))
    for _order, _code, uid in sorted(row for rows_ in children.values() for row in rows_):
        positions.setdefault(uid, len(positions))  # units on a cycle of parents, last
    return positions


def in_tree_order(units) -> list[Unit]:
    """``units`` (any iterable of Unit) sorted in the unit tree's order."""
    positions = tree_positions()
    return sorted(units, key=lambda u: (positions.get(u.id, len(positions)), u.code))


def units_in_tree_order(unit_ids) -> list[Unit]:
    """The units of ``unit_ids``, read in one query and sorted in the unit tree's order."""
    return in_tree_order(Unit.select().where(Unit.id.in_(list(unit_ids) or [0])))


def tree_order(column) -> pw.Case:
    """An ORDER BY expression putting rows in the unit tree's order by their unit ``column``
    (``Unit.id``, ``Submission.unit`` …), for lists paged in the database."""
    positions = tree_positions()
    return pw.Case(column, list(positions.items()) or [(0, 0)], len(positions))


def unit_choices(blank_label: str) -> list[tuple[int, str]]:
    """Choices for a unit select: a blank entry, then every unit as 名称（代码）, in the
    unit tree's order."""
    units = in_tree_order(Unit.select())
    return [(0, blank_label)] + [(u.id, f"{u.name}（{u.code}）") for u in units]


def recusal_message(unit: Unit) -> str:
    """Why a reviewer is refused ``unit``'s items (回避), for the page and the services."""
    return _(
        "回避：%(u)s 是您所在单位或其上下级单位，您不能核查、扣分、退回或处理其整改要求，"
        "请由其他督查人员办理",
        u=unit.name,
    )
