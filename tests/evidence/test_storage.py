"""The evidence file store (assess.storage): what is accepted, what is refused, and that a
refusal leaves nothing behind. Every fixture file is built here; none is committed."""

from __future__ import annotations

import errno
import hashlib
import io
import os
import struct
import time
import warnings
import zipfile
import zlib

import openpyxl
import pytest
from PIL import Image
from pypdf import PdfWriter

from assess.evidence import inspection, storage
from assess.evidence.storage import (
    CHUNK_BYTES,
    EvidenceRejected,
    EvidenceStore,
    StoredFile,
    display_name,
    download_headers,
    sanitise_filename,
)

pytestmark = pytest.mark.pure

MAX_BYTES = 2 * 1024 * 1024
UNSUPPORTED = "不支持的文件类型：仅接受 PDF、JPEG、PNG、DOCX、XLSX"


@pytest.fixture
def store(tmp_path):
    return EvidenceStore(tmp_path / "evidence", MAX_BYTES)


def files_under(root):
    """Every file below ``root`` (temp files included), relative, sorted."""
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


# --- fixture builders -------------------------------------------------------------------


def make_pdf(pages=1):
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def hand_written_pdf(comment=b""):
    """A one-page PDF written out by hand, byte offsets computed, no library involved."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = bytearray(b"%PDF-1.4\n" + comment)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def make_image(fmt, size=(640, 480), mode="RGB"):
    out = io.BytesIO()
    Image.new(mode, size, "#3a7bd5").save(out, format=fmt)
    return out.getvalue()


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
)


def make_zip(entries, compression=zipfile.ZIP_DEFLATED):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def make_docx(extra=None):
    entries = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": "<Relationships/>",
        "word/document.xml": "<w:document><w:body><w:p>佐证材料</w:p></w:body></w:document>",
    }
    entries.update(extra or {})
    return make_zip(entries)


def make_xlsx():
    workbook = openpyxl.Workbook()
    workbook.active.append(["指标", "分子", "分母"])
    workbook.active.append(["A1", 95, 100])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def png_with_size(width, height):
    """A small, valid PNG whose header claims ``width`` x ``height`` (a decompression bomb)."""
    data = bytearray(make_image("PNG", size=(8, 8)))
    # IHDR data starts at byte 16 (8 signature + 4 length + 4 type); its CRC follows 13 bytes.
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


class CountingStream:
    """An endless-looking upload made on the fly, counting how many bytes were asked for."""

    def __init__(self, total, head=b"%PDF-1.7\n"):
        self.remaining = total
        self.head = head
        self.read_bytes = 0

    def read(self, size=-1):
        if size < 0:
            size = self.remaining
        size = min(size, self.remaining)
        chunk = (self.head + b"\0" * size)[:size]
        self.head = self.head[len(chunk) :]
        self.remaining -= size
        self.read_bytes += size
        return chunk


# --- accepted types ---------------------------------------------------------------------

ACCEPTED = [
    # builder, filename, kind, mime, pages, thumbnail, expected display name
    (
        lambda: make_pdf(3),
        "年度工作总结.pdf",
        "pdf",
        "application/pdf",
        3,
        True,  # its first page, drawn by poppler
        "年度工作总结.pdf",
    ),
    (hand_written_pdf, "会议纪要.PDF", "pdf", "application/pdf", 1, True, "会议纪要.PDF"),
    (lambda: make_image("JPEG"), "现场照片.jpg", "jpeg", "image/jpeg", 1, True, "现场照片.jpg"),
    (lambda: make_image("PNG"), "截图.png", "png", "image/png", 1, True, "截图.png"),
    (
        lambda: make_image("PNG", mode="RGBA"),
        "透明.png",
        "png",
        "image/png",
        1,
        True,
        "透明.png",
    ),
    (
        make_docx,
        "工作方案.docx",
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        None,
        False,
        "工作方案.docx",
    ),
    (
        make_xlsx,
        "汇总表.xlsx",
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        None,
        False,
        "汇总表.xlsx",
    ),
]


@pytest.mark.parametrize(("build", "filename", "kind", "mime", "pages", "thumb", "name"), ACCEPTED)
def test_accepted_types_are_stored_by_hash_with_their_metadata(
    store, build, filename, kind, mime, pages, thumb, name
):
    data = build()
    stored = store.save(io.BytesIO(data), filename)

    sha = hashlib.sha256(data).hexdigest()
    assert stored == StoredFile(sha, len(data), mime, kind, pages, name, thumb)
    path = store.path_for(sha)
    assert path == store.root / sha[:2] / sha[2:4] / sha
    assert path.read_bytes() == data
    assert store.exists(sha)
    with store.open(sha) as fh:
        assert fh.read() == data
    assert files_under(store.root / "tmp") == []


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_image_thumbnail_is_a_small_png_beside_the_file(store, fmt):
    stored = store.save(io.BytesIO(make_image(fmt, size=(1200, 600))), "photo")

    thumb = store.thumbnail_path(stored.sha256)
    assert thumb == store.path_for(stored.sha256).with_name(stored.sha256 + ".thumb.png")
    with Image.open(thumb) as img:
        assert img.format == "PNG"
        assert img.size == (240, 120)


def test_a_pdf_thumbnail_is_its_first_page(store):
    stored = store.save(io.BytesIO(make_pdf(3)), "a.pdf")
    with Image.open(store.thumbnail_path(stored.sha256)) as img:
        assert img.format == "PNG" and max(img.size) == 240


def test_a_pdf_poppler_cannot_draw_is_kept_without_a_thumbnail(store, monkeypatch):
    monkeypatch.setattr(inspection.shutil, "which", lambda name: None)
    stored = store.save(io.BytesIO(make_pdf()), "a.pdf")
    assert stored.pages == 1 and not stored.has_thumbnail
    assert store.thumbnail_path(stored.sha256) is None


def test_office_documents_have_no_thumbnail(store):
    stored = store.save(io.BytesIO(make_docx()), "a.docx")
    assert store.thumbnail_path(stored.sha256) is None


def test_type_comes_from_content_and_the_display_name_is_made_to_match(store):
    jpeg = store.save(io.BytesIO(make_image("JPEG")), "扫描件.png")
    pdf = store.save(io.BytesIO(make_pdf()), "报告.exe")
    xlsx = store.save(io.BytesIO(make_xlsx()), "台账")

    assert (jpeg.kind, jpeg.original_name) == ("jpeg", "扫描件.jpg")
    assert (pdf.kind, pdf.original_name) == ("pdf", "报告.exe.pdf")
    assert (xlsx.kind, xlsx.original_name) == ("xlsx", "台账.xlsx")


# --- deduplication and concurrency ------------------------------------------------------


def test_same_bytes_twice_are_stored_once(store):
    data = make_image("PNG")
    first = store.save(io.BytesIO(data), "第一次.png")
    second = store.save(io.BytesIO(data), "第二次.png")

    assert first.sha256 == second.sha256
    assert (first.original_name, second.original_name) == ("第一次.png", "第二次.png")
    sha = first.sha256
    assert files_under(store.root) == [
        f"{sha[:2]}/{sha[2:4]}/{sha}",
        f"{sha[:2]}/{sha[2:4]}/{sha}.thumb.png",
    ]


# --- refusals ---------------------------------------------------------------------------

REFUSED = {
    "renamed exe": (b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * 4000, "年度报告.pdf"),
    "svg with script": (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
        b"<script>alert(document.cookie)</script></svg>",
        "photo.png",
    ),
    "html": (b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", "a.pdf"),
    "plain text": ("这是一段文字，不是佐证材料。".encode(), "说明.docx"),
    "gif": (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "a.png"),
    "shorter than a signature": (b"%PD", "a.pdf"),
    "plain zip": (make_zip({"readme.txt": "hello"}), "a.docx"),
    "zip without content types": (make_zip({"word/document.xml": "<w:document/>"}), "a.docx"),
    "docm with macros": (make_docx({"word/vbaProject.bin": b"\0" * 64}), "a.docx"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_other_content_is_refused_whatever_its_name(store, case):
    data, filename = REFUSED[case]
    with pytest.raises(EvidenceRejected) as caught:
        store.save(io.BytesIO(data), filename)
    if case != "docm with macros":
        assert str(caught.value) == UNSUPPORTED
    assert files_under(store.root) == []


def test_zero_bytes_is_refused(store):
    with pytest.raises(EvidenceRejected, match="^文件为空$"):
        store.save(io.BytesIO(b""), "空文件.pdf")
    assert files_under(store.root) == []


def test_rejection_is_a_value_error_with_a_message_for_the_user():
    assert issubclass(EvidenceRejected, ValueError)


def test_executable_is_refused_after_its_first_chunk(store):
    stream = CountingStream(10 * MAX_BYTES, head=b"MZ\x90\x00\x03\x00\x00\x00")
    with pytest.raises(EvidenceRejected, match=UNSUPPORTED):
        store.save(stream, "setup.pdf")
    assert stream.read_bytes <= CHUNK_BYTES


ZIP_PAYLOAD = make_zip({"payload.txt": "x" * 2000, "run.exe": b"MZ" + b"\0" * 2000})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.4\n" + ZIP_PAYLOAD, "文件同时包含多种格式的数据"),
        (b"%PDF-1.7\nMZ\x90\x00" + b"\0" * 2000 + b"%%EOF\n", "无法读取"),
        (b"%PDF-1.7\n" + b"MZ\x90\x00" * 1000, "无法读取"),
        (b"%PDF-1.5\n%%EOF\n", "无法读取"),
        # Valid PDF, archive appended: a reader would show the PDF, an unzipper the payload.
        (make_pdf() + ZIP_PAYLOAD, "文件同时包含多种格式的数据"),
        (make_pdf() + make_zip({"a.txt": "x"}), "文件同时包含多种格式的数据"),
    ],
    ids=[
        "header+zip",
        "header+exe",
        "header+exe no eof",
        "header only",
        "pdf+zip",
        "pdf+small zip",
    ],
)
def test_pdf_polyglots_are_refused(store, data, message):
    with pytest.raises(EvidenceRejected, match=message):
        store.save(io.BytesIO(data), "a.pdf")
    assert files_under(store.root) == []


def test_pdf_that_merely_contains_a_zip_signature_is_accepted(store):
    # Binary PDF streams hit the 4-byte end-of-archive signature by chance now and then.
    data = hand_written_pdf(comment=b"%PK\x05\x06" + b"\x07" * 18 + b"\n")
    assert zipfile.is_zipfile(io.BytesIO(data))  # the naive check would refuse it
    assert store.save(io.BytesIO(data), "a.pdf").pages == 1


def test_truncated_pdf_is_refused_as_damaged(store):
    data = make_pdf(2)
    with pytest.raises(EvidenceRejected, match="^文件已损坏或内容与 PDF 格式不符，无法读取$"):
        store.save(io.BytesIO(data[: len(data) - 40]), "a.pdf")
    assert files_under(store.root) == []


def test_encrypted_pdf_is_refused(store):
    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    writer.encrypt(user_password="secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(EvidenceRejected, match="已加密"):
        store.save(io.BytesIO(out.getvalue()), "a.pdf")


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_truncated_image_is_refused(store, fmt):
    data = make_image(fmt, size=(400, 400))
    with pytest.raises(EvidenceRejected, match="文件已损坏"):
        store.save(io.BytesIO(data[: len(data) // 2]), "a.jpg")
    assert files_under(store.root) == []


def test_decompression_bomb_png_is_refused_before_decoding(store):
    bomb = png_with_size(100_000, 100_000)  # 10 gigapixels claimed in a few hundred bytes
    assert len(bomb) < 1000
    with pytest.raises(EvidenceRejected, match="图片像素过多"):
        store.save(io.BytesIO(bomb), "bomb.png")
    assert files_under(store.root) == []


def test_image_over_the_store_pixel_limit_is_refused(tmp_path):
    store = EvidenceStore(tmp_path / "evidence", MAX_BYTES, max_pixels=10_000)
    with pytest.raises(EvidenceRejected, match="上限 1 万像素"):
        store.save(io.BytesIO(make_image("PNG", size=(101, 100))), "a.png")
    assert store.save(io.BytesIO(make_image("PNG", size=(100, 100))), "a.png").kind == "png"


def zeros_docx(megabytes):
    """A DOCX whose document part inflates to ``megabytes`` MiB of zeros (a zip bomb)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            for _ in range(megabytes):
                member.write(b"\0" * (1024 * 1024))
    return out.getvalue()


@pytest.mark.parametrize("megabytes", [5, 210], ids=["ratio over 100", "over 200 MB"])
def test_zip_bomb_docx_is_refused(store, megabytes):
    bomb = zeros_docx(megabytes)
    assert len(bomb) < MAX_BYTES
    with pytest.raises(EvidenceRejected, match="压缩文档解压后过大或压缩比异常"):
        store.save(io.BytesIO(bomb), "bomb.docx")
    assert files_under(store.root) == []


@pytest.mark.parametrize("member", ["../../evil.sh", "/etc/cron.d/evil", "word\\..\\..\\x", "C:/x"])
def test_docx_with_unsafe_member_paths_is_refused(store, member):
    with pytest.raises(EvidenceRejected, match="不安全的路径"):
        store.save(io.BytesIO(make_docx({member: "x"})), "a.docx")
    assert files_under(store.root) == []


def test_docx_with_two_entries_of_one_name_is_refused(store):
    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w") as archive:
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate, as it should
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("word/document.xml", "<w:document>甲</w:document>")
        archive.writestr("word/document.xml", "<w:document>乙</w:document>")
    with pytest.raises(EvidenceRejected, match="文件已损坏"):
        store.save(io.BytesIO(out.getvalue()), "a.docx")


def test_damaged_docx_is_refused(store):
    data = bytearray(make_docx({"word/media/big.xml": "<p>内容</p>" * 2000}))
    entry = data.find(b"word/media/big.xml") + 40  # inside that entry's compressed bytes
    data[entry : entry + 16] = b"\xff" * 16
    with pytest.raises(EvidenceRejected, match="文件已损坏"):
        store.save(io.BytesIO(bytes(data)), "a.docx")


def test_oversize_stream_stops_early_and_leaves_nothing(store):
    stream = CountingStream(50 * MAX_BYTES)
    with pytest.raises(EvidenceRejected, match="^文件超过 2 MB 上限$"):
        store.save(stream, "大文件.pdf")
    assert stream.read_bytes <= MAX_BYTES + CHUNK_BYTES
    assert files_under(store.root) == []


def test_a_file_of_exactly_the_limit_is_read_to_its_end(tmp_path):
    data = make_pdf()
    store = EvidenceStore(tmp_path / "evidence", len(data))
    assert store.save(io.BytesIO(data), "a.pdf").size == len(data)
    with pytest.raises(EvidenceRejected, match="文件超过 1 KB 上限"):
        EvidenceStore(tmp_path / "small", len(data) - 1).save(io.BytesIO(data), "a.pdf")


def test_default_limit_message_reads_20_mb(tmp_path):
    store = EvidenceStore.from_config({"ASSESS_INSTANCE": str(tmp_path), "MAX_UPLOAD_MB": 20})
    assert store.root == tmp_path / "evidence"
    assert store.max_bytes == 20 * 1024 * 1024
    with pytest.raises(EvidenceRejected, match="^文件超过 20 MB 上限$"):
        store.save(CountingStream(21 * 1024 * 1024), "a.pdf")


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT])
def test_full_disk_gives_a_clear_error_and_leaves_nothing(store, monkeypatch, code):
    def full(fh, chunk):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(storage, "_write_chunk", full)
    with pytest.raises(EvidenceRejected, match="^磁盘空间不足，文件未保存$"):
        store.save(io.BytesIO(make_pdf()), "a.pdf")
    assert files_under(store.root) == []


def test_full_disk_while_writing_a_thumbnail_leaves_nothing(store, monkeypatch):
    data = make_image("JPEG")
    write = storage._write_chunk

    def full_at_the_thumbnail(fh, chunk):
        if chunk.startswith(b"\x89PNG"):  # the upload is a JPEG, so this is its thumbnail
            raise OSError(errno.ENOSPC, "No space left on device")
        write(fh, chunk)

    monkeypatch.setattr(storage, "_write_chunk", full_at_the_thumbnail)
    with pytest.raises(EvidenceRejected, match="磁盘空间不足"):
        store.save(io.BytesIO(data), "a.jpg")
    assert files_under(store.root) == []


@pytest.mark.parametrize(
    ("fmt", "mode"),
    [("PNG", "I;16"), ("PNG", "1"), ("PNG", "LA"), ("PNG", "P"), ("JPEG", "CMYK"), ("JPEG", "L")],
)
def test_thumbnails_of_unusual_image_modes(store, fmt, mode):
    stored = store.save(io.BytesIO(make_image(fmt, size=(480, 240), mode=mode)), "a")
    with Image.open(store.thumbnail_path(stored.sha256)) as thumb:
        assert thumb.format == "PNG"
        assert thumb.size == (240, 120)


def test_an_image_pillow_cannot_thumbnail_is_kept_without_one(store, monkeypatch):
    def cannot(*args, **kwargs):
        raise ValueError("unsupported mode")

    monkeypatch.setattr(inspection.ImageOps, "exif_transpose", cannot)
    stored = store.save(io.BytesIO(make_image("PNG")), "a.png")
    assert (stored.kind, stored.has_thumbnail) == ("png", False)
    assert store.thumbnail_path(stored.sha256) is None


def test_a_missing_thumbnail_is_made_when_the_same_image_comes_again(store):
    data = make_image("JPEG")
    sha = store.save(io.BytesIO(data), "a.jpg").sha256
    store.thumbnail_path(sha).unlink()
    assert store.save(io.BytesIO(data), "a.jpg").has_thumbnail
    assert store.thumbnail_path(sha) is not None


def test_other_os_errors_propagate_and_leave_nothing(store, monkeypatch):
    def broken(fh, chunk):
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(storage, "_write_chunk", broken)
    with pytest.raises(OSError) as caught:
        store.save(io.BytesIO(make_pdf()), "a.pdf")
    assert not isinstance(caught.value, EvidenceRejected)
    assert files_under(store.root) == []


def test_clean_temp_removes_only_old_leftovers(store):
    store.tmp.mkdir(parents=True)
    old = store.tmp / "upload-old"
    new = store.tmp / "upload-new"
    old.write_bytes(b"x")
    new.write_bytes(b"x")
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))

    assert store.clean_temp(older_than_seconds=60) == 1
    assert files_under(store.tmp) == ["upload-new"]


# --- hashes and paths -------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        "../../etc/passwd",
        "../" + "a" * 61,
        "a" * 63,
        "a" * 65,
        "A" * 64,
        "g" * 64,
        "a" * 64 + "\n",
        "a" * 62 + "/x",
        "",
        None,
    ],
)
def test_path_for_refuses_anything_but_a_sha256(store, bad):
    with pytest.raises(ValueError):
        store.path_for(bad)
    with pytest.raises(ValueError):
        store.open(bad)
    assert store.exists(bad) is False


def test_unknown_hash_does_not_exist(store):
    sha = "0" * 64
    assert store.exists(sha) is False
    assert store.thumbnail_path(sha) is None
    with pytest.raises(FileNotFoundError):
        store.open(sha)


# --- names and download headers ---------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\config.sys", "config.sys"),
        ("/var/www/static/佐证材料.pdf", "佐证材料.pdf"),
        ("关于成立领导小组的通知（2024）.pdf", "关于成立领导小组的通知（2024）.pdf"),
        ("a\x00b\r\nc\x1b.pdf", "ab c.pdf"),  # line breaks read as a space
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # right-to-left override removed
        ('w<h>a:t"|?*.docx', "what.docx"),
        ("  ..hidden.pdf  ", "hidden.pdf"),
        ("报告.pdf...", "报告.pdf"),
        ("多   个\t空格.pdf", "多 个 空格.pdf"),
        ("CON.pdf", "_CON.pdf"),
        ("nul", "_nul"),
        ("..", "文件"),
        ("", "文件"),
        (None, "文件"),
        ("\x00\x01", "文件"),
        (".pdf", "文件.pdf"),
        ("v1.2", "v1.2"),
    ],
)
def test_sanitise_filename(raw, clean):
    assert sanitise_filename(raw) == clean


def test_sanitise_filename_limits_length_and_keeps_the_extension():
    name = sanitise_filename("流动人口" * 100 + ".xlsx")
    assert name.startswith("流动人口流动人口")
    assert name.endswith(".xlsx")
    assert len(name.encode("utf-8")) <= storage.MAX_NAME_BYTES
    # A cut that would split a three-byte character drops that character instead.
    assert sanitise_filename("a" + "佐" * 100 + ".pdf").encode("utf-8").decode("utf-8")


@pytest.mark.parametrize(
    ("raw", "kind", "shown"),
    [
        ("照片.JPG", "jpeg", "照片.JPG"),
        ("照片.jpeg", "jpeg", "照片.jpeg"),
        ("照片.png", "jpeg", "照片.jpg"),
        ("汇总表.docx", "xlsx", "汇总表.xlsx"),
        ("报告.exe", "pdf", "报告.exe.pdf"),
        ("报告", "pdf", "报告.pdf"),
        ("../x/", "pdf", "文件.pdf"),
    ],
)
def test_display_name_matches_the_kind(raw, kind, shown):
    assert display_name(raw, kind) == shown


def test_download_headers_carry_the_chinese_name_and_an_ascii_fallback():
    headers = download_headers("佐证材料 2024.pdf", "application/pdf")
    assert headers == {
        "Content-Type": "application/pdf",
        "Content-Disposition": (
            'attachment; filename="2024.pdf"; '
            "filename*=UTF-8''%E4%BD%90%E8%AF%81%E6%9D%90%E6%96%99%202024.pdf"
        ),
        "X-Content-Type-Options": "nosniff",
    }


def test_download_headers_for_an_all_chinese_name_and_unknown_mime():
    headers = download_headers("会议纪要.docx", "text/html")
    assert headers["Content-Disposition"].startswith('attachment; filename="evidence.docx";')
    assert headers["Content-Type"] == "application/octet-stream"


def test_download_headers_cannot_be_used_for_header_injection():
    headers = download_headers('evil"\r\nSet-Cookie: x=1;.pdf', "application/pdf")
    disposition = headers["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    assert disposition.startswith('attachment; filename="evil Set-Cookie x_1.pdf"; ')


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_truncated_image_is_refused_when_pillow_tolerates_truncation(store, fmt, monkeypatch):
    # WeasyPrint turns this global on when imported in the same process.
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    data = make_image(fmt, size=(400, 400))
    with pytest.raises(EvidenceRejected, match="文件已损坏"):
        store.save(io.BytesIO(data[: len(data) // 2]), "a.jpg")
    assert files_under(store.root) == []


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_image_with_an_archive_appended_is_refused(store, fmt):
    payload = io.BytesIO()
    with zipfile.ZipFile(payload, "w") as archive:
        archive.writestr("run.exe", b"MZ" + b"\0" * 100)
    data = make_image(fmt, size=(50, 50)) + payload.getvalue()
    with pytest.raises(EvidenceRejected, match="多种格式"):
        store.save(io.BytesIO(data), "photo.png")
    assert files_under(store.root) == []
