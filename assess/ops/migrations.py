"""Versioned schema migrations: ``migrations/NNNN_name.py``, each with ``up(db)`` and ``down(db)``.

Applied versions are recorded in ``schema_version``; each step runs in its own transaction
(both SQLite and PostgreSQL roll DDL back), so a failed step leaves the previous version.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass
from types import ModuleType

import peewee as pw

import migrations as migrations_package
from assess.core.db import database
from assess.core.models import utcnow

_NAME = re.compile(r"^(\d{4})_(\w+)$")


class SchemaVersion(pw.Model):
    version = pw.IntegerField(primary_key=True)
    name = pw.CharField(max_length=100)
    applied_at = pw.DateTimeField(default=utcnow)

    class Meta:
        database = database
        table_name = "schema_version"


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    module: ModuleType


def available() -> list[Migration]:
    """Every migration shipped, in version order."""
    found = []
    for info in pkgutil.iter_modules(migrations_package.__path__):
        match = _NAME.match(info.name)
        if match:
            module = importlib.import_module(f"migrations.{info.name}")
            found.append(Migration(int(match.group(1)), match.group(2), module))
    return sorted(found, key=lambda m: m.version)


def applied_versions() -> set[int]:
    SchemaVersion.create_table(safe=True)
    return {row.version for row in SchemaVersion.select(SchemaVersion.version)}


def current_version() -> int:
    return max(applied_versions(), default=0)


def upgrade(target: int | None = None) -> list[Migration]:
    """Apply pending migrations up to ``target`` (default: all); return those applied."""
    db = database.obj
    done = applied_versions()
    ran = []
    for migration in available():
        if migration.version in done or (target is not None and migration.version > target):
            continue
        with db.atomic():
            migration.module.up(db)
            SchemaVersion.create(version=migration.version, name=migration.name)
        ran.append(migration)
    return ran


def downgrade(target: int) -> list[Migration]:
    """Undo applied migrations above ``target``, newest first; return those undone."""
    db = database.obj
    done = applied_versions()
    undone = []
    for migration in reversed(available()):
        if migration.version <= target or migration.version not in done:
            continue
        with db.atomic():
            migration.module.down(db)
            SchemaVersion.delete().where(SchemaVersion.version == migration.version).execute()
        undone.append(migration)
    return undone
