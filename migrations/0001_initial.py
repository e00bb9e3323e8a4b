"""Foundation tables: units, users, login throttling, cycles, the audit log and its head.

The models are frozen here, so later edits to the application models never change this step.
"""

import peewee as pw

GENESIS_HASH = "0" * 64

# What ``down`` drops, so a downgrade can refuse to lose rows unless forced (the audit head
# only summarises the entries, and a new database already holds it).
DROPS_TABLES = ("unit", "user", "login_throttle", "cycle", "audit_entry")


def _models(db):
    class Base(pw.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Unit(Base):
        code = pw.CharField(max_length=32, unique=True)
        name = pw.CharField(max_length=100)
        kind = pw.CharField(max_length=16)
        parent = pw.ForeignKeyField("self", null=True, on_delete="RESTRICT")
        contact_person = pw.CharField(max_length=50, default="")
        contact_title = pw.CharField(max_length=100, default="")
        contact_phone = pw.CharField(max_length=50, default="")
        active = pw.BooleanField(default=True)
        sort_order = pw.IntegerField(default=0)

    class User(Base):
        username = pw.CharField(max_length=64, unique=True)
        display_name = pw.CharField(max_length=64, default="")
        password_hash = pw.CharField(max_length=255)
        role = pw.CharField(max_length=16)
        unit = pw.ForeignKeyField(Unit, null=True, on_delete="RESTRICT")
        active = pw.BooleanField(default=True)
        locale = pw.CharField(max_length=10, default="")
        created_at = pw.DateTimeField()
        last_login_at = pw.DateTimeField(null=True)

    class LoginThrottle(Base):
        key = pw.CharField(max_length=200, unique=True)
        failures = pw.IntegerField(default=0)
        locked_until = pw.DateTimeField(null=True)
        updated_at = pw.DateTimeField()

    class Cycle(Base):
        year = pw.IntegerField()
        name = pw.CharField(max_length=200)
        state = pw.CharField(max_length=16, default="draft")
        created_at = pw.DateTimeField()

        class Meta:
            indexes = ((("year", "name"), True),)

    class AuditEntry(Base):
        at = pw.DateTimeField(index=True)
        actor_id = pw.IntegerField(null=True, index=True)
        actor_name = pw.CharField(max_length=64, default="")
        action = pw.CharField(max_length=64, index=True)
        entity = pw.CharField(max_length=64, index=True)
        entity_id = pw.CharField(max_length=64, default="", index=True)
        before = pw.TextField(default="")
        after = pw.TextField(default="")
        prev_hash = pw.CharField(max_length=64)
        hash = pw.CharField(max_length=64)

    class AuditHead(Base):
        count = pw.IntegerField(default=0)
        last_hash = pw.CharField(max_length=64)

    return [Unit, User, LoginThrottle, Cycle, AuditEntry, AuditHead]


def up(migrator, db):
    models = _models(db)
    db.create_tables(models)
    audit_head = models[-1]
    audit_head.create(count=0, last_hash=GENESIS_HASH)


def down(migrator, db):
    db.drop_tables(list(reversed(_models(db))))
