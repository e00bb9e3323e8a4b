"""Backup and restore (备份与恢复) of an instance: its database and its evidence files.

A backup is one ``.tar.gz``: ``manifest.json``, the database — SQLite copied with the
online backup API (a consistent snapshot while the server keeps writing), PostgreSQL
dumped with ``pg_dump -Fc`` — and ``evidence/`` laid out as in the store. A backup first
sweeps the store (content no row has named for the grace period goes), then copies the
database and the evidence while holding the store against the sweep: the store keeps a
file before any row names it and removes one only in a sweep, so every row in the copy
finds its file (a file uploaded in between is kept as a harmless orphan). The archive is
written under a temporary name and renamed when complete, so a backup file is never
half-written.

With an S3 store (``STORAGE_URL=s3://…``) the backup fetches every stored object into its
staging folder and archives it as if it were local (so the staging folder needs room for
the bucket's evidence once more), and checks that every evidence row of the copied
database found its file: one archive is the whole instance, restorable onto the local
folder or into any bucket, which is what an office's backup routine expects; a bucket's
own replication or versioning is a second line, not a replacement.

Restoring checks the whole archive before changing anything (manifest, member names,
each file's SHA-256 against its name, the database dump and every thumbnail against the
manifest's ``checksums``, the SQLite copy's integrity, and that every evidence row of the
archived database finds its file and thumbnail in the archive or the store), refuses a database
that already holds data unless forced, adds the evidence files (content-addressed, so
adding never overwrites other bytes), replaces the database, brings it to the current
schema and records the restore in the audit log. Stop the server before restoring.

Each run works in a staging folder (beside the archive for a backup, in the instance for a
restore) holding an exclusive lock for as long as the run lives. A run killed halfway leaves
its folder behind; the next backup or restore removes every such folder whose lock is free
(its owner is gone) before it starts. The next run, not the next app start: a backup's
staging folder lies beside an archive path only the command knows, and a lock, not an age,
tells a dead run from one still going.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import peewee
from PIL import Image, UnidentifiedImageError

from assess.accounts.models import User
from assess.core import audit
from assess.core.db import database
from assess.cycles.models import Cycle, Submission
from assess.evidence import attachments
from assess.evidence.models import Evidence
from assess.evidence.storage import STORE_FOLDER, EvidenceStore, member_name, parse_member
from assess.ops import migrations
from assess.units.models import Unit
from scoring.i18n import _

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
POSTGRES_MEMBER = "database.pgdump"
EVIDENCE = STORE_FOLDER  # archive members are laid out as in the store
CHUNK = 1 << 20
PG_TIMEOUT_SECONDS = 3600
_EVIDENCE_NAME = re.compile(r"^evidence/([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})(\.thumb\.png)?$")
BACKUP_STAGING = ".assess-backup-"
RESTORE_STAGING = "restore-"
STAGING_LOCK = ".lock"
# A staging folder is locked right after it is made; one without a lock file younger than
# this may be that instant, an older one was left by a run killed in between.
UNLOCKED_GRACE_SECONDS = 60


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message is for the operator."""


@dataclass(frozen=True)
class BackupSummary:
    """What a backup holds (as written, or as restored)."""

    path: Path
    engine: str
    schema_version: int
    evidence_files: int
    size: int
    created_at: str


# --- which database -------------------------------------------------------------------------


def _engine() -> str:
    db = database.obj
    if isinstance(db, peewee.SqliteDatabase):
        return "sqlite"
    if isinstance(db, peewee.PostgresqlDatabase):
        return "postgresql"
    raise BackupError(_("不支持备份此类数据库：%(t)s", t=type(db).__name__))


def _sqlite_path() -> Path:
    return Path(database.obj.database)


def _pg_tool(name: str) -> str:
    """The newest server's ``pg_dump``/``pg_restore`` (PG_BIN first), else the one on PATH."""
    folders = [os.environ["PG_BIN"]] if os.environ.get("PG_BIN") else []
    installed = Path("/usr/lib/postgresql")
    if installed.is_dir():
        versions = [p for p in installed.iterdir() if p.name.isdigit()]
        folders += [str(p / "bin") for p in sorted(versions, key=lambda p: -int(p.name))]
    for folder in folders:
        candidate = Path(folder) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise BackupError(_("找不到 %(tool)s：请安装 PostgreSQL 客户端程序", tool=name))
    return found


def _pg_env() -> dict[str, str]:
    """libpq environment for the bound database: no password on a command line."""
    params = database.obj.connect_params
    env = dict(os.environ, PGDATABASE=str(database.obj.database))
    for key, variable in (
        ("host", "PGHOST"),
        ("port", "PGPORT"),
        ("user", "PGUSER"),
        ("password", "PGPASSWORD"),
        ("sslmode", "PGSSLMODE"),
    ):
        if params.get(key) not in (None, ""):
            env[variable] = str(params[key])
    return env


def _run_pg(args: list[str]) -> str:
    try:
        done = subprocess.run(
            args, env=_pg_env(), capture_output=True, text=True, timeout=PG_TIMEOUT_SECONDS
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BackupError(
            _("%(tool)s 运行失败：%(err)s", tool=Path(args[0]).name, err=exc)
        ) from exc
    if done.returncode != 0:
        raise BackupError(
            _(
                "%(tool)s 运行失败：%(err)s",
                tool=Path(args[0]).name,
                err=done.stderr.strip()[-2000:],
            )
        )
    return done.stdout


def _schema_version() -> int:
    return migrations.current_version()


def _evidence_files(store: EvidenceStore) -> list[str]:
    """The store's members (files and thumbnails, ``ab/cd/<sha256>``), from its folder or
    its bucket, never the temp folder of uploads under way."""
    return [m for m in store.files() if _EVIDENCE_NAME.match(f"{EVIDENCE}/{m}")]


def _member_file(store: EvidenceStore, member: str, work: Path) -> Path | None:
    """A local file holding the member's bytes: the store's own file, or a copy fetched
    from the bucket into ``work``; None when it went meanwhile (swept by another host)."""
    sha, thumbnail = parse_member(member)
    path = store.local_path(sha, thumbnail)
    if path is not None:
        return path if path.is_file() else None
    copy = work / EVIDENCE / member
    copy.parent.mkdir(parents=True, exist_ok=True)
    try:
        with store.backend.open(member) as body, copy.open("wb") as out:
            shutil.copyfileobj(body, out, CHUNK)
    except FileNotFoundError:
        return None
    return copy


# --- backup ------------------------------------------------------------------------------------


def backup(
    path: str | Path,
    *,
    instance: str | Path,
    sweep_grace_hours: float | None = None,
    store: EvidenceStore | None = None,
) -> BackupSummary:
    """Write a backup of the bound database and the instance's evidence to ``path``.

    ``store`` is the instance's evidence store (its folder by default); from an S3 bucket
    the files are fetched into the archive, so one archive restores the instance on either
    backend, and the backup is refused when a file the copied database names is missing.

    With ``sweep_grace_hours`` the evidence store is swept first
    (:func:`assess.evidence.attachments.sweep`), so long-orphaned content is not archived.
    Works while the server runs. Raises BackupError (nothing written at ``path``) when
    the database cannot be read or the archive cannot be written.
    """
    path = Path(path)
    engine = _engine()
    store = store or EvidenceStore.in_instance(instance)
    try:
        if sweep_grace_hours is not None:
            attachments.sweep(store, sweep_grace_hours)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Held from the database copy to the last file archived: a sweep in between could
        # remove a file whose row the copy still holds (deleted since).
        with staging(path.parent, BACKUP_STAGING) as work, store.held():
            dump = Path(work) / (SQLITE_MEMBER if engine == "sqlite" else POSTGRES_MEMBER)
            version = _schema_version()
            if engine == "sqlite":
                _sqlite_copy(_sqlite_path(), dump)
            else:
                _run_pg(
                    [_pg_tool("pg_dump"), "-Fc", "--no-owner", "--no-privileges", "-f", str(dump)]
                )
            sources = {}
            for member in _evidence_files(store):
                source = _member_file(store, member, Path(work))
                if source is not None:
                    sources[f"{EVIDENCE}/{member}"] = source
            files = sorted(sources)
            missing = _missing_references(_evidence_references(Path(work), engine), files, None)
            if missing:
                raise BackupError(
                    _(
                        "数据库引用的 %(n)s 个佐证材料文件不在存储中（如 %(first)s），未写入备份",
                        n=len(missing),
                        first=missing[0],
                    )
                )
            # Evidence files are named by their hash; the dump and the thumbnails are not.
            checksums = {dump.name: _file_hash(dump)}
            for arcname in files:
                if arcname.endswith(".thumb.png"):
                    checksums[arcname] = _file_hash(sources[arcname])
            created = datetime.now(UTC).isoformat(timespec="seconds")
            manifest = {
                "format": FORMAT,
                "engine": engine,
                "schema_version": version,
                "created_at": created,
                "evidence_files": len(files),
                "database": dump.name,
                "checksums": checksums,
            }
            partial = Path(work) / "backup.tar.gz"
            with tarfile.open(partial, "w:gz", compresslevel=6, dereference=True) as tar:
                _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=2).encode())
                tar.add(dump, arcname=dump.name, recursive=False)
                for arcname in files:
                    tar.add(sources[arcname], arcname=arcname, recursive=False)
            _fsync(partial)
            os.replace(partial, path)
            _fsync_directory(path.parent)
    except OSError as exc:
        raise BackupError(_("无法写入备份文件 %(p)s：%(err)s", p=path, err=exc)) from exc
    except sqlite3.Error as exc:
        raise BackupError(_("读取 SQLite 数据库失败：%(err)s", err=exc)) from exc
    return BackupSummary(path, engine, version, len(files), path.stat().st_size, created)


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def staging(parent: Path, prefix: str) -> Iterator[Path]:
    """A fresh staging folder in ``parent``, locked while in use and removed afterwards.

    Folders with ``prefix`` left there by killed runs are removed first.
    """
    sweep_staging(parent, prefix)
    work = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    try:
        with (work / STAGING_LOCK).open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def sweep_staging(parent: Path, prefix: str) -> list[Path]:
    """Remove the staging folders in ``parent`` whose run is gone; return those removed."""
    removed = []
    if not parent.is_dir():
        return removed
    for folder in parent.iterdir():
        if not folder.name.startswith(prefix) or not folder.is_dir() or folder.is_symlink():
            continue
        lock_path = folder / STAGING_LOCK
        if not lock_path.is_file():
            age = datetime.now(UTC).timestamp() - folder.stat().st_mtime
            if age < UNLOCKED_GRACE_SECONDS:
                continue
        else:
            with lock_path.open("a") as lock:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # a live run holds it
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (the online backup API)."""
    if not source.is_file():
        raise BackupError(_("数据库文件不存在：%(p)s", p=source))
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.now(UTC).timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def _fsync(path: Path) -> None:
    with path.open("rb") as fh:
        os.fsync(fh.fileno())


def _fsync_directory(path: Path) -> None:
    """Make renames into ``path`` durable (where directories can be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --- restore -----------------------------------------------------------------------------------


def existing_data() -> dict[str, int]:
    """Rows already in the bound database that a restore would overwrite (empty: none)."""
    found = {}
    for label, model in (
        (_("用户"), User),
        (_("单位"), Unit),
        (_("考核周期"), Cycle),
        (_("填报记录"), Submission),
        (_("佐证材料"), Evidence),
    ):
        if model.table_exists():
            count = model.select().count()
            if count:
                found[label] = count
    return found


def restore(
    path: str | Path,
    *,
    instance: str | Path,
    force: bool = False,
    store: EvidenceStore | None = None,
) -> BackupSummary:
    """Restore a backup written by ``backup`` into the bound database and the instance's
    evidence store (``store``: its folder by default, or its S3 bucket).

    Raises BackupError, having changed nothing, when the archive is damaged or foreign,
    comes from another engine or a newer schema, or the database holds data and
    ``force`` is false.
    """
    path = Path(path)
    engine = _engine()
    root = Path(instance)
    store = store or EvidenceStore.in_instance(root)
    root.mkdir(parents=True, exist_ok=True)
    with staging(root, RESTORE_STAGING) as staged:
        manifest, files = _unpack(path, staged, engine)
        if engine == "sqlite":
            _check_sqlite(staged / SQLITE_MEMBER)
        # Held from the reference check until the archived database is in place: a sweep
        # in between reads the old database and could remove a store file it relies on.
        with store.held():
            _check_references(path, _evidence_references(staged, engine), files, store)
            found = existing_data()
            if found and not force:
                what = "，".join(
                    _("%(label)s %(n)s 条", label=label, n=n) for label, n in found.items()
                )
                raise BackupError(
                    _(
                        "当前数据库不是空的（%(what)s），恢复会覆盖这些数据。确认要覆盖，请加 --force 重新运行。",
                        what=what,
                    )
                )
            _place_evidence(staged, files, store)
            database.close()
            if engine == "sqlite":
                _sqlite_replace(staged / SQLITE_MEMBER, _sqlite_path())
            else:
                _run_pg(
                    [
                        _pg_tool("pg_restore"),
                        "--clean",
                        "--if-exists",
                        "--no-owner",
                        "--no-privileges",
                        "--single-transaction",
                        "--exit-on-error",
                        "-d",
                        str(database.obj.database),
                        str(staged / POSTGRES_MEMBER),
                    ]
                )
    database.connect(reuse_if_open=True)
    migrations.upgrade()
    audit.record(
        "backup.restore",
        "instance",
        "",
        after={
            "file": path.name,
            "created_at": manifest["created_at"],
            "schema_version": manifest["schema_version"],
            "evidence_files": len(files),
            "forced": bool(found),
        },
        actor=None,  # only the command line restores, with the server stopped
    )
    return BackupSummary(
        path,
        engine,
        int(manifest["schema_version"]),
        len(files),
        path.stat().st_size,
        manifest["created_at"],
    )


def _damaged(path: Path, why: object) -> BackupError:
    return BackupError(_("备份文件无法使用（%(p)s）：%(why)s", p=path.name, why=why))


def _unpack(path: Path, staged: Path, engine: str) -> tuple[dict, list[str]]:
    """Extract and check every member into ``staged``; return (manifest, evidence names)."""
    files: list[str] = []
    digests: dict[str, str] = {}
    manifest = None
    try:
        with tarfile.open(path, "r:gz") as tar:
            for member in tar:
                name = member.name
                evidence = _EVIDENCE_NAME.match(name)
                known = name in (MANIFEST, SQLITE_MEMBER, POSTGRES_MEMBER) or evidence
                if not known or not member.isfile():
                    raise _damaged(path, _("含有不认识的内容 %(n)s", n=name))
                source = tar.extractfile(member)
                target = staged / name
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = _copy_hashing(source, target)
                digests[name] = digest
                if name == MANIFEST:
                    manifest = json.loads(target.read_text("utf-8"))
                elif evidence:
                    sha, thumb = evidence.group(3), evidence.group(4)
                    prefix_ok = evidence.group(1) + evidence.group(2) == sha[:4]
                    if not prefix_ok or (not thumb and digest != sha):
                        raise _damaged(path, _("佐证材料 %(n)s 内容与其哈希不符", n=sha))
                    files.append(name)
    except (tarfile.TarError, OSError, EOFError, ValueError, UnicodeDecodeError) as exc:
        raise _damaged(path, exc) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _damaged(path, _("不是 assess backup 生成的备份"))
    if manifest.get("engine") != engine:
        raise BackupError(
            _(
                "备份来自 %(a)s 数据库，当前使用 %(b)s，不能直接恢复",
                a=manifest.get("engine"),
                b=engine,
            )
        )
    member = SQLITE_MEMBER if engine == "sqlite" else POSTGRES_MEMBER
    if not (staged / member).is_file():
        raise _damaged(path, _("缺少数据库文件"))
    _check_checksums(path, staged, manifest, digests)
    newest = max((m.version for m in migrations.available()), default=0)
    if int(manifest.get("schema_version", 0)) > newest:
        raise BackupError(
            _(
                "备份来自更新版本的程序（数据库版本 %(v)s，本程序最高 %(n)s），请先升级程序",
                v=manifest.get("schema_version"),
                n=newest,
            )
        )
    return manifest, files


def _check_checksums(path: Path, staged: Path, manifest: dict, digests: dict[str, str]) -> None:
    """Check the dump and each thumbnail against the manifest; raise BackupError if any differs.

    Archives written before the manifest carried checksums can only have their thumbnails
    checked as images.
    """
    checksums = manifest.get("checksums")
    thumbnails = [name for name in digests if name.endswith(".thumb.png")]
    if checksums is None:
        for name in thumbnails:
            if not _is_png(staged / name):
                raise _damaged(path, _("缩略图 %(n)s 不是有效的图片", n=name))
        return
    if not isinstance(checksums, dict):
        raise _damaged(path, _("不是 assess backup 生成的备份"))
    for name in [n for n in digests if n in (SQLITE_MEMBER, POSTGRES_MEMBER)] + thumbnails:
        if checksums.get(name) != digests[name]:
            raise _damaged(path, _("%(n)s 内容与备份清单中的哈希不符", n=name))
    absent = sorted(set(checksums) - set(digests))
    if absent:
        raise _damaged(path, _("缺少备份清单中列出的文件 %(n)s", n=absent[0]))


def _is_png(path: Path) -> bool:
    try:
        with Image.open(path) as image:
            if image.format != "PNG":
                return False
            image.verify()
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError):
        return False
    return True


def _evidence_references(staged: Path, engine: str) -> dict[str, bool]:
    """The archived database's evidence files: {sha256: has a thumbnail}."""
    refs: dict[str, bool] = {}
    if engine == "sqlite":
        conn = sqlite3.connect(staged / SQLITE_MEMBER)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            if "evidence" not in tables:
                return refs
            for sha, thumb in conn.execute("SELECT sha256, has_thumbnail FROM evidence"):
                refs[sha] = refs.get(sha, False) or bool(thumb)
        except sqlite3.Error as exc:
            raise _damaged(staged, exc) from exc
        finally:
            conn.close()
        return refs
    # pg_restore writes a table's rows as COPY text without needing a server.
    text = _run_pg(
        [
            _pg_tool("pg_restore"),
            "--data-only",
            "--table=evidence",
            "-f",
            "-",
            str(staged / POSTGRES_MEMBER),
        ]
    )
    columns: list[str] | None = None
    for line in text.splitlines():
        if columns is None:
            match = re.match(r"COPY \S*evidence \((.*)\) FROM stdin;$", line)
            if match:
                columns = [c.strip().strip('"') for c in match.group(1).split(",")]
            continue
        if line == "\\.":
            break
        row = dict(zip(columns, line.split("\t"), strict=False))
        sha = row.get("sha256", "")
        refs[sha] = refs.get(sha, False) or row.get("has_thumbnail") == "t"
    return refs


def _check_references(
    path: Path, refs: dict[str, bool], files: list[str], store: EvidenceStore
) -> None:
    """Raise BackupError unless every referenced file (and thumbnail) is in the archive or
    already in the store (its folder or its bucket)."""
    missing = _missing_references(refs, files, store)
    if missing:
        raise _damaged(
            path,
            _(
                "数据库引用的 %(n)s 个佐证材料文件不在备份中（如 %(first)s）",
                n=len(missing),
                first=missing[0],
            ),
        )


def _missing_references(
    refs: dict[str, bool], files: list[str], store: EvidenceStore | None
) -> list[str]:
    """The referenced files (and thumbnails) neither among ``files`` nor in ``store``
    (None: ``files`` alone)."""
    archived = set(files)
    missing = []
    for sha, thumb in sorted(refs.items()):
        try:
            wanted = [member_name(sha)] + ([member_name(sha, thumbnail=True)] if thumb else [])
        except ValueError:
            missing.append(sha)
            continue
        for member in wanted:
            name = f"{EVIDENCE}/{member}"
            if name not in archived and (store is None or not store.backend.exists(member)):
                missing.append(name)
    return missing


def _copy_hashing(source, target: Path) -> str:
    digest = hashlib.sha256()
    with target.open("wb") as out:
        for chunk in iter(lambda: source.read(CHUNK), b""):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def _check_sqlite(path: Path) -> None:
    try:
        conn = sqlite3.connect(path)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise _damaged(path, exc) from exc
    if not result or result[0] != "ok":
        raise _damaged(path, result[0] if result else "integrity_check")


def _place_evidence(staged: Path, files: list[str], store: EvidenceStore) -> None:
    """Add staged files to the store (its folder or its bucket); a file already there holds
    the same bytes and is kept."""
    for name in files:
        store.add(name.removeprefix(f"{EVIDENCE}/"), staged / name)


def _sqlite_replace(source: Path, target: Path) -> None:
    """Overwrite the live database with ``source``, page by page (the backup API again)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst)
    except sqlite3.Error as exc:
        raise BackupError(_("写入 SQLite 数据库失败：%(err)s", err=exc)) from exc
    finally:
        dst.close()
        src.close()
