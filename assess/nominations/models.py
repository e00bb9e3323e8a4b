"""Peewee models of the ten-types-of-models nomination round (十类典型评选).

A round (评选轮次) has its categories (类别), its score sheet (评分细则), a panel of reviewers
(评审专家组), the nominations units send in (提名), one score sheet per reviewer and
nomination (评分表), the reviewers' declared conflicts (回避声明), ranking runs kept as
snapshots (排名快照) and the panel's decisions on cut-line ties (评审会决定).

The tables are created by ``migrations/0003_nominations.py``; ``tests/ops/test_migrations.py``
compares these classes with them column by column.
"""

from __future__ import annotations

from datetime import date

import peewee as pw

from assess.accounts.models import User
from assess.core.db import BaseModel
from assess.core.enums import NominationState, NomineeKind, ReviewSheetState
from assess.core.formatting import local_today
from assess.core.models import utcnow
from assess.units.models import Unit


def today() -> date:
    """Today on the office's calendar, the one the nomination window is set in."""
    return local_today()


class NominationRound(BaseModel):
    """One year's nomination round (十类典型评选轮次) and its ranking parameters.

    The nomination window is inclusive and in Asia/Shanghai dates. The round is confirmed
    when one of its ranking runs is (``RankingRun.confirmed_at``).
    """

    year = pw.IntegerField()
    title = pw.CharField(max_length=200)
    window_opens = pw.DateField()
    window_closes = pw.DateField()
    top_n = pw.IntegerField(default=30)
    cap_per_category = pw.IntegerField(null=True)
    reviewers_per_nomination = pw.IntegerField(default=5)
    min_reviews = pw.IntegerField(default=5)
    normalise = pw.BooleanField(default=False)
    created_at = pw.DateTimeField(default=utcnow)
    created_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    # The unit whose office runs the round (its issuing office, 评选单位); NULL is the city
    # office. The round takes nominations from the units below its owner only.
    owner = pw.ForeignKeyField(Unit, null=True, backref="owned_rounds", on_delete="RESTRICT")

    def __str__(self) -> str:
        return self.title

    def covers(self, unit_id: int | None) -> bool:
        """True when ``unit_id`` may be nominated in this round: any unit for the city's
        round, a unit below the owner for an office's round (not the owner itself). One
        query for an office's round."""
        if unit_id is None:
            return False
        owner = self.__data__.get("owner")
        return owner is None or (unit_id != owner and unit_id in Unit.subtree_of(owner))

    def window_open(self, on: date | None = None) -> bool:
        """True while nominations may be sent in and changed (``on``, default today)."""
        return self.window_opens <= (on or today()) <= self.window_closes


class NominationCategory(BaseModel):
    """A category of the round (类别), e.g. 先进用工单位; its nominees are units or persons."""

    round = pw.ForeignKeyField(NominationRound, backref="categories", on_delete="CASCADE")
    name = pw.CharField(max_length=100)
    nominee_kind = pw.CharField(max_length=16, default=NomineeKind.UNIT.value)
    sort_order = pw.IntegerField(default=0)

    class Meta:
        indexes = ((("round", "name"), True),)

    def __str__(self) -> str:
        return self.name


class ScoreCriterion(BaseModel):
    """One line of the round's score sheet (评分细则): scored 0..``weight`` points."""

    round = pw.ForeignKeyField(NominationRound, backref="criteria", on_delete="CASCADE")
    name = pw.CharField(max_length=100)
    guidance = pw.TextField(default="")
    weight = pw.DecimalField(max_digits=6, decimal_places=2)
    sort_order = pw.IntegerField(default=0)


class Nomination(BaseModel):
    """A nomination (提名) sent in by a unit (提名单位): the nominee and its deeds (事迹材料)."""

    round = pw.ForeignKeyField(NominationRound, backref="nominations", on_delete="CASCADE")
    category = pw.ForeignKeyField(NominationCategory, backref="nominations", on_delete="RESTRICT")
    unit = pw.ForeignKeyField(Unit, on_delete="RESTRICT", backref="+")
    nominee_kind = pw.CharField(max_length=16, default=NomineeKind.UNIT.value)
    nominee_name = pw.CharField(max_length=200)
    work_unit = pw.CharField(max_length=200, default="")
    position = pw.CharField(max_length=100, default="")
    contact_person = pw.CharField(max_length=50, default="")
    contact_phone = pw.CharField(max_length=50, default="")
    deeds = pw.TextField()
    status = pw.CharField(max_length=16, default=NominationState.SUBMITTED.value)
    created_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)

    def __str__(self) -> str:
        return self.nominee_name

    def conflicts_with(self, user) -> bool:
        """A conflict of interest (回避): ``user`` works for the nominating unit, or has
        declared one."""
        if user.unit_id is not None and user.unit_id == self.unit_id:
            return True
        return (
            ReviewerConflict.select()
            .where(ReviewerConflict.nomination == self, ReviewerConflict.reviewer == user.id)
            .exists()
        )

    def sheet_of(self, user) -> ReviewSheet | None:
        """``user``'s score sheet (评分表) for this nomination, if one was assigned."""
        return ReviewSheet.get_or_none(
            ReviewSheet.nomination == self, ReviewSheet.reviewer == user.id
        )


class PanelMember(BaseModel):
    """A reviewer on the round's panel (评审专家组成员)."""

    round = pw.ForeignKeyField(NominationRound, backref="panel", on_delete="CASCADE")
    reviewer = pw.ForeignKeyField(User, on_delete="RESTRICT", backref="+")

    class Meta:
        indexes = ((("round", "reviewer"), True),)


class ReviewerConflict(BaseModel):
    """A reviewer's declared conflict of interest with one nomination (回避声明)."""

    nomination = pw.ForeignKeyField(Nomination, backref="conflicts", on_delete="CASCADE")
    reviewer = pw.ForeignKeyField(User, on_delete="RESTRICT", backref="+")
    reason = pw.TextField(default="")
    declared_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("nomination", "reviewer"), True),)


class ReviewSheet(BaseModel):
    """A score sheet (评分表) handed to one reviewer for one nomination: the assignment
    itself, then the reviewer's draft and finally its submitted total."""

    nomination = pw.ForeignKeyField(Nomination, backref="sheets", on_delete="CASCADE")
    reviewer = pw.ForeignKeyField(User, on_delete="RESTRICT", backref="+")
    method = pw.CharField(max_length=16, default="auto")
    assigned_at = pw.DateTimeField(default=utcnow)
    assigned_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    status = pw.CharField(max_length=16, default=ReviewSheetState.ASSIGNED.value)
    total = pw.DecimalField(max_digits=6, decimal_places=2, null=True)
    updated_at = pw.DateTimeField(null=True)
    submitted_at = pw.DateTimeField(null=True)

    class Meta:
        indexes = ((("nomination", "reviewer"), True),)


class CriterionScore(BaseModel):
    """One criterion's points and comment (得分与评语) on a score sheet."""

    sheet = pw.ForeignKeyField(ReviewSheet, backref="scores", on_delete="CASCADE")
    criterion = pw.ForeignKeyField(ScoreCriterion, on_delete="RESTRICT", backref="+")
    points = pw.DecimalField(max_digits=6, decimal_places=2, null=True)
    comment = pw.TextField(default="")

    class Meta:
        indexes = ((("sheet", "criterion"), True),)


class RankingRun(BaseModel):
    """One ranking run (排名快照): its parameters, the reviews it read and what it found.

    ``params``, ``reviews`` and ``results`` are JSON text, so a run can be re-checked
    offline with ``assess rank-nominations`` long after reviews change.
    """

    round = pw.ForeignKeyField(NominationRound, backref="runs", on_delete="CASCADE")
    number = pw.IntegerField()
    run_at = pw.DateTimeField(default=utcnow)
    run_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    params = pw.TextField()
    reviews = pw.TextField()
    results = pw.TextField()
    confirmed_at = pw.DateTimeField(null=True)
    confirmed_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")

    class Meta:
        indexes = ((("round", "number"), True),)


class PanelDecision(BaseModel):
    """The panel's recorded decision (评审会决定) on a nominee left undecided by a cut-line tie."""

    run = pw.ForeignKeyField(RankingRun, backref="decisions", on_delete="CASCADE")
    nomination = pw.ForeignKeyField(Nomination, on_delete="CASCADE", backref="+")
    selected = pw.BooleanField()
    note = pw.TextField()
    decided_at = pw.DateTimeField(default=utcnow)
    decided_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")

    class Meta:
        indexes = ((("run", "nomination"), True),)


NOMINATION_MODELS = (
    NominationRound,
    NominationCategory,
    ScoreCriterion,
    Nomination,
    PanelMember,
    ReviewerConflict,
    ReviewSheet,
    CriterionScore,
    RankingRun,
    PanelDecision,
)
