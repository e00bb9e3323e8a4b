"""The unit under assessment (被考核单位) and the kinds of unit."""

from __future__ import annotations

import contextlib

import peewee as pw

from assess.core.db import BaseModel
from assess.core.enums import ASSESSED_UNIT_KINDS, UnitKind


class Unit(BaseModel):
    """A unit under assessment (被考核单位): county/district, department, township, community."""

    code = pw.CharField(max_length=32, unique=True)
    name = pw.CharField(max_length=100)
    kind = pw.CharField(max_length=16, choices=[(k.value, k.value) for k in UnitKind])
    parent = pw.ForeignKeyField("self", null=True, backref="children", on_delete="RESTRICT")
    contact_person = pw.CharField(max_length=50, default="")
    contact_title = pw.CharField(max_length=100, default="")
    contact_phone = pw.CharField(max_length=50, default="")
    active = pw.BooleanField(default=True)
    sort_order = pw.IntegerField(default=0)

    def __str__(self) -> str:
        return self.name

    @classmethod
    def ordered(cls):
        return cls.select().order_by(cls.sort_order, cls.code)

    @classmethod
    def by_code(cls, code: str) -> Unit | None:
        return cls.get_or_none(cls.code == code)

    @classmethod
    def raw_rows(cls, *columns) -> list[tuple]:
        """Every unit's ``columns`` as plain tuples, in one query. The cursor's rows as they
        come: peewee's row-by-row conversion cost several times the query itself at a city's
        4,000 units, on every page (scope, recusal, tree order), and ids, parents, kinds,
        codes and sort orders need no conversion."""
        return list(cls._meta.database.execute(cls.select(*columns)).fetchall())

    @classmethod
    def recused_for(cls, user) -> frozenset[int]:
        """The ids of the units ``user`` may not inspect (回避): the unit the user works
        for, every unit above it and every unit below it (a county's staff and its
        townships and communities judge each other's work: the county answers for them,
        they answer to it). Only assessed kinds count, so the city (the assessing body
        itself) is nobody's conflict. Empty for a user without a unit.

        One query, remembered on the user object for its unit, so a page asking for many
        rows costs no more than one.
        """
        unit_id = getattr(user, "unit_id", None)
        if unit_id is None:
            return frozenset()
        remembered = getattr(user, "_assess_recused", None)
        if remembered is not None and remembered[0] == unit_id:
            return remembered[1]
        recused = _line_of(unit_id, cls.raw_rows(cls.id, cls.parent, cls.kind))
        with contextlib.suppress(AttributeError):  # an object without a __dict__ asks again
            user._assess_recused = (unit_id, recused)
        return recused

    @classmethod
    def lines_of(cls, unit_ids) -> dict[int, frozenset[int]]:
        """``line_of`` for each of ``unit_ids``, the tree read once (a list of inspectors
        costs one query, not one each)."""
        rows = cls.raw_rows(cls.id, cls.parent, cls.kind)
        return {unit_id: _line_of(unit_id, rows) for unit_id in set(unit_ids)}

    @classmethod
    def line_of(cls, unit_id: int) -> frozenset[int]:
        """``unit_id``, the units above it and the units below it (assessed kinds only):
        whoever works for one of them recuses themselves from it (``recused_for``; the
        relation runs both ways). One query."""
        return _line_of(unit_id, cls.raw_rows(cls.id, cls.parent, cls.kind))

    @classmethod
    def subtree_of(cls, unit_id: int) -> frozenset[int]:
        """``unit_id`` and every unit below it, of any kind (its subtree, 下辖单位): where an
        office scoped to it works (``User.scope_ids``). One query."""
        rows = cls.raw_rows(cls.id, cls.parent)
        return frozenset({unit_id} | _below(unit_id, rows))

    @classmethod
    def above(cls, unit_id: int) -> frozenset[int]:
        """The units above ``unit_id`` (its parent, the parent's parent …), not itself: the
        offices whose rounds and plans reach it. One query."""
        parent_of = dict(cls.raw_rows(cls.id, cls.parent))
        above: set[int] = set()
        node = parent_of.get(unit_id)
        while node is not None and node not in above and node != unit_id:  # bad data: no hang
            above.add(node)
            node = parent_of.get(node)
        return frozenset(above)

    def conflicts_with(self, user) -> bool:
        """True when ``user`` must not inspect this unit (see ``recused_for``)."""
        return self.id in Unit.recused_for(user)


def _line_of(unit_id: int, rows: list[tuple[int, int | None, str]]) -> frozenset[int]:
    """``unit_id``, its ancestors and its descendants among ``rows`` (id, parent, kind),
    assessed kinds only; empty when the unit itself is not assessed."""
    parent_of = {uid: parent for uid, parent, _kind in rows}
    kind_of = {uid: kind for uid, _parent, kind in rows}
    if kind_of.get(unit_id) not in ASSESSED_UNIT_KINDS:
        return frozenset()
    line = {unit_id}
    node = parent_of.get(unit_id)
    while node is not None and node not in line:  # a cycle in bad data must not hang
        line.add(node)
        node = parent_of.get(node)
    line |= _below(unit_id, [(uid, parent) for uid, parent, _kind in rows])
    return frozenset(uid for uid in line if kind_of.get(uid) in ASSESSED_UNIT_KINDS)


def _below(unit_id: int, rows) -> set[int]:
    """The ids of the units under ``unit_id`` among ``rows`` (id, parent), at any depth."""
    children: dict[int, list[int]] = {}
    for uid, parent in rows:
        if parent is not None:
            children.setdefault(parent, []).append(uid)
    below: set[int] = set()
    todo = [unit_id]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in below and child != unit_id:  # a cycle in bad data must not hang
                below.add(child)
                todo.append(child)
    return below
