"""Content inspection of evidence uploads (佐证材料内容检查): what the bytes are, decided by
magic numbers and then a full parse, never by the file name.

A PDF must be whole, readable and unencrypted; an image must decode completely and not be
a decompression bomb (and gets a thumbnail); a DOCX or XLSX must be a sound archive
without bombs, unsafe paths or macros; a file that is two formats at once is refused.
:mod:`assess.evidence.storage` calls :func:`sniff` on an upload's first bytes and
:func:`inspect` on the received file before keeping it.
"""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import struct
import subprocess
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _
from PIL import Image, ImageOps
from pypdf import PdfReader

log = logging.getLogger(__name__)

THUMBNAIL_PX = 240
# Drawing one page of a sound PDF takes well under a second; a hostile one is cut short.
PDF_PREVIEW_SECONDS = 10
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
INFLATE_CHUNK_BYTES = 64 * 1024


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


class EvidenceRejected(ValueError):
    """An upload that was refused and not stored; the message is for the user."""


SNIFF_BYTES = 8


def sniff(head: bytes) -> str | None:
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


def _damaged(label: str) -> EvidenceRejected:
    return EvidenceRejected(_("文件已损坏或内容与 %(k)s 格式不符，无法读取", k=label))


def _polyglot() -> EvidenceRejected:
    return EvidenceRejected(_("文件同时包含多种格式的数据，已拒绝"))


def unsupported() -> EvidenceRejected:
    return EvidenceRejected(_("不支持的文件类型：仅接受 PDF、JPEG、PNG、DOCX、XLSX"))


@dataclass
class Inspection:
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


def _inspect_pdf(path: Path) -> Inspection:
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
    return Inspection("pdf", pages=pages, thumbnail=_pdf_first_page(path))


def _pdf_first_page(path: Path) -> bytes | None:
    """A PNG thumbnail of the PDF's first page, drawn by poppler's ``pdftoppm`` (a Debian
    package Assess installs already), or None when it is missing, fails or takes too long:
    the file is still good evidence, shown with an icon instead of its first page."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        return None
    try:
        done = subprocess.run(
            [pdftoppm, "-png", "-f", "1", "-l", "1", "-singlefile"]
            + ["-scale-to", str(THUMBNAIL_PX * 2), str(path)],
            capture_output=True,
            timeout=PDF_PREVIEW_SECONDS,
            check=True,
            stdin=subprocess.DEVNULL,
        )
        with Image.open(io.BytesIO(done.stdout), formats=["PNG"]) as page:
            page.load()
            return _thumbnail(page)
    except (OSError, ValueError, subprocess.SubprocessError, Image.DecompressionBombError) as exc:
        log.warning("no first-page preview of %s: %r", path.name, exc)
        return None


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


def _inspect_image(path: Path, kind: str, max_pixels: int) -> Inspection:
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
            return Inspection(kind, pages=1, thumbnail=_thumbnail(img))
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


def _inspect_office(path: Path) -> Inspection:
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
                raise unsupported()
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                raise EvidenceRejected(_("不接受含宏的文档，请另存为 DOCX 或 XLSX 后上传"))
            # Inflate every entry (checking its CRC) so a damaged file is refused now, not
            # when an inspector opens it.
            for info in infos:
                with archive.open(info) as member:
                    while member.read(INFLATE_CHUNK_BYTES):
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
    return Inspection("docx" if is_docx else "xlsx")


def inspect(path: Path, family: str, max_pixels: int) -> Inspection:
    if family == "pdf":
        return _inspect_pdf(path)
    if family in {"jpeg", "png"}:
        return _inspect_image(path, family, max_pixels)
    return _inspect_office(path)
