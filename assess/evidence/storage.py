"""The evidence file store (佐证材料存储), shared by self-reports and nominations.

Files are kept by content: ``<root>/ab/cd/<sha256>``, so the same bytes uploaded twice are
stored once and a name can never be guessed from, or collide with, what a user typed. The
type is decided by the bytes (:mod:`assess.evidence.inspection`), never by the file name.
An upload is streamed into ``<root>/tmp`` and only renamed into place once it is complete,
synced and accepted, so a reader never sees a half-written or refused file.

Stored content is never deleted by a request. One file may be named by rows of several
units, and by uploads still in flight (stored, their transaction not yet committed), which
no query can see: a refused upload that removed "its" file when no row named it yet would
delete the file another unit was about to be told is saved. Content goes only in the
sweep (:meth:`EvidenceStore.sweep`, run by ``assess evidence sweep`` and by every backup),
once no committed row names it and no upload has stored it for the grace period. Storing
bytes that are already there restarts their grace, and the sweep's last look and its delete
exclude placing (a lock on the store), so an upload in flight is safe for as long as the
grace lasts: hours, where a request lasts seconds.

Why a sweep with a grace period and not a hold row per upload: a hold protects only if it
is committed before the file is placed and removed after the ``Evidence`` row commits, so
every upload would take two more transactions and a migration, removals would need a
per-hash lock (an advisory lock on PostgreSQL; nothing narrower than the database's one
write lock on SQLite), and the holds of dead workers would still need a sweep. The sweep
needs no schema and works the same on both engines.

No Flask or peewee here: the views check who may upload or download, record the
``Evidence`` row and its audit entry, and call this module for the bytes.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import logging
import os
import re
import tempfile
import time
import unicodedata
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

from flask_babel import gettext as _

from assess.evidence.inspection import (
    KINDS,
    MAX_PIXELS,
    SNIFF_BYTES,
    EvidenceRejected,
    inspect,
    sniff,
    unsupported,
)

log = logging.getLogger(__name__)

CHUNK_BYTES = 64 * 1024
# Keep display names under 255 bytes (the usual file-system limit) with room for the
# " (1)" a browser adds when the user downloads the same name twice.
MAX_NAME_BYTES = 200
FALLBACK_NAME = "文件"
TEMP_PREFIX = "upload-"
THUMBNAIL_SUFFIX = ".thumb.png"
SWEEP_BATCH = 500  # hashes per reference query: well under SQLite's bound-parameter limit
STORE_FOLDER = "evidence"  # inside the instance folder; backups use the same name

_SHA256 = re.compile(r"[0-9a-f]{64}")
# A trailing ".xyz" that looks like an extension, not ".2" in "v1.2" or "。" in prose.
_EXTENSION = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,7}$")
_RESERVED_CHARS = frozenset('<>:"/\\|?*')
_WINDOWS_DEVICES = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"COM{i}" for i in range(1, 10)]
    + [f"LPT{i}" for i in range(1, 10)]
)
_NO_SPACE_ERRNOS = frozenset(
    code for code in (errno.ENOSPC, getattr(errno, "EDQUOT", None)) if code is not None
)


_KNOWN_EXTENSIONS = frozenset(ext for kind in KINDS.values() for ext in kind.extensions)


class StoreUnavailable(Exception):
    """The backend could not be reached or refused a write (an S3 endpoint down, a missing
    bucket, wrong keys): nothing was acknowledged as stored."""


@dataclass(frozen=True)
class StoredFile:
    """A stored evidence file: what the ``Evidence`` row records about it.

    ``original_name`` is the sanitised display name, its extension matching ``kind``;
    ``pages`` is the PDF's page count, 1 for an image, None for DOCX and XLSX (whose page
    count depends on how they are rendered).
    """

    sha256: str
    size: int
    mime: str
    kind: str
    pages: int | None
    original_name: str
    has_thumbnail: bool


@dataclass(frozen=True)
class SweepResult:
    """What a sweep removed: content (a file with its thumbnail counts once), the bytes it
    freed, and upload temp files left by dead workers."""

    removed: int
    freed_bytes: int
    temp_files: int


# --- file names -------------------------------------------------------------------------


def _split_extension(name: str) -> tuple[str, str]:
    match = _EXTENSION.search(name)
    if not match:
        return name, ""
    return name[: match.start()], match.group()


def _join_limited(stem: str, ext: str) -> str:
    """``stem + ext`` cut to MAX_NAME_BYTES of UTF-8, cutting the stem and keeping ``ext``."""
    room = MAX_NAME_BYTES - len(ext.encode("utf-8"))
    # errors="ignore" drops a character split in half by the byte cut.
    stem = stem.encode("utf-8")[:room].decode("utf-8", errors="ignore").rstrip(" .")
    return (stem or FALLBACK_NAME) + ext


def sanitise_filename(name: str | None) -> str:
    """A safe display name for an uploaded file: never empty, Chinese kept.

    Drops any directory part (``../../etc/passwd`` gives ``passwd``), control and invisible
    format characters (a right-to-left override can disguise ``exe.pdf``), characters
    reserved on Windows, leading and trailing dots and spaces; limits the length while
    keeping the extension; falls back to "文件".
    """
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    # Tabs and line breaks become a space before the other control characters go.
    name = re.sub(r"\s+", " ", name)
    name = "".join(
        ch
        for ch in name
        if unicodedata.category(ch) not in {"Cc", "Cf", "Cs"} and ch not in _RESERVED_CHARS
    )
    stem, ext = _split_extension(name.rstrip(" ."))
    stem = stem.strip(" .")
    if stem.split(".")[0].upper() in _WINDOWS_DEVICES:
        stem = "_" + stem
    return _join_limited(stem or FALLBACK_NAME, ext)


def display_name(name: str | None, kind: str) -> str:
    """The sanitised name with an extension that matches ``kind``, so downloads open right.

    A wrong extension of an accepted type is replaced (a JPEG named ``scan.png`` becomes
    ``scan.jpg``); any other is kept and the right one appended (``报告.exe`` → ``报告.exe.pdf``).
    """
    name = sanitise_filename(name)
    stem, ext = _split_extension(name)
    extensions = KINDS[kind].extensions
    if ext.lower() in extensions:
        return name
    if ext.lower() in _KNOWN_EXTENSIONS:
        return _join_limited(stem, extensions[0])
    return _join_limited(name, extensions[0])


def _ascii_fallback(name: str) -> str:
    stem, ext = _split_extension(name)
    stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^A-Za-z0-9._ -]+", "_", stem)
    stem = re.sub(r"_+", "_", stem).strip(" ._")
    return (stem or "evidence") + ext


def download_headers(stored_name: str, mime: str) -> dict[str, str]:
    """Response headers for downloading an evidence file as an attachment.

    ``Content-Disposition`` carries the UTF-8 name (RFC 5987 ``filename*``, for Chinese
    names) and an ASCII ``filename`` for clients that ignore it; ``nosniff`` stops a
    browser from second-guessing the type. A MIME type the store does not issue falls back
    to ``application/octet-stream``.
    """
    name = sanitise_filename(stored_name)
    known = {kind.mime for kind in KINDS.values()}
    return {
        "Content-Type": mime if mime in known else "application/octet-stream",
        "Content-Disposition": (
            f'attachment; filename="{_ascii_fallback(name)}"; '
            f"filename*=UTF-8''{quote(name, safe='')}"
        ),
        "X-Content-Type-Options": "nosniff",
    }


# --- the store ----------------------------------------------------------------------------


def _size_label(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{round(n / (1024 * 1024), 1):g} MB"
    return f"{max(1, round(n / 1024))} KB"


def _write_chunk(fh: BinaryIO, chunk: bytes) -> None:
    """Write one chunk of an upload; its own function so tests can simulate a full disk."""
    fh.write(chunk)


def fsync_directory(path: Path) -> None:
    """Make a rename in ``path`` durable; a no-op where directories cannot be opened."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(
    final: Path, tmp_dir: Path, write: Callable[[BinaryIO], None], suffix: str = ""
) -> None:
    """Write ``final`` through a synced temp file in ``tmp_dir`` (same file system) renamed
    over it, so a reader sees the old file or the whole new one; nothing is left on error."""
    fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=suffix, dir=tmp_dir)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, final)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


class LocalBackend:
    """Evidence bytes in a folder, ``<root>/ab/cd/<sha256>``: the default backend.

    Members are named by their path under the root (``ab/cd/<sha256>``, with
    ``<sha256>.thumb.png`` beside it), the same names the S3 backend uses as keys.
    """

    local = True

    def __init__(self, root: Path, tmp: Path) -> None:
        self.root = Path(root)
        self.tmp = Path(tmp)

    def path(self, member: str) -> Path:
        return self.root / member

    def exists(self, member: str) -> bool:
        return self.path(member).is_file()

    def open(self, member: str) -> BinaryIO:
        return self.path(member).open("rb")

    def place(self, tmp_path: Path, member: str, thumbnail: bytes | None, thumb: str) -> bool:
        """Put an accepted upload under its final name (and its thumbnail beside it), or
        restart the grace of identical bytes already there; return whether a thumbnail is
        stored. What this places is never taken back, even if the upload is refused later:
        an upload of the same bytes may already rely on it."""
        final = self.path(member)
        final.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        thumb_path = self.path(thumb)
        if thumbnail is not None and not thumb_path.is_file():
            self._place_thumbnail(thumbnail, thumb_path)
        if final.is_file():
            # Deduplicated: identical bytes are already stored. Their age is what the
            # sweep reads, so they count as stored now.
            os.utime(final)
            tmp_path.unlink()
        else:
            # Concurrent savers of the same bytes may both get here; each rename is
            # atomic and the contents are identical, so whichever lands last is fine.
            os.replace(tmp_path, final)
            fsync_directory(final.parent)
        return thumb_path.is_file()

    def _place_thumbnail(self, thumbnail: bytes, final: Path) -> None:
        write_atomically(final, self.tmp, lambda fh: _write_chunk(fh, thumbnail), ".png")

    def add(self, member: str, source: Path) -> None:
        """Move a restored file into place unless the member is there (same bytes)."""
        final = self.path(member)
        if final.is_file():
            return
        final.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with source.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(source, final)
        fsync_directory(final.parent)

    def members(self) -> list[tuple[str, float, int]]:
        """Every member as (name, modification time, size), sorted by name."""
        if not self.root.is_dir():
            return []
        found = []
        for path in self.root.glob("??/??/*"):
            try:
                st = path.stat()
            except FileNotFoundError:
                continue  # swept by another run meanwhile
            if path.is_file():
                found.append((path.relative_to(self.root).as_posix(), st.st_mtime, st.st_size))
        return sorted(found)

    def age(self, member: str) -> tuple[float, int] | None:
        """(modification time, size) of one member, or None if absent."""
        try:
            st = self.path(member).stat()
        except FileNotFoundError:
            return None
        return st.st_mtime, st.st_size

    def remove(self, member: str) -> None:
        self.path(member).unlink(missing_ok=True)

    def reachable(self) -> bool:
        return os.access(self.root if self.root.exists() else self.root.parent, os.W_OK)


def member_name(sha256: str, thumbnail: bool = False) -> str:
    """The store's name for a file, ``ab/cd/<sha256>`` (``.thumb.png`` for its thumbnail);
    ValueError unless ``sha256`` is 64 lowercase hex."""
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}" + (THUMBNAIL_SUFFIX if thumbnail else "")


def parse_member(name: str) -> tuple[str, bool] | None:
    """(sha256, is a thumbnail) for a store member's name, None for anything else."""
    parts = name.split("/")
    if len(parts) != 3:
        return None
    sha = parts[2].removesuffix(THUMBNAIL_SUFFIX)
    if not _SHA256.fullmatch(sha) or parts[0] + parts[1] != sha[:4]:
        return None
    return sha, parts[2] != sha


class EvidenceStore:
    """Evidence files (佐证材料) kept by SHA-256, at most ``max_bytes`` each.

    ``root`` is a local folder: the uploads being checked (``tmp``), the lock, and, with the
    default :class:`LocalBackend`, the files themselves. With an S3 backend the bytes live
    in the bucket and only the checking happens here.
    """

    def __init__(
        self, root: Path, max_bytes: int, *, max_pixels: int = MAX_PIXELS, backend=None
    ) -> None:
        self.root = Path(root)
        self.max_bytes = int(max_bytes)
        self.max_pixels = int(max_pixels)
        self.tmp = self.root / "tmp"
        self.backend = backend if backend is not None else LocalBackend(self.root, self.tmp)

    @classmethod
    def in_instance(
        cls, instance: str | Path, max_bytes: int = 0, config: Mapping[str, object] | None = None
    ) -> EvidenceStore:
        """The store of an instance folder (``<instance>/evidence``, or the bucket that
        ``config``'s ``STORAGE_URL`` names); the default ``max_bytes`` of 0 refuses every
        upload (a store only read, backed up or restored)."""
        root = Path(instance) / STORE_FOLDER
        url = str((config or {}).get("STORAGE_URL") or "")
        if url.startswith("s3://"):
            from assess.evidence.s3 import S3Backend

            return cls(root, max_bytes, backend=S3Backend(config))
        if url.startswith("file://"):
            return cls(Path(url.removeprefix("file://")), max_bytes)
        if url:
            raise ValueError(f"STORAGE_URL is neither file:// nor s3://: {url!r}")
        return cls(root, max_bytes)

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> EvidenceStore:
        """The store of an app's config: ``STORAGE_URL``'s (``ASSESS_INSTANCE``'s folder by
        default), taking ``MAX_UPLOAD_MB``."""
        return cls.in_instance(
            str(config["ASSESS_INSTANCE"]),
            int(config["MAX_UPLOAD_MB"]) * 1024 * 1024,
            config=config,
        )

    # -- reading

    def path_for(self, sha256: str) -> Path:
        """Where the file with this hash lives in the local store; ValueError unless it is
        64 lowercase hex."""
        return self.root / member_name(sha256)

    def local_path(self, sha256: str, thumbnail: bool = False) -> Path | None:
        """The file's path when the bytes are on this machine's disk (to send as a file),
        None with a remote backend."""
        if not self.backend.local:
            return None
        return self.backend.path(member_name(sha256, thumbnail))

    def exists(self, sha256: str) -> bool:
        """Whether the file is stored; False (not an error) for a malformed hash."""
        try:
            return self.backend.exists(member_name(sha256))
        except ValueError:
            return False

    def has_thumbnail(self, sha256: str) -> bool:
        """Whether a thumbnail of the file is stored."""
        return self.backend.exists(member_name(sha256, thumbnail=True))

    def open(self, sha256: str) -> BinaryIO:
        """The stored file opened for binary reading; FileNotFoundError if absent."""
        return self.backend.open(member_name(sha256))

    def open_thumbnail(self, sha256: str) -> BinaryIO:
        """The stored PNG thumbnail opened for reading; FileNotFoundError if absent."""
        return self.backend.open(member_name(sha256, thumbnail=True))

    def thumbnail_path(self, sha256: str) -> Path | None:
        """The local PNG thumbnail of a stored image, or None for other kinds (or none made,
        or a remote backend)."""
        thumb = self.local_path(sha256, thumbnail=True)
        return thumb if thumb is not None and thumb.is_file() else None

    def reachable(self) -> bool:
        """Whether the backend answers (the readiness check)."""
        return self.backend.reachable()

    # -- the lock between placing and sweeping

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """While inside, the sweep removes nothing: uploads place their files under this
        hold, and a backup copies the database and the files under it. Holds are shared:
        they never wait for each other, only for the sweep's check and delete of one file.
        """
        with self._lock(fcntl.LOCK_SH):
            yield

    @contextlib.contextmanager
    def _lock(self, mode: int) -> Iterator[None]:
        # flock on the store's own folder: no lock file to be backed up, swept or left
        # behind, released by the kernel when a worker dies. It orders the processes and
        # threads of one host; the grace period covers anything it cannot see (other
        # hosts sharing a bucket).
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.root, os.O_RDONLY)
        try:
            fcntl.flock(fd, mode)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    # -- writing

    def save(self, stream: BinaryIO, filename: str) -> StoredFile:
        """Store an upload and return what to record about it.

        Reads ``stream`` in chunks, never past ``max_bytes + 1``, into a local temp file,
        checked there before the backend sees a byte. Raises EvidenceRejected, with a
        message for the user and nothing stored, when the file is empty, too large, not an
        accepted type, damaged, a bomb, or the disk is full or the backend
        cannot be reached (a thumbnail placed just before
        the disk filled stays, for the sweep: another save may have reported it). Storing
        bytes that are already there keeps the one copy and restarts its grace.
        """
        self.tmp.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=self.tmp)
        tmp_path = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as fh:
                sha256, size, family = self._receive(stream, fh)
            found = inspect(tmp_path, family, self.max_pixels)
            with self.held():
                has_thumbnail = self.backend.place(
                    tmp_path,
                    member_name(sha256),
                    found.thumbnail,
                    member_name(sha256, thumbnail=True),
                )
        except StoreUnavailable as exc:
            self._discard(tmp_path)
            log.error("evidence store unavailable: %r", exc.__cause__ or exc)
            raise EvidenceRejected(_("文件存储暂时无法访问，文件未保存，请稍后重试")) from exc
        except OSError as exc:
            self._discard(tmp_path)
            if exc.errno in _NO_SPACE_ERRNOS:
                raise EvidenceRejected(_("磁盘空间不足，文件未保存")) from exc
            raise
        except BaseException:
            self._discard(tmp_path)
            raise
        return StoredFile(
            sha256=sha256,
            size=size,
            mime=KINDS[found.kind].mime,
            kind=found.kind,
            pages=found.pages,
            original_name=display_name(filename, found.kind),
            has_thumbnail=has_thumbnail,
        )

    def _receive(self, stream: BinaryIO, fh: BinaryIO) -> tuple[str, int, str]:
        """Copy ``stream`` to ``fh``, hashing; return (sha256, size, family) or refuse early."""
        hasher = hashlib.sha256()
        size = 0
        head = b""
        while True:
            # Ask for at most one byte past the limit: enough to know it is exceeded.
            chunk = stream.read(min(CHUNK_BYTES, self.max_bytes + 1 - size))
            if not chunk:
                break
            size += len(chunk)
            if size > self.max_bytes:
                raise EvidenceRejected(
                    _("文件超过 %(limit)s 上限", limit=_size_label(self.max_bytes))
                )
            if len(head) < SNIFF_BYTES:
                head += chunk[: SNIFF_BYTES - len(head)]
                # Refuse an executable at its first bytes instead of copying all of it.
                if len(head) == SNIFF_BYTES and sniff(head) is None:
                    raise unsupported()
            hasher.update(chunk)
            _write_chunk(fh, chunk)
        if size == 0:
            raise EvidenceRejected(_("文件为空"))
        family = sniff(head)
        if family is None:
            raise unsupported()
        fh.flush()
        os.fsync(fh.fileno())
        return hasher.hexdigest(), size, family

    @staticmethod
    def _discard(tmp_path: Path) -> None:
        """Remove an upload's own temp file; never a file under a final name."""
        try:
            tmp_path.unlink(missing_ok=True)
        except OSError as exc:  # never hide the original error behind this one
            log.warning("could not remove %s: %r", tmp_path, exc)

    def clean_temp(self, older_than_seconds: float = 24 * 3600) -> int:
        """Remove upload temp files a crashed worker left behind; return how many."""
        if not self.tmp.is_dir():
            return 0
        cutoff = time.time() - older_than_seconds
        removed = 0
        for path in self.tmp.glob(TEMP_PREFIX + "*"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue  # another worker removed it first
        return removed

    # -- sweeping

    def sweep(
        self,
        referenced: Callable[[Collection[str]], set[str]],
        older_than_seconds: float,
    ) -> SweepResult:
        """Remove the content no row names that was last stored more than
        ``older_than_seconds`` ago (its file and thumbnail together), and upload temp files
        as old; return what went.

        ``referenced(hashes)`` answers which of ``hashes`` a committed row names. It is asked
        once for every old hash, then, under the lock that excludes placing, the age of each
        unnamed one is read again (a file's modification time, an object's LastModified)
        and, if still old, it is asked again for that hash alone. Content placed or stored
        again after the first look is young at the second and stays.
        """
        cutoff = time.time() - older_than_seconds
        old = [sha for sha, newest in self._contents() if newest < cutoff]
        named: set[str] = set()
        for start in range(0, len(old), SWEEP_BATCH):
            named |= referenced(old[start : start + SWEEP_BATCH])
        removed = freed = 0
        for sha in old:
            if sha in named:
                continue
            members = (member_name(sha), member_name(sha, thumbnail=True))
            with self._lock(fcntl.LOCK_EX):
                ages = {m: a for m in members if (a := self.backend.age(m)) is not None}
                if not ages or max(t for t, _s in ages.values()) >= cutoff or referenced([sha]):
                    continue
                for member, (_when, size) in ages.items():
                    self.backend.remove(member)
                    freed += size
            removed += 1
            log.info("evidence sweep removed %s", sha)
        return SweepResult(removed, freed, self.clean_temp(older_than_seconds))

    def _contents(self) -> list[tuple[str, float]]:
        """Every stored hash (a file, a thumbnail or both) with its newest modification time."""
        newest: dict[str, float] = {}
        for name, mtime, _size in self.backend.members():
            parsed = parse_member(name)
            if parsed is None:
                continue  # not the store's: never touched
            sha = parsed[0]
            newest[sha] = max(mtime, newest.get(sha, mtime))
        return sorted(newest.items())

    def files(self) -> list[str]:
        """Every stored member's name (``ab/cd/<sha256>``, thumbnails too), for backups."""
        return [name for name, _m, _s in self.backend.members() if parse_member(name)]

    def add(self, member: str, source: Path) -> None:
        """Add a restored file under its member name unless it is there."""
        self.backend.add(member, source)
