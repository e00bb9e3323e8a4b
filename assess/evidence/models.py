"""One evidence file attached to a submission, a rectification answer, an appeal or a
nomination (佐证材料)."""

from __future__ import annotations

import peewee as pw

from assess.accounts.models import User
from assess.core.db import BaseModel
from assess.core.models import utcnow
from assess.cycles.models import Appeal, Rectification, Submission
from assess.nominations.models import Nomination
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
    rectification = pw.ForeignKeyField(
        Rectification, null=True, backref="evidence", on_delete="CASCADE"
    )  # the unit's answer to a rectification demand (整改佐证材料)
    appeal = pw.ForeignKeyField(
        Appeal, null=True, backref="evidence", on_delete="CASCADE"
    )  # a unit's appeal against a published score (申诉佐证材料)
    nomination_id = pw.IntegerField(null=True, index=True)
    uploaded_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    uploaded_at = pw.DateTimeField(default=utcnow)

    @property
    def nomination(self) -> Nomination | None:
        """The nomination this file is evidence of, if any (``nomination_id`` is a plain
        column: the nominations tables came later than this one)."""
        if self.nomination_id is None:
            return None
        return Nomination.get_or_none(Nomination.id == self.nomination_id)
