"""The ten-types-of-models nomination round (十类典型评选): rounds, categories, score
sheets, nominations, the panel, conflicts, review sheets, ranking snapshots and decisions.

The models are frozen here, so later edits to assess/nominations/models.py never change
this step.
"""

import peewee as pw

# What ``down`` drops, so a downgrade can refuse to lose rows unless forced.
DROPS_TABLES = (
    "nomination_round",
    "nomination_category",
    "score_criterion",
    "nomination",
    "panel_member",
    "reviewer_conflict",
    "review_sheet",
    "criterion_score",
    "ranking_run",
    "panel_decision",
)


def _models(db):
    class Base(pw.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Unit(Base):
        class Meta:
            table_name = "unit"

    class User(Base):
        class Meta:
            table_name = "user"

    class NominationRound(Base):
        year = pw.IntegerField()
        title = pw.CharField(max_length=200)
        window_opens = pw.DateField()
        window_closes = pw.DateField()
        top_n = pw.IntegerField(default=30)
        cap_per_category = pw.IntegerField(null=True)
        reviewers_per_nomination = pw.IntegerField(default=5)
        min_reviews = pw.IntegerField(default=5)
        normalise = pw.BooleanField(default=False)
        created_at = pw.DateTimeField()
        created_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")

    class NominationCategory(Base):
        round = pw.ForeignKeyField(NominationRound, on_delete="CASCADE")
        name = pw.CharField(max_length=100)
        nominee_kind = pw.CharField(max_length=16, default="unit")
        sort_order = pw.IntegerField(default=0)

        class Meta:
            indexes = ((("round", "name"), True),)

    class ScoreCriterion(Base):
        round = pw.ForeignKeyField(NominationRound, on_delete="CASCADE")
        name = pw.CharField(max_length=100)
        guidance = pw.TextField(default="")
        weight = pw.DecimalField(max_digits=6, decimal_places=2)
        sort_order = pw.IntegerField(default=0)

    class Nomination(Base):
        round = pw.ForeignKeyField(NominationRound, on_delete="CASCADE")
        category = pw.ForeignKeyField(NominationCategory, on_delete="RESTRICT")
        unit = pw.ForeignKeyField(Unit, on_delete="RESTRICT", backref="+")
        nominee_kind = pw.CharField(max_length=16, default="unit")
        nominee_name = pw.CharField(max_length=200)
        work_unit = pw.CharField(max_length=200, default="")
        position = pw.CharField(max_length=100, default="")
        contact_person = pw.CharField(max_length=50, default="")
        contact_phone = pw.CharField(max_length=50, default="")
        deeds = pw.TextField()
        status = pw.CharField(max_length=16, default="submitted")
        created_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()

    class PanelMember(Base):
        round = pw.ForeignKeyField(NominationRound, on_delete="CASCADE")
        reviewer = pw.ForeignKeyField(User, on_delete="RESTRICT", backref="+")

        class Meta:
            indexes = ((("round", "reviewer"), True),)

    class ReviewerConflict(Base):
        nomination = pw.ForeignKeyField(Nomination, on_delete="CASCADE")
        reviewer = pw.ForeignKeyField(User, on_delete="RESTRICT", backref="+")
        reason = pw.TextField(default="")
        declared_at = pw.DateTimeField()

        class Meta:
            indexes = ((("nomination", "reviewer"), True),)

    class ReviewSheet(Base):
        nomination = pw.ForeignKeyField(Nomination, on_delete="CASCADE")
        reviewer = pw.ForeignKeyField(User, on_delete="RESTRICT", backref="+")
        method = pw.CharField(max_length=16, default="auto")
        assigned_at = pw.DateTimeField()
        assigned_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
        status = pw.CharField(max_length=16, default="assigned")
        total = pw.DecimalField(max_digits=6, decimal_places=2, null=True)
        updated_at = pw.DateTimeField(null=True)
        submitted_at = pw.DateTimeField(null=True)

        class Meta:
            indexes = ((("nomination", "reviewer"), True),)

    class CriterionScore(Base):
        sheet = pw.ForeignKeyField(ReviewSheet, on_delete="CASCADE")
        criterion = pw.ForeignKeyField(ScoreCriterion, on_delete="RESTRICT")
        points = pw.DecimalField(max_digits=6, decimal_places=2, null=True)
        comment = pw.TextField(default="")

        class Meta:
            indexes = ((("sheet", "criterion"), True),)

    class RankingRun(Base):
        round = pw.ForeignKeyField(NominationRound, on_delete="CASCADE")
        number = pw.IntegerField()
        run_at = pw.DateTimeField()
        run_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
        params = pw.TextField()
        reviews = pw.TextField()
        results = pw.TextField()
        confirmed_at = pw.DateTimeField(null=True)
        confirmed_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")

        class Meta:
            indexes = ((("round", "number"), True),)

    class PanelDecision(Base):
        run = pw.ForeignKeyField(RankingRun, on_delete="CASCADE")
        nomination = pw.ForeignKeyField(Nomination, on_delete="CASCADE", backref="+")
        selected = pw.BooleanField()
        note = pw.TextField()
        decided_at = pw.DateTimeField()
        decided_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")

        class Meta:
            indexes = ((("run", "nomination"), True),)

    return [
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
    ]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(list(reversed(_models(db))))
