"""The evidence file store (佐证材料存储), shared by self-reports and nominations.

Files are kept by content: ``<root>/ab/cd/<sha256>``, so the same bytes uploaded twice are
stored once and a name can never be guessed from, or collide with, what a user typed. The
type is decided by the bytes (:mod:`assess.evidence.inspection`), never by the file name.
An upload is streamed into ``<root>/tmp`` and only renamed into place once it is complete,
synced and accepted, so a reader never sees a half-written or refused file.

No Flask or peewee here: the views check who may upload or download, record the
``Evidence`` row and its audit entry, and call this module for the bytes.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import re
import tempfile
import time
import unicodedata
from collections.abc import Mapping
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


def _fsync_directory(path: Path) -> None:
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


class EvidenceStore:
    """Evidence files (佐证材料) kept by SHA-256 under ``root``, at most ``max_bytes`` each."""

    def __init__(self, root: Path, max_bytes: int, *, max_pixels: int = MAX_PIXELS) -> None:
        self.root = Path(root)
        self.max_bytes = int(max_bytes)
        self.max_pixels = int(max_pixels)
        self.tmp = self.root / "tmp"

    @classmethod
    def in_instance(cls, instance: str | Path, max_bytes: int = 0) -> EvidenceStore:
        """The store of an instance folder, ``<instance>/evidence``; the default
        ``max_bytes`` of 0 refuses every upload (a store only read, backed up or restored)."""
        return cls(Path(instance) / STORE_FOLDER, max_bytes)

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> EvidenceStore:
        """The store of an app's config: ``ASSESS_INSTANCE``'s, taking ``MAX_UPLOAD_MB``."""
        return cls.in_instance(
            str(config["ASSESS_INSTANCE"]), int(config["MAX_UPLOAD_MB"]) * 1024 * 1024
        )

    # -- reading

    def path_for(self, sha256: str) -> Path:
        """Where the file with this hash lives; ValueError unless it is 64 lowercase hex."""
        if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        """Whether the file is stored; False (not an error) for a malformed hash."""
        try:
            return self.path_for(sha256).is_file()
        except ValueError:
            return False

    def open(self, sha256: str) -> BinaryIO:
        """The stored file opened for binary reading; FileNotFoundError if absent."""
        return self.path_for(sha256).open("rb")

    def thumbnail_path(self, sha256: str) -> Path | None:
        """The PNG thumbnail of a stored image, or None for other kinds (or none made)."""
        path = self.path_for(sha256)
        thumb = path.with_name(sha256 + ".thumb.png")
        return thumb if thumb.is_file() else None

    def remove(self, sha256: str) -> None:
        """Delete a stored file and its thumbnail; the caller has checked that no record
        refers to them."""
        path = self.path_for(sha256)
        path.unlink(missing_ok=True)
        path.with_name(sha256 + ".thumb.png").unlink(missing_ok=True)

    # -- writing

    def save(self, stream: BinaryIO, filename: str) -> StoredFile:
        """Store an upload and return what to record about it.

        Reads ``stream`` in chunks, never past ``max_bytes + 1``. Raises EvidenceRejected,
        with a message for the user and nothing stored, when the file is empty, too large,
        not an accepted type, damaged, a bomb, or the disk is full. Storing bytes that are
        already there keeps the one copy.
        """
        self.tmp.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=self.tmp)
        tmp_path = Path(tmp_name)
        created: list[Path] = []
        try:
            with os.fdopen(fd, "wb") as fh:
                sha256, size, family = self._receive(stream, fh)
            found = inspect(tmp_path, family, self.max_pixels)
            final = self.path_for(sha256)
            final.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if found.thumbnail is not None:
                thumb = final.with_name(sha256 + ".thumb.png")
                if not thumb.is_file():
                    self._place_thumbnail(found.thumbnail, thumb)
                    created.append(thumb)
            if final.is_file():
                tmp_path.unlink()  # deduplicated: identical bytes are already stored
            else:
                # Concurrent savers of the same bytes may both get here; each rename is
                # atomic and the contents are identical, so whichever lands last is fine.
                os.replace(tmp_path, final)
                _fsync_directory(final.parent)
        except OSError as exc:
            self._discard(tmp_path, created)
            if exc.errno in _NO_SPACE_ERRNOS:
                raise EvidenceRejected(_("磁盘空间不足，文件未保存")) from exc
            raise
        except BaseException:
            self._discard(tmp_path, created)
            raise
        return StoredFile(
            sha256=sha256,
            size=size,
            mime=KINDS[found.kind].mime,
            kind=found.kind,
            pages=found.pages,
            original_name=display_name(filename, found.kind),
            has_thumbnail=self.thumbnail_path(sha256) is not None,
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

    def _place_thumbnail(self, thumbnail: bytes, final: Path) -> None:
        fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".png", dir=self.tmp)
        try:
            with os.fdopen(fd, "wb") as fh:
                _write_chunk(fh, thumbnail)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp_name, final)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise

    @staticmethod
    def _discard(tmp_path: Path, created: list[Path]) -> None:
        for path in [tmp_path, *created]:
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:  # never hide the original error behind this one
                log.warning("could not remove %s: %r", path, exc)

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
