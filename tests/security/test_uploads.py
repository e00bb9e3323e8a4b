"""Hostile evidence uploads through the real self-report route: each is refused with a clear
Chinese message, and nothing is stored (no Submission or Evidence row, no file in
``<instance>/evidence``, not even a temp file)."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from openpyxl import Workbook
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from assess.core.models import AuditEntry
from assess.cycles.excel import TEMPLATE_COLUMNS
from assess.cycles.models import Submission
from assess.evidence.models import Evidence
from tests.cycle_helpers import make_cycle, pdf_bytes, png_bytes, unit
from tests.security.conftest import swept_files

UNSUPPORTED = "不支持的文件类型"
NOT_SAVED = "未保存"


def _exe() -> bytes:
    """The start of a Windows PE executable."""
    header = bytearray(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44)
    header[0x3C:0x40] = (0x80).to_bytes(4, "little")
    return bytes(header) + b"\x00" * (0x80 - len(header)) + b"PE\x00\x00" + b"\x00" * 512


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def _polyglot_pdf() -> bytes:
    """A valid PDF with a ZIP archive appended: opens as both."""
    return pdf_bytes(1) + _zip({"payload.js": b"alert(1)"})


def _zip_bomb_docx() -> bytes:
    """A DOCX whose body inflates 1000 times (64 MiB of zeros in ~64 KiB)."""
    return _zip(
        {
            "[Content_Types].xml": b"<Types/>",
            "word/document.xml": b"<w:document/>" + b"\x00" * (64 * 1024 * 1024),
        }
    )


def _too_many_entries_docx() -> bytes:
    entries = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}
    entries.update({f"word/media/{n}.xml": b"" for n in range(10_001)})
    return _zip(entries)


def _macro_docx() -> bytes:
    return _zip(
        {
            "[Content_Types].xml": b"<Types/>",
            "word/document.xml": b"<w:document/>",
            "word/vbaProject.bin": b"\xd0\xcf\x11\xe0macro",
        }
    )


def _traversal_docx() -> bytes:
    return _zip(
        {
            "[Content_Types].xml": b"<Types/>",
            "word/document.xml": b"<w:document/>",
            "../../../etc/cron.d/evil": b"* * * * * root sh",
        }
    )


SVG_SCRIPT = (
    b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'><script>alert(1)</script></svg>"
)
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"

ATTACKS = {
    "renamed-exe": (_exe, "工作总结.pdf", UNSUPPORTED),
    "exe-as-docx": (_exe, "汇总表.docx", UNSUPPORTED),
    "polyglot-pdf": (_polyglot_pdf, "调查报告.pdf", "多种格式"),
    "svg-script-as-png": (lambda: SVG_SCRIPT, "照片.png", UNSUPPORTED),
    "zip-bomb-docx": (_zip_bomb_docx, "材料.docx", "压缩比异常"),
    "zip-too-many-entries": (_too_many_entries_docx, "材料.docx", "压缩比异常"),
    "docx-with-macros": (_macro_docx, "材料.docx", "宏"),
    "docx-path-traversal": (_traversal_docx, "材料.docx", "不安全的路径"),
    "html-as-pdf": (lambda: HTML, "通知.pdf", UNSUPPORTED),
    "truncated-pdf": (lambda: pdf_bytes(1)[:-40], "截断.pdf", "已损坏"),
    "empty": (lambda: b"", "空.pdf", "文件为空"),
}


@pytest.fixture
def open_item(as_user, db):
    """An open cycle in which unit A has saved nothing yet, and its reporter's client."""
    cycle = make_cycle("open")
    jinshui = unit("410105")
    return as_user("r-410105"), f"/cycles/{cycle.id}/units/{jinshui.id}"


def _assert_nothing_stored(app, audits_before: int) -> None:
    assert not Submission.select().exists(), "the value was saved with a refused file"
    assert not Evidence.select().exists()
    assert AuditEntry.select().count() == audits_before
    assert swept_files(app) == [], "a refused upload left files the sweep keeps"


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_hostile_upload_is_refused_and_nothing_stored(app, open_item, attack):
    make, name, message = ATTACKS[attack]
    client, base = open_item
    audits = AuditEntry.select().count()
    response = client.post(
        f"{base}/items/A1",
        data={
            "numerator": "90",
            "denominator": "100",
            "version": 0,
            "files": (io.BytesIO(make()), name),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    page = response.data.decode()
    assert response.status_code == 200
    assert message in page and NOT_SAVED in page, page[page.find("flash") :][:400]
    assert name in page  # the message names the file
    _assert_nothing_stored(app, audits)


def test_one_bad_file_refuses_the_good_ones_too(app, open_item):
    client, base = open_item
    audits = AuditEntry.select().count()
    response = client.post(
        f"{base}/items/A1",
        data={
            "numerator": "90",
            "denominator": "100",
            "version": 0,
            "files": [
                (io.BytesIO(pdf_bytes(2)), "合格.pdf"),
                (io.BytesIO(png_bytes()), "照片.png"),
                (io.BytesIO(_exe()), "病毒.pdf"),
            ],
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert UNSUPPORTED in response.data.decode()
    _assert_nothing_stored(app, audits)


def test_refused_value_stores_no_file(app, open_item):
    """A good file with a value the indicator refuses: the lot is refused, files included."""
    client, base = open_item
    audits = AuditEntry.select().count()
    response = client.post(
        f"{base}/items/A1",
        data={
            "numerator": "120",  # above the denominator
            "denominator": "100",
            "version": 0,
            "files": (io.BytesIO(pdf_bytes(1)), "合格.pdf"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert NOT_SAVED in response.data.decode()
    _assert_nothing_stored(app, audits)


def _row_bomb_xlsx(rows: int) -> bytes:
    """A fill-in template whose sheet declares and holds ``rows`` rows of a wrong code (about
    half a megabyte for 100,000 rows)."""
    wb = Workbook()
    ws = wb.active
    ws.append(list(TEMPLATE_COLUMNS))
    out = io.BytesIO()
    wb.save(out)
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    sheet = source.read("xl/worksheets/sheet1.xml").decode()
    head, rest = sheet.split("<sheetData>")
    first, tail = rest.split("</sheetData>")
    head = re.sub(r'<dimension ref="[^"]*" ?/>', f'<dimension ref="A1:I{rows + 1}"/>', head)
    body = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>ZZ</t></is></c></row>'
        for n in range(2, rows + 2)
    )
    result = io.BytesIO()
    with zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = (head + "<sheetData>" + first + body + "</sheetData>" + tail).encode()
            archive.writestr(info.filename, data)
    return result.getvalue()


def test_template_import_bomb_is_refused_cheaply(app, open_item):
    """A small workbook with 100,000 rows: refused with one message, without writing a
    flash message per row into the session cookie (browsers drop cookies over 4 KB, which
    would sign the reporter out) and without saving anything."""
    client, base = open_item
    audits = AuditEntry.select().count()
    data = _row_bomb_xlsx(100_000)
    assert len(data) < 1024 * 1024  # well under the 5 MB the import accepts
    response = client.post(
        f"{base}/template",
        data={"workbook": (io.BytesIO(data), "自评.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert len(cookie) < 4093, f"session cookie of {len(cookie)} bytes"
    page = client.get(response.headers["Location"]).data.decode()
    assert "未保存任何数据" in page
    assert page.count('class="flash flash-error"') <= 25
    _assert_nothing_stored(app, audits)


class _LargeMultipart(io.RawIOBase):
    """A multipart body of ``size`` bytes made on the fly: one PDF-looking file field."""

    BOUNDARY = "----assess-large-upload"

    def __init__(self, size: int):
        self.head = (
            f"--{self.BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="version"\r\n\r\n0\r\n'
            f"--{self.BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="files"; filename="大文件.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n%PDF-1.7\n"
        ).encode()
        self.tail = f"\r\n--{self.BOUNDARY}--\r\n".encode()
        self.size = size
        self.body = size - len(self.head) - len(self.tail)
        self.position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        self.position = base + offset
        return self.position

    def readinto(self, buffer) -> int:
        start = self.position
        end = min(start + len(buffer), self.size)
        out = bytearray(end - start)  # the file's body is zeros; copy in the head and tail
        if start < len(self.head):
            part = self.head[start:end]
            out[: len(part)] = part
        tail_at = self.size - len(self.tail)
        if end > tail_at:
            begin = max(start, tail_at)
            part = self.tail[begin - tail_at : end - tail_at]
            out[begin - start : begin - start + len(part)] = part
        buffer[: len(out)] = out
        self.position = end
        return len(out)


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_100_mb_upload_is_refused_before_it_is_read(app, open_item, declared):
    client, base = open_item
    audits = AuditEntry.select().count()
    size = 100 * 1024 * 1024
    body = _LargeMultipart(size)
    environ = EnvironBuilder(
        path=f"{base}/items/A1",
        method="POST",
        input_stream=body,
        content_type=f"multipart/form-data; boundary={_LargeMultipart.BOUNDARY}",
    ).get_environ()
    if not declared:
        # Chunked: no length up front, so the limit can only be enforced while reading.
        del environ["CONTENT_LENGTH"]
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
        environ["wsgi.input_terminated"] = True
    response = client.open(Request(environ))
    assert response.status_code == 413
    page = response.data.decode()
    # The self-report page again, saying so: the body was never read, so nothing of it is kept.
    assert "服务器未接收" in page and 'class="selfreport"' in page
    # The app stops at MAX_CONTENT_LENGTH (MAX_UPLOAD_MB + 1 MiB): it never reads 100 MB.
    assert body.position <= app.config["MAX_CONTENT_LENGTH"] + 1024 * 1024
    if declared:
        assert body.position == 0  # refused from the Content-Length alone
    _assert_nothing_stored(app, audits)
