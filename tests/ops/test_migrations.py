"""Migrations build the models' schema from an empty database, and step back down."""

from __future__ import annotations

import peewee

from assess.nominations.models import NOMINATION_MODELS
from assess.ops import migrations
from assess.ops.schema import ALL_MODELS


def _columns(db, table):
    return {c.name: c for c in db.get_columns(table)}


def test_upgrade_from_empty_matches_models(db):
    # The app fixture already upgraded; compare every model's fields with the real table.
    for model in ALL_MODELS + NOMINATION_MODELS:
        table = model._meta.table_name
        columns = _columns(db.obj, table)
        for field in model._meta.sorted_fields:
            assert field.column_name in columns, f"{table}.{field.column_name} missing"
            assert columns[field.column_name].null == field.null, f"{table}.{field.column_name}"
        assert set(columns) == {f.column_name for f in model._meta.sorted_fields}, table


def test_versions_recorded_and_upgrade_is_idempotent(db):
    assert migrations.current_version() == max(m.version for m in migrations.available())
    assert migrations.upgrade() == []


def test_downgrade_to_zero_then_upgrade_again(db):
    undone = migrations.downgrade(0)
    assert [m.version for m in undone] == sorted((m.version for m in undone), reverse=True)
    assert migrations.current_version() == 0
    assert "unit" not in db.obj.get_tables()
    migrations.upgrade()
    assert {"unit", "user", "audit_entry"} <= set(db.obj.get_tables())


def test_unique_unit_code_is_enforced_by_the_database(db):
    from assess.units.models import Unit

    Unit.create(code="x1", name="甲", kind="county")
    try:
        with db.atomic():
            Unit.create(code="x1", name="乙", kind="county")
    except peewee.IntegrityError:
        pass
    else:
        raise AssertionError("duplicate unit code accepted")


def test_foreign_keys_are_enforced(db):
    from assess.accounts.models import User

    try:
        with db.atomic():
            User.create(username="ghost", password_hash="x", role="reporter", unit=999999)
    except peewee.IntegrityError:
        pass
    else:
        raise AssertionError("dangling foreign key accepted")
