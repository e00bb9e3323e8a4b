"""Versioned schema migrations: ``migrations/NNNN_name.py``, each with ``up(migrator, db)``,
``down(migrator, db)`` and its own frozen models, run by peewee's ``playhouse.migrations.Runner``.

Runner records applied files by name in ``schema_migration`` and runs each step in its own
transaction (both SQLite and PostgreSQL roll DDL back), so a failed step leaves the previous
version. Instances made before Runner kept their history in ``schema_version``; whatever here
touches the database adopts that history first, so such an instance upgrades in place.
"""

from __future__ import annotations

from dataclasses import dataclass

import peewee as pw
import playhouse.migrations
from playhouse.migrations import Runner

import migrations as migrations_package
from assess.core.db import database

DIRECTORY = migrations_package.__path__[0]
LEGACY_TABLE = "schema_version"


@dataclass(frozen=True)
class Migration:
    version: int
    name: str


def _migration(file_name: str) -> Migration:
    number, _, name = file_name.partition("_")
    return Migration(int(number), name)


def available() -> list[Migration]:
    """Every migration shipped, in version order."""
    found = playhouse.migrations.Migration.load_directory(DIRECTORY)
    return [_migration(m.name) for m in found]


def _runner() -> Runner:
    runner = Runner(database.obj, directory=DIRECTORY)
    _adopt_legacy_history(runner)
    return runner


def _adopt_legacy_history(runner: Runner) -> None:
    """Move the pre-Runner ``schema_version`` rows into Runner's history, then drop that table.

    The steps they record are not run again. Where both tables exist (a PostgreSQL restore of
    an old backup replaces the tables in the archive and leaves ``schema_migration`` behind),
    the legacy rows describe the schema actually present, so they replace Runner's.
    """
    db = runner.database
    if not db.table_exists(LEGACY_TABLE):
        return
    legacy = pw.Table(LEGACY_TABLE, ("version", "name", "applied_at")).bind(db)
    with db.atomic():
        history = runner.History
        history.create_table()
        history.delete().execute()
        for row in legacy.select().order_by(legacy.version).dicts():
            history.create(name=f"{row['version']:04d}_{row['name']}", applied=row["applied_at"])
        db.execute_sql(f'DROP TABLE "{LEGACY_TABLE}"')


def current_version() -> int:
    """The highest applied version; 0 for an empty database."""
    applied = (m.idx for m in _runner().status() if m.applied)
    return max(applied, default=0)


def upgrade(target: int | None = None) -> list[Migration]:
    """Apply pending migrations up to ``target`` (default: all); return those applied."""
    runner = _runner()
    last = None
    if target is not None:
        names = [m.name for m in runner.migrations() if m.idx <= target]
        if not names:
            return []
        last = names[-1]
    return [_migration(name) for name in runner.up(last)]


def downgrade(target: int) -> list[Migration]:
    """Undo applied migrations above ``target``, newest first; return those undone.

    Raises ``playhouse.migrations.MigrationError`` when an applied step's file is gone.
    """
    runner = _runner()
    above = [m.name for m in runner.status() if m.applied and m.idx > target]
    if not above:
        return []
    return [_migration(name) for name in runner.down(above[0])]
