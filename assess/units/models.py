"""The unit under assessment (被考核单位) and the kinds of unit."""

from __future__ import annotations

import peewee as pw

from assess.core.db import BaseModel
from assess.core.enums import UnitKind


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
