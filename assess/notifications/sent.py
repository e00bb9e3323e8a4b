"""The reminders already sent (已发截止提醒, 整改逾期提醒), the keys that send each once."""

from __future__ import annotations

import peewee as pw

from assess.core.db import BaseModel
from assess.core.models import utcnow
from assess.cycles.models import Cycle, Rectification
from assess.units.models import Unit


class ReminderSent(BaseModel):
    """A deadline reminder sent to a unit (已发截止提醒): one per cycle, unit, deadline,
    deadline date and threshold. The unique index is what makes a reminder go out once,
    however many workers scan at the same moment; a moved deadline (延期) has another date
    and so reminds again."""

    cycle = pw.ForeignKeyField(Cycle, on_delete="CASCADE")
    unit = pw.ForeignKeyField(Unit, on_delete="RESTRICT")
    deadline = pw.CharField(max_length=16)
    due = pw.DateField()
    threshold = pw.CharField(max_length=8)
    sent_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("cycle", "unit", "deadline", "due", "threshold"), True),)


class RectificationOverdueSent(BaseModel):
    """A rectification demand's overdue reminder sent to its unit (整改逾期提醒): one per
    demand and due date, however many workers scan at once (the unique index decides)."""

    rectification = pw.ForeignKeyField(Rectification, on_delete="CASCADE")
    due = pw.DateField()
    sent_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("rectification", "due"), True),)
