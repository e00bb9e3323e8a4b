"""Versioned schema migrations: ``migrations/NNNN_name.py``, each with ``up(migrator, db)``,
``down(migrator, db)`` and its own frozen models, run by peewee's ``playhouse.migrations.Runner``.

Runner records applied files by name in ``schema_migration`` and runs each step in its own
transaction (both SQLite and PostgreSQL roll DDL back), so a failed step leaves the previous
version. On SQLite a step runs with foreign keys off (a table rebuild drops and renames a
table that other rows point at) and ``PRAGMA foreign_key_check`` must come back empty before
the step commits. A step whose ``down`` drops data lists what it drops (``DROPS_TABLES``,
``DROPS_COLUMNS``); a downgrade that would lose rows is refused unless forced. Instances made before Runner kept their history in ``schema_version``; whatever here
touches the database adopts that history first, so such an instance upgrades in place.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import peewee as pw
import playhouse.migrations
from playhouse.migrate import SqliteMigrator
from playhouse.migrations import MigrationError, Runner

import migrations as migrations_package
from assess.core import audit
from assess.core.db import database
from scoring.i18n import _

DIRECTORY = migrations_package.__path__[0]
LEGACY_TABLE = "schema_version"
# migrations/0006_audit_key.py keys the audit chain; below it the links are plain SHA-256.
AUDIT_KEYED_FROM = 6


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


class DataLossError(RuntimeError):
    """A downgrade would drop rows; ``lost`` names them (table or table.column, row count)."""

    def __init__(self, lost: dict[str, int]):
        self.lost = lost
        listed = "，".join(f"{name} {n}" for name, n in lost.items())
        super().__init__(
            _("回退将删除已有数据（%(lost)s）：确认后加 --force 重新运行", lost=listed)
        )


class CheckedSqliteMigrator(SqliteMigrator):
    """Peewee's SQLite migrator, refusing a step that leaves a row pointing at nothing.

    Peewee switches foreign keys off around the step; that pragma is silently ignored inside
    a transaction, so a step run there would cascade deletes through a table rebuild. Both
    cases are refused before anything commits.
    """

    @contextmanager
    def migration_context(self, atomic=True):
        with super().migration_context(atomic):
            if self.database.pragma("foreign_keys"):
                raise MigrationError(_("迁移须在事务之外运行（外键检查无法关闭）"))
            yield
            dangling = self.database.execute_sql("PRAGMA foreign_key_check").fetchall()
            if dangling:
                tables = sorted({row[0] for row in dangling})
                raise MigrationError(
                    _(
                        "迁移后有 %(n)s 行外键指向不存在的记录（%(t)s）：已撤销此步",
                        n=len(dangling),
                        t="，".join(tables),
                    )
                )


def _runner() -> Runner:
    runner = Runner(database.obj, directory=DIRECTORY)
    if isinstance(database.obj, pw.SqliteDatabase):
        runner.migrator = CheckedSqliteMigrator(database.obj)
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


def schema_problem() -> str | None:
    """Why this code cannot run on the connected database (None: the schema is current).

    Reads only: the legacy history is not adopted here, it only means an upgrade is due.
    """
    db = database.obj
    if db.table_exists(LEGACY_TABLE):
        status = None
        applied = 0
    else:
        status = Runner(db, directory=DIRECTORY).status()
        unknown = [m.name for m in status if m.applied and m.path is None]
        if unknown:
            return _(
                "此数据库由更新版本的程序写入（含本程序不认识的迁移 %(names)s）："
                "请改用更新版本的程序，或先用新版本运行 assess db downgrade",
                names="，".join(unknown),
            )
        applied = max((m.idx for m in status if m.applied), default=0)
    if status is None or any(not m.applied for m in status):
        latest = max(m.version for m in available())
        return _(
            "数据库结构版本为 %(db)s，本程序需要版本 %(code)s：请先运行 assess db upgrade",
            db=applied,
            code=latest,
        )
    return None


def would_lose(target: int) -> dict[str, int]:
    """Rows a downgrade to ``target`` would drop, by table (or table.column), non-empty only."""
    runner = _runner()
    db = runner.database
    lost: dict[str, int] = {}
    for m in runner.status():
        if not (m.applied and m.idx > target and m.path):
            continue
        module = m.load()
        for table in getattr(module, "DROPS_TABLES", ()):
            if db.table_exists(table):
                n = pw.Table(table).bind(db).select().count()
                if n:
                    lost[table] = n
        for table, column, default in getattr(module, "DROPS_COLUMNS", ()):
            if table in lost or not db.table_exists(table):
                continue
            if column not in {c.name for c in db.get_columns(table)}:
                continue
            field = pw.Table(table, (column,)).bind(db)
            value = getattr(field, column)
            kept = value.is_null(False) if default is None else (value != default)
            n = field.select().where(kept).count()
            if n:
                lost[f"{table}.{column}"] = n
    return lost


def downgrade(target: int, *, force: bool = False) -> list[Migration]:
    """Undo applied migrations above ``target``, newest first; return those undone.

    Raises ``DataLossError`` (changing nothing) when the steps would drop rows and ``force``
    is not given; a forced downgrade that dropped rows is recorded in the audit log when the
    log itself survives it. Raises ``playhouse.migrations.MigrationError`` when an applied
    step's file is gone or a step leaves dangling foreign keys.
    """
    runner = _runner()
    above = [m.name for m in runner.status() if m.applied and m.idx > target]
    if not above:
        return []
    before = current_version()
    lost = would_lose(target)
    if lost and not force:
        raise DataLossError(lost)
    undone = [_migration(name) for name in runner.down(above[0])]
    if lost and database.obj.table_exists("audit_head"):
        now = current_version()
        with database.atomic():
            audit.record(
                "schema.downgrade",
                "schema",
                target,
                before={"version": before},
                after={"version": now, "dropped": lost},
                actor=None,
                keyed=now >= AUDIT_KEYED_FROM,
            )
    return undone
