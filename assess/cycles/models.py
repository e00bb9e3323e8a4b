"""The cycle's tables: cycle, assignment, submission, rectification, published snapshot,
appeal."""

from __future__ import annotations

import json
from datetime import date

import peewee as pw

from assess.accounts.models import User
from assess.core.db import BaseModel
from assess.core.enums import AppealState, CycleState, RectificationState, SubmissionState
from assess.core.models import utcnow
from assess.units.models import Unit


class Cycle(BaseModel):
    """One assessment year for one indicator set (考核周期).

    ``indicator_yaml`` is the set as text; it may change only while the cycle is a draft,
    so opening the cycle freezes what its results are computed from.
    """

    year = pw.IntegerField()
    name = pw.CharField(max_length=200)
    state = pw.CharField(max_length=16, default=CycleState.DRAFT.value)
    created_at = pw.DateTimeField(default=utcnow)
    indicator_yaml = pw.TextField(default="")
    indicator_source = pw.CharField(max_length=200, default="")
    self_report_due = pw.DateField(null=True)
    review_due = pw.DateField(null=True)
    previous = pw.ForeignKeyField("self", null=True, on_delete="SET NULL")
    opened_at = pw.DateTimeField(null=True)
    published_at = pw.DateTimeField(null=True)
    # The last day units may appeal a published score (复核申诉截止): set at the first
    # publication (``publishing.APPEAL_WINDOW_DAYS`` later) unless the office set it before.
    appeal_due = pw.DateField(null=True)
    # The unit whose office runs the cycle (主办单位): it assesses units below it and its
    # reports are issued in its name. None is the city office (the ``ISSUING_OFFICE``).
    owner = pw.ForeignKeyField(Unit, null=True, backref="owned_cycles", on_delete="RESTRICT")

    # The name is unique per year and owner (two counties may each run "2012 乡镇考核"):
    # the unique index on (year, COALESCE(owner_id, 0), name) is made by migration 0019,
    # since a model index cannot hold the expression.

    @property
    def title(self) -> str:
        """The name, prefixed with the year unless the name already says it."""
        return self.name if str(self.year) in self.name else f"{self.year} {self.name}"

    def __str__(self) -> str:
        return self.title

    def assesses(self, unit_id: int | None) -> bool:
        """True when the cycle's indicator set applies to the unit: it has at least one
        indicator assigned (目标责任书) in this cycle."""
        return (
            unit_id is not None
            and Assignment.select()
            .where(Assignment.cycle == self, Assignment.unit == unit_id)
            .exists()
        )

    def self_report_due_for(self, unit_id: int) -> date | None:
        """The last day ``unit_id`` may save and submit its self-report (自评截止): the
        cycle's, or the unit's extension (延期) when the office granted a later one; None
        when the cycle sets no deadline. All the cycle's extensions are read once per row
        object, so a page asking for every unit costs one query."""
        if self.self_report_due is None:
            return None
        if "_extension_dues" not in self.__dict__:
            self.__dict__["_extension_dues"] = dict(
                DeadlineExtension.select(DeadlineExtension.unit, DeadlineExtension.due)
                .where(DeadlineExtension.cycle == self.id)
                .tuples()
            )
        extended = self.__dict__["_extension_dues"].get(unit_id)
        return max(self.self_report_due, extended) if extended else self.self_report_due


class DeadlineExtension(BaseModel):
    """One unit's extension of the self-report deadline (延期), with the office's reason.

    A unit has at most one per cycle; granting again changes it (the audit keeps the
    earlier one)."""

    cycle = pw.ForeignKeyField(Cycle, backref="extensions", on_delete="CASCADE")
    unit = pw.ForeignKeyField(Unit, on_delete="RESTRICT")
    due = pw.DateField()
    reason = pw.TextField()
    granted_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    granted_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("cycle", "unit"), True),)


class Assignment(BaseModel):
    """An indicator assigned to a unit for a cycle (目标责任书), with optional overrides."""

    cycle = pw.ForeignKeyField(Cycle, backref="assignments", on_delete="CASCADE")
    unit = pw.ForeignKeyField(Unit, on_delete="RESTRICT")
    indicator_code = pw.CharField(max_length=32)
    target = pw.DecimalField(max_digits=14, decimal_places=4, null=True)
    weight = pw.DecimalField(max_digits=10, decimal_places=4, null=True)

    class Meta:
        indexes = ((("cycle", "unit", "indicator_code"), True),)


class Submission(BaseModel):
    """A unit's self-reported value for one indicator in one cycle (自评), and its review.

    ``version`` grows with every write; a write names the version it started from, so two
    people editing the same item never silently overwrite each other.
    """

    cycle = pw.ForeignKeyField(Cycle, backref="submissions", on_delete="CASCADE")
    unit = pw.ForeignKeyField(Unit, on_delete="RESTRICT")
    indicator_code = pw.CharField(max_length=32)
    status = pw.CharField(max_length=16, default=SubmissionState.DRAFT.value)
    value_text = pw.CharField(max_length=100, default="")
    narrative = pw.TextField(default="")
    version = pw.IntegerField(default=1)
    updated_at = pw.DateTimeField(default=utcnow)
    updated_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    submitted_at = pw.DateTimeField(null=True)
    return_reason = pw.TextField(default="")
    verified_value_text = pw.CharField(max_length=100, default="")  # 核定值; '' = accepted
    verify_reason = pw.TextField(default="")
    deduction = pw.DecimalField(max_digits=10, decimal_places=2, null=True)  # 扣分
    deduction_reason = pw.TextField(default="")
    reviewed_by = pw.ForeignKeyField(
        User, null=True, on_delete="SET NULL", backref="reviewed_submissions"
    )
    reviewed_at = pw.DateTimeField(null=True)

    class Meta:
        indexes = ((("cycle", "unit", "indicator_code"), True),)

    @staticmethod
    def of_its_assignment():
        """Join condition from a submission to the assignment it answers: a submission
        whose indicator was dropped from the unit with a replaced set matches none, so it
        counts nowhere."""
        return (
            (Assignment.cycle == Submission.cycle)
            & (Assignment.unit == Submission.unit)
            & (Assignment.indicator_code == Submission.indicator_code)
        )

    def conflicts_with(self, user) -> bool:
        """True when ``user`` must not review this item: it is their own unit's, or a unit
        above or below theirs (回避, see ``Unit.recused_for``)."""
        return self.unit_id in Unit.recused_for(user)


class Rectification(BaseModel):
    """A rectification demand (整改要求) with its due date, the unit's response and closure."""

    cycle = pw.ForeignKeyField(Cycle, backref="rectifications", on_delete="CASCADE")
    unit = pw.ForeignKeyField(Unit, on_delete="RESTRICT")
    indicator_code = pw.CharField(max_length=32, default="")
    demand = pw.TextField()
    due_date = pw.DateField()
    status = pw.CharField(max_length=16, default=RectificationState.OPEN.value)
    created_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = pw.DateTimeField(default=utcnow)
    response = pw.TextField(default="")
    responded_at = pw.DateTimeField(null=True)
    closed_at = pw.DateTimeField(null=True)
    closing_note = pw.TextField(default="")

    def conflicts_with(self, user) -> bool:
        """True when ``user`` must not close this demand (回避, see ``Unit.recused_for``)."""
        return self.unit_id in Unit.recused_for(user)


class Appeal(BaseModel):
    """A unit's appeal against one published indicator score (复核申诉), and its answer.

    ``open_slot`` is 1 while the appeal waits for its answer and NULL after: the unique
    index on (cycle, unit, indicator_code, open_slot) lets a unit have any number of
    answered appeals on an indicator but only one open (NULLs never collide). When upheld,
    the verified value (核定值, '' = as reported) and deduction (扣分) it set are kept here
    as they were written to the item through the review path.
    """

    cycle = pw.ForeignKeyField(Cycle, backref="appeals", on_delete="CASCADE")
    unit = pw.ForeignKeyField(Unit, on_delete="RESTRICT")
    indicator_code = pw.CharField(max_length=32)
    reason = pw.TextField()
    state = pw.CharField(max_length=16, default=AppealState.OPEN.value)
    open_slot = pw.IntegerField(null=True, default=1)
    filed_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    filed_at = pw.DateTimeField(default=utcnow)
    snapshot_version = pw.IntegerField()  # the published results appealed against
    answer = pw.TextField(default="")
    answered_by = pw.ForeignKeyField(
        User, null=True, on_delete="SET NULL", backref="answered_appeals"
    )
    answered_at = pw.DateTimeField(null=True)
    verified_value_text = pw.CharField(max_length=100, default="")
    deduction = pw.DecimalField(max_digits=10, decimal_places=2, null=True)

    class Meta:
        indexes = ((("cycle", "unit", "indicator_code", "open_slot"), True),)

    def conflicts_with(self, user) -> bool:
        """True when ``user`` must not answer this appeal (回避, see ``Unit.recused_for``)."""
        return self.unit_id in Unit.recused_for(user)


class ResultSnapshot(BaseModel):
    """One publication of a cycle's results (结果公布); earlier ones are kept."""

    cycle = pw.ForeignKeyField(Cycle, backref="snapshots", on_delete="CASCADE")
    version = pw.IntegerField()
    published_at = pw.DateTimeField(default=utcnow)
    published_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    reason = pw.TextField(default="")
    current = pw.BooleanField(default=True)
    # The audit chain's head right after this publication's own entry: its reports print it
    # (审计链指纹), so a later rewrite of the log up to here, or a cut-off tail, shows.
    # None for a publication whose entry migration 0006 could not find.
    audit_count = pw.IntegerField(null=True)
    audit_mac = pw.CharField(max_length=64, null=True)
    # What the office confirmed on the pre-publish check page (JSON: check key -> count),
    # and why units that never reported were published all the same (printed with the
    # results, beside the names in ``unreported``, a JSON list of unit names).
    confirmed = pw.TextField(default="{}")
    unreported = pw.TextField(default="[]")
    unreported_reason = pw.TextField(default="")

    class Meta:
        indexes = ((("cycle", "version"), True),)

    @property
    def unreported_units(self) -> list[dict]:
        """The units that never reported when this was published: ``{"unit", "name"}``."""
        return json.loads(self.unreported or "[]")

    def was_unreported(self, unit_id: int) -> bool:
        return any(u["unit"] == unit_id for u in self.unreported_units)


class UnitResultRecord(BaseModel):
    """A unit's stored result in one snapshot; ``scores`` holds per-indicator JSON with the
    score, the value scored and the explanation (得分依据)."""

    snapshot = pw.ForeignKeyField(ResultSnapshot, backref="results", on_delete="CASCADE")
    unit = pw.ForeignKeyField(Unit, on_delete="RESTRICT")
    kind = pw.CharField(max_length=16)
    total = pw.DecimalField(max_digits=10, decimal_places=2)
    grade = pw.CharField(max_length=32)
    rank = pw.IntegerField(null=True)
    veto = pw.BooleanField(default=False)
    missing = pw.TextField(default="[]")
    scores = pw.TextField(default="{}")

    class Meta:
        # The ranking page reads one kind of one snapshot in rank order.
        indexes = ((("snapshot", "unit"), True), (("snapshot", "kind", "veto", "rank"), False))
