"""Compacting WeasyPrint's CJK font subsets changes no pixel and no text, only the size."""

from __future__ import annotations

import io
import subprocess

import pytest
from PIL import Image, ImageChops

from assess.reports import fontsubset

pytestmark = pytest.mark.pure

HTML = """<html lang="zh-CN"><body style="font-family: 'Noto Serif CJK SC'; font-size: 14pt">
<h1 style="font-family: 'Noto Sans CJK SC'">郑州市流动人口基本公共服务均等化</h1>
<p>经督查核查，中原区2011年度考核总得分为84.97分，等次为“良好”。</p>
<p style="font-weight: bold">鬱齉龘 — （一）ABC xyz 0123456789 ≤≥‰</p>
</body></html>"""


@pytest.fixture(scope="module")
def pdfs():
    from weasyprint import HTML as Document

    original = Document(string=HTML).write_pdf()
    return original, fontsubset.compact_pdf(original)


def pages_png(pdf: bytes, tmp_path, name: str) -> Image.Image:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "100", "-singlefile", str(path), str(tmp_path / name)],
        check=True,
    )
    return Image.open(tmp_path / f"{name}.png").convert("RGB")


def test_much_smaller(pdfs):
    original, compact = pdfs
    assert len(compact) < len(original) / 3


def test_same_pixels(pdfs, tmp_path):
    original, compact = pdfs
    before = pages_png(original, tmp_path, "before")
    after = pages_png(compact, tmp_path, "after")
    assert ImageChops.difference(before, after).getbbox() is None


def test_same_text(pdfs, tmp_path):
    from pdfminer.high_level import extract_text

    texts = []
    for name, pdf in zip(("before", "after"), pdfs, strict=True):
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(pdf)
        poppler = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        texts.append((poppler, extract_text(str(path))))
    assert texts[0] == texts[1]
    assert "鬱齉龘" in texts[1][0] and "鬱齉龘" in texts[1][1]


def test_fonts_become_bare_cid_keyed_cff(pdfs):
    from pypdf import PdfReader

    _original, compact = pdfs
    reader = PdfReader(io.BytesIO(compact))
    assert reader.pdf_header == "%PDF-1.7"
    programs = []
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        font = font.get_object()
        assert font["/Encoding"] == "/Identity-H"
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        programs.append(descriptor["/FontFile3"].get_object())
    assert programs
    assert all(p["/Subtype"] == "/CIDFontType0C" for p in programs)
    # A bare CFF program: header major version 1, CID-keyed, few glyphs.
    from fontTools.cffLib import CFFFontSet

    for program in programs:
        cff = CFFFontSet()
        cff.decompile(io.BytesIO(program.get_data()), None)
        top = cff[cff.fontNames[0]]
        assert hasattr(top, "ROS")
        assert len(top.charset) < 100


def test_fonts_that_cannot_be_proven_are_kept():
    assert fontsubset.compact_font(b"\x00\x01\x00\x00 not CFF", {1, 2}) is None
    assert fontsubset.compact_font(b"OTTO" + b"\x00" * 40, {1}) is None


def test_pdf_without_cff_fonts_is_returned_as_is():
    from weasyprint import HTML as Document

    pdf = Document(string="<p style=\"font-family: 'DejaVu Sans'\">abc</p>").write_pdf()
    assert fontsubset.compact_pdf(pdf) is pdf
