"""One evidence file attached to a submission or a nomination (佐证材料)."""

from __future__ import annotations

import peewee as pw

from assess.accounts.models import User
from assess.core.db import BaseModel
from assess.core.models import utcnow
from assess.cycles.models import Submission
from assess.units.models import Unit


class Evidence(BaseModel):
    """One uploaded evidence file (佐证材料), owned by a unit; the bytes live in the store."""

    sha256 = pw.CharField(max_length=64, index=True)
    original_name = pw.CharField(max_length=255)
    size = pw.IntegerField()
    mime = pw.CharField(max_length=100)
    kind = pw.CharField(max_length=16)
    pages = pw.IntegerField(null=True)
    has_thumbnail = pw.BooleanField(default=False)
    unit = pw.ForeignKeyField(Unit, on_delete="RESTRICT")
    submission = pw.ForeignKeyField(Submission, null=True, backref="evidence", on_delete="CASCADE")
    nomination_id = pw.IntegerField(null=True, index=True)
    uploaded_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    uploaded_at = pw.DateTimeField(default=utcnow)
