"""The evidence file store (佐证材料存储), shared by self-reports and nominations.

Files are kept by content: ``<root>/ab/cd/<sha256>``, so the same bytes uploaded twice are
stored once and a name can never be guessed from, or collide with, what a user typed. The
type is decided by the bytes (magic numbers, then a full parse), never by the file name.
An upload is streamed into ``<root>/tmp`` and only renamed into place once it is complete,
synced and accepted, so a reader never sees a half-written or refused file.

No Flask or peewee here: the views check who may upload or download, record the
``Evidence`` row and its audit entry, and call this module for the bytes.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import logging
import os
import re
import struct
import tempfile
import time
import unicodedata
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

from flask_babel import gettext as _
from PIL import Image, ImageOps
from pypdf import PdfReader

log = logging.getLogger(__name__)

CHUNK_BYTES = 64 * 1024
THUMBNAIL_PX = 240
# A 50-megapixel photo decodes to ~200 MB of RGBA; anything larger in a few MB of upload is
# far more likely a decompression bomb than a scan of a document.
MAX_PIXELS = 50_000_000
# Zip-bomb limits for DOCX/XLSX. Real office files expand 2-20 times; the ratio rule only
# applies past RATIO_FLOOR_BYTES because a small, very repetitive file is harmless.
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_ZIP_RATIO = 100
RATIO_FLOOR_BYTES = 1024 * 1024
MAX_ZIP_ENTRIES = 10_000
# Acrobat's rule: "%%EOF" must appear in the last 1024 bytes. Stops PDF+payload polyglots.
PDF_EOF_WINDOW = 1024
# Keep display names under 255 bytes (the usual file-system limit) with room for the
# " (1)" a browser adds when the user downloads the same name twice.
MAX_NAME_BYTES = 200
FALLBACK_NAME = "文件"
TEMP_PREFIX = "upload-"

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


@dataclass(frozen=True)
class Kind:
    """One accepted evidence type: its MIME type, file-name extensions and label."""

    mime: str
    extensions: tuple[str, ...]
    label: str


KINDS: dict[str, Kind] = {
    "pdf": Kind("application/pdf", (".pdf",), "PDF"),
    "jpeg": Kind("image/jpeg", (".jpg", ".jpeg", ".jpe"), "JPEG"),
    "png": Kind("image/png", (".png",), "PNG"),
    "docx": Kind(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (".docx",),
        "DOCX",
    ),
    "xlsx": Kind(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (".xlsx",),
        "XLSX",
    ),
}
_KNOWN_EXTENSIONS = frozenset(ext for kind in KINDS.values() for ext in kind.extensions)


class EvidenceRejected(ValueError):
    """An upload that was refused and not stored; the message is for the user."""


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


# --- recognising content ----------------------------------------------------------------

SNIFF_BYTES = 8


def _sniff(head: bytes) -> str | None:
    """The family the first bytes announce ('pdf', 'jpeg', 'png', 'zip') or None."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    return None


def _size_label(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{round(n / (1024 * 1024), 1):g} MB"
    return f"{max(1, round(n / 1024))} KB"


def _damaged(label: str) -> EvidenceRejected:
    return EvidenceRejected(_("文件已损坏或内容与 %(k)s 格式不符，无法读取", k=label))


def _polyglot() -> EvidenceRejected:
    return EvidenceRejected(_("文件同时包含多种格式的数据，已拒绝"))


def _unsupported() -> EvidenceRejected:
    return EvidenceRejected(_("不支持的文件类型：仅接受 PDF、JPEG、PNG、DOCX、XLSX"))


@dataclass
class _Inspection:
    kind: str
    pages: int | None = None
    thumbnail: bytes | None = None  # PNG


def _opens_as_zip(path: Path) -> bool:
    """Whether a ZIP reader would list entries in ``path``.

    Not ``zipfile.is_zipfile``: that only looks for the 4-byte end-record signature, which
    turns up by chance in roughly one binary PDF in 65,000.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            return bool(archive.infolist())
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, struct.error):
        return False


def _inspect_pdf(path: Path) -> _Inspection:
    """Refuse anything that is not a whole, readable, unencrypted PDF; count its pages."""
    # A valid PDF with an archive appended would still parse; refuse the polyglot.
    if _opens_as_zip(path):
        raise _polyglot()
    with path.open("rb") as fh:
        fh.seek(0, os.SEEK_END)
        fh.seek(max(0, fh.tell() - PDF_EOF_WINDOW))
        if b"%%EOF" not in fh.read():  # truncated, or something else appended
            raise _damaged("PDF")
    try:
        with path.open("rb") as fh:
            reader = PdfReader(fh, strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                raise EvidenceRejected(_("PDF 文件已加密，请上传未加密的版本"))
            pages = len(reader.pages)
    except EvidenceRejected:
        raise
    except Exception as exc:
        # pypdf raises a wide range of errors on hostile input; any of them means the
        # file is not a PDF we can show an inspector.
        log.info("refused PDF %s: %r", path.name, exc)
        raise _damaged("PDF") from exc
    if pages < 1:
        raise _damaged("PDF")
    return _Inspection("pdf", pages=pages)


def _thumbnail(img: Image.Image) -> bytes | None:
    """A PNG of at most THUMBNAIL_PX a side of a decoded image, or None if Pillow cannot
    make one. Encoded in memory (it is small) so only disk errors can happen on writing."""
    try:
        thumb = ImageOps.exif_transpose(img)  # phone photos keep their rotation in EXIF
        thumb.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
        if thumb.mode not in {"1", "L", "LA", "P", "RGB", "RGBA"}:
            transparent = "A" in thumb.mode or "transparency" in thumb.info
            thumb = thumb.convert("RGBA" if transparent else "RGB")
        out = io.BytesIO()
        thumb.save(out, format="PNG", optimize=True)
        return out.getvalue()
    except (OSError, ValueError, SyntaxError, struct.error) as exc:
        # The image itself decoded, so it is acceptable evidence; it just gets an icon.
        log.warning("no thumbnail: %r", exc)
        return None


# JPEG ends with the EOI marker; PNG with the IEND chunk and its fixed CRC.
_IMAGE_ENDS = {"jpeg": b"\xff\xd9", "png": b"IEND\xaeB`\x82"}


def _has_image_end(path: Path, kind: str) -> bool:
    """True when the file's last bytes hold the format's end marker (some cameras pad a
    JPEG after its EOI, so the marker may sit shortly before the end)."""
    size = path.stat().st_size
    with path.open("rb") as f:
        f.seek(max(0, size - 4096))
        tail = f.read()
    marker = _IMAGE_ENDS[kind]
    return tail.endswith(marker) if kind == "png" else marker in tail


def _inspect_image(path: Path, kind: str, max_pixels: int) -> _Inspection:
    """Refuse an image that does not fully decode or is a decompression bomb."""
    pillow_format = {"jpeg": "JPEG", "png": "PNG"}[kind]
    too_big = EvidenceRejected(
        _("图片像素过多（上限 %(n)s 万像素），请缩小后再上传", n=max_pixels // 10_000)
    )
    try:
        # WeasyPrint sets Pillow's global LOAD_TRUNCATED_IMAGES when it is imported, which
        # would let a cut-off image decode; the format's end marker is checked here instead.
        # An image with an archive appended still decodes; refuse it as for PDFs.
        if _opens_as_zip(path):
            raise _polyglot()
        if not _has_image_end(path, kind):
            raise _damaged(KINDS[kind].label)
        # Opening reads only the header, so the size is checked before anything is decoded.
        with Image.open(path, formats=[pillow_format]) as img:
            if img.width * img.height > max_pixels:
                raise too_big
            img.verify()
        with Image.open(path, formats=[pillow_format]) as img:
            # JPEG can decode at 1/2..1/8 scale: the whole stream is still checked, in a
            # fraction of the memory. Other formats ignore the hint.
            img.draft("RGB", (THUMBNAIL_PX, THUMBNAIL_PX))
            img.load()
            return _Inspection(kind, pages=1, thumbnail=_thumbnail(img))
    except EvidenceRejected:
        raise
    except Image.DecompressionBombError as exc:
        raise too_big from exc
    except (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error) as exc:
        log.info("refused %s %s: %r", kind, path.name, exc)
        raise _damaged(KINDS[kind].label) from exc


def _unsafe_member(name: str) -> bool:
    parts = re.split(r"[/\\]", name)
    return (
        name.startswith(("/", "\\"))
        or re.match(r"[A-Za-z]:", name) is not None
        or ".." in parts
        or "\x00" in name
    )


def _check_zip_limits(infos: list[zipfile.ZipInfo]) -> None:
    bomb = EvidenceRejected(_("压缩文档解压后过大或压缩比异常，已拒绝"))
    if len(infos) > MAX_ZIP_ENTRIES:
        raise bomb
    if any(_unsafe_member(info.filename) for info in infos):
        raise EvidenceRejected(_("文档内含不安全的路径，已拒绝"))
    unzipped = sum(info.file_size for info in infos)
    zipped = sum(info.compress_size for info in infos)
    if unzipped > MAX_UNZIPPED_BYTES:
        raise bomb
    if unzipped > RATIO_FLOOR_BYTES and unzipped > MAX_ZIP_RATIO * max(zipped, 1):
        raise bomb


def _inspect_office(path: Path) -> _Inspection:
    """Tell DOCX from XLSX by their parts; refuse bombs, unsafe paths, macros and damage."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            # The sizes come from the central directory; zipfile never inflates an entry
            # past its declared size, so checking them bounds the work below.
            _check_zip_limits(infos)
            names = {info.filename for info in infos}
            if len(names) != len(infos):
                # Two entries with one name: readers disagree on which is "the" document.
                raise _damaged("DOCX/XLSX")
            is_docx = "word/document.xml" in names
            is_xlsx = "xl/workbook.xml" in names
            if "[Content_Types].xml" not in names or is_docx == is_xlsx:
                raise _unsupported()
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                raise EvidenceRejected(_("不接受含宏的文档，请另存为 DOCX 或 XLSX 后上传"))
            # Inflate every entry (checking its CRC) so a damaged file is refused now, not
            # when an inspector opens it.
            for info in infos:
                with archive.open(info) as member:
                    while member.read(CHUNK_BYTES):
                        pass
    except EvidenceRejected:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        EOFError,
        RuntimeError,  # encrypted entries
        NotImplementedError,  # compression methods zipfile lacks
        ValueError,
        struct.error,
        zlib.error,
    ) as exc:
        log.info("refused archive %s: %r", path.name, exc)
        raise _damaged("DOCX/XLSX") from exc
    return _Inspection("docx" if is_docx else "xlsx")


def _inspect(path: Path, family: str, max_pixels: int) -> _Inspection:
    if family == "pdf":
        return _inspect_pdf(path)
    if family in {"jpeg", "png"}:
        return _inspect_image(path, family, max_pixels)
    return _inspect_office(path)


# --- the store ----------------------------------------------------------------------------


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
    def from_config(cls, config: Mapping[str, object]) -> EvidenceStore:
        """The store of an app's config: ``<ASSESS_INSTANCE>/evidence``, ``MAX_UPLOAD_MB``."""
        root = Path(str(config["ASSESS_INSTANCE"])) / "evidence"
        return cls(root, int(config["MAX_UPLOAD_MB"]) * 1024 * 1024)

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
            found = _inspect(tmp_path, family, self.max_pixels)
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
                if len(head) == SNIFF_BYTES and _sniff(head) is None:
                    raise _unsupported()
            hasher.update(chunk)
            _write_chunk(fh, chunk)
        if size == 0:
            raise EvidenceRejected(_("文件为空"))
        family = _sniff(head)
        if family is None:
            raise _unsupported()
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
