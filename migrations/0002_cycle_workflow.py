"""The annual cycle: the frozen indicator set and deadlines on cycles, assignments with
per-unit overrides, submissions, evidence, rectifications and published snapshots."""

import peewee as pw


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

    class Cycle(Base):
        class Meta:
            table_name = "cycle"

    class Assignment(Base):
        cycle = pw.ForeignKeyField(Cycle, on_delete="CASCADE")
        unit = pw.ForeignKeyField(Unit, on_delete="RESTRICT")
        indicator_code = pw.CharField(max_length=32)
        target = pw.DecimalField(max_digits=14, decimal_places=4, null=True)
        weight = pw.DecimalField(max_digits=10, decimal_places=4, null=True)

        class Meta:
            indexes = ((("cycle", "unit", "indicator_code"), True),)

    class Submission(Base):
        cycle = pw.ForeignKeyField(Cycle, on_delete="CASCADE")
        unit = pw.ForeignKeyField(Unit, on_delete="RESTRICT")
        indicator_code = pw.CharField(max_length=32)
        status = pw.CharField(max_length=16, default="draft")
        value_text = pw.CharField(max_length=100, default="")
        narrative = pw.TextField(default="")
        version = pw.IntegerField(default=1)
        updated_at = pw.DateTimeField()
        updated_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
        submitted_at = pw.DateTimeField(null=True)
        return_reason = pw.TextField(default="")
        verified_value_text = pw.CharField(max_length=100, default="")
        verify_reason = pw.TextField(default="")
        deduction = pw.DecimalField(max_digits=10, decimal_places=2, null=True)
        deduction_reason = pw.TextField(default="")
        reviewed_by = pw.ForeignKeyField(
            User, null=True, on_delete="SET NULL", backref="reviewed_submissions"
        )
        reviewed_at = pw.DateTimeField(null=True)

        class Meta:
            indexes = ((("cycle", "unit", "indicator_code"), True),)

    class Evidence(Base):
        sha256 = pw.CharField(max_length=64, index=True)
        original_name = pw.CharField(max_length=255)
        size = pw.IntegerField()
        mime = pw.CharField(max_length=100)
        kind = pw.CharField(max_length=16)
        pages = pw.IntegerField(null=True)
        has_thumbnail = pw.BooleanField(default=False)
        unit = pw.ForeignKeyField(Unit, on_delete="RESTRICT")
        submission = pw.ForeignKeyField(Submission, null=True, on_delete="CASCADE")
        nomination_id = pw.IntegerField(null=True, index=True)
        uploaded_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
        uploaded_at = pw.DateTimeField()

    class Rectification(Base):
        cycle = pw.ForeignKeyField(Cycle, on_delete="CASCADE")
        unit = pw.ForeignKeyField(Unit, on_delete="RESTRICT")
        indicator_code = pw.CharField(max_length=32, default="")
        demand = pw.TextField()
        due_date = pw.DateField()
        status = pw.CharField(max_length=16, default="open")
        created_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = pw.DateTimeField()
        response = pw.TextField(default="")
        responded_at = pw.DateTimeField(null=True)
        closed_at = pw.DateTimeField(null=True)
        closing_note = pw.TextField(default="")

    class ResultSnapshot(Base):
        cycle = pw.ForeignKeyField(Cycle, on_delete="CASCADE")
        version = pw.IntegerField()
        published_at = pw.DateTimeField()
        published_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
        reason = pw.TextField(default="")
        current = pw.BooleanField(default=True)

        class Meta:
            indexes = ((("cycle", "version"), True),)

    class UnitResultRecord(Base):
        snapshot = pw.ForeignKeyField(ResultSnapshot, on_delete="CASCADE")
        unit = pw.ForeignKeyField(Unit, on_delete="RESTRICT")
        kind = pw.CharField(max_length=16)
        total = pw.DecimalField(max_digits=10, decimal_places=2)
        grade = pw.CharField(max_length=32)
        rank = pw.IntegerField(null=True)
        veto = pw.BooleanField(default=False)
        missing = pw.TextField(default="[]")
        scores = pw.TextField(default="{}")

        class Meta:
            indexes = (
                (("snapshot", "unit"), True),
                (("snapshot", "kind", "veto", "rank"), False),
            )

    return Cycle, [
        Assignment,
        Submission,
        Evidence,
        Rectification,
        ResultSnapshot,
        UnitResultRecord,
    ]


CYCLE_COLUMNS = (
    ("indicator_yaml", pw.TextField(default="")),
    ("indicator_source", pw.CharField(max_length=200, default="")),
    ("self_report_due", pw.DateField(null=True)),
    ("review_due", pw.DateField(null=True)),
    ("opened_at", pw.DateTimeField(null=True)),
    ("published_at", pw.DateTimeField(null=True)),
)

# What ``down`` drops, so a downgrade can refuse to lose rows unless forced: the tables, and
# the cycle columns where a row holds more than the column's default.
DROPS_TABLES = (
    "assignment",
    "submission",
    "evidence",
    "rectification",
    "result_snapshot",
    "unit_result_record",
)
DROPS_COLUMNS = tuple(("cycle", name, field.default) for name, field in CYCLE_COLUMNS) + (
    ("cycle", "previous_id", None),
)


def up(migrator, db):
    cycle, tables = _models(db)
    operations = [migrator.add_column("cycle", name, field) for name, field in CYCLE_COLUMNS]
    previous = pw.ForeignKeyField(cycle, field=cycle.id, null=True, on_delete="SET NULL")
    operations.append(migrator.add_column("cycle", "previous_id", previous))
    migrator.migrate(*operations)
    db.create_tables(tables)


def down(migrator, db):
    _cycle, tables = _models(db)
    db.drop_tables(list(reversed(tables)))
    names = [name for name, _ in CYCLE_COLUMNS] + ["previous_id"]
    # SQLite refuses to drop a column an index still names.
    migrator.migrate(
        migrator.drop_index("cycle", "cycle_previous_id"),
        *[migrator.drop_column("cycle", name) for name in names],
    )
