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
    return original, Document(string=HTML).write_pdf(finisher=fontsubset.compact_fonts)


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


def shown_glyphs(pdf: bytes) -> dict[str, tuple[bytes, set[int]]]:
    """Each Type0 font the first page uses, by base font name: its embedded program and
    the codes (CIDs under Identity-H) the page content shows with it."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, ContentStream

    reader = PdfReader(io.BytesIO(pdf))
    page = reader.pages[0]
    fonts = {key: ref.get_object() for key, ref in page["/Resources"]["/Font"].items()}
    shown: dict[str, set[int]] = {key: set() for key in fonts}
    current = None
    for operands, operator in ContentStream(page.get_contents(), reader).operations:
        if operator == b"Tf":
            current = operands[0]
        elif operator in (b"Tj", b"TJ", b"'", b'"'):
            strings = operands[0] if isinstance(operands[0], ArrayObject) else operands[-1:]
            for string in strings:
                if isinstance(string, str | bytes):
                    data = string.original_bytes
                    shown[current].update(
                        int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)
                    )
    out = {}
    for key, font in fonts.items():
        descendant = font["/DescendantFonts"][0].get_object()
        program = descendant["/FontDescriptor"].get_object()["/FontFile3"].get_object()
        out[str(font["/BaseFont"])] = (program.get_data(), shown[key])
    return out


def test_compact_fonts_parse_and_keep_every_shown_cid(pdfs):
    """fontTools reads each compacted program, and the glyph of every CID the page shows
    has the outline of that glyph id in WeasyPrint's subset."""
    from fontTools.cffLib import CFFFontSet
    from fontTools.pens.recordingPen import RecordingPen
    from fontTools.ttLib import TTFont

    def outline(glyph) -> list:
        pen = RecordingPen()
        glyph.draw(pen)
        return pen.value

    original, compact = pdfs
    before, after = shown_glyphs(original), shown_glyphs(compact)
    assert before.keys() == after.keys() and len(after) >= 2
    for name, (program, cids) in after.items():
        source_program, source_cids = before[name]
        assert cids == source_cids and len(cids) > 10
        fonts = CFFFontSet()
        fonts.decompile(io.BytesIO(program), None)
        top = fonts[fonts.fontNames[0]]
        assert hasattr(top, "ROS")
        kept = set(top.charset)
        source = TTFont(io.BytesIO(source_program))
        source_order, source_glyphs = source.getGlyphOrder(), source.getGlyphSet()
        for cid in cids:
            glyph = f"cid{cid:05d}" if cid else ".notdef"
            assert glyph in kept, (name, cid)
            assert outline(top.CharStrings[glyph]) == outline(source_glyphs[source_order[cid]])
        assert any(outline(top.CharStrings[f"cid{cid:05d}"]) for cid in cids if cid)


def test_fonts_that_cannot_be_proven_are_kept():
    assert fontsubset.compact_font(b"\x00\x01\x00\x00 not CFF", {1, 2}) is None
    assert fontsubset.compact_font(b"OTTO" + b"\x00" * 40, {1}) is None


def with_cids(font: bytes, cids: list[int]) -> bytes:
    """``font`` (OpenType-CFF, CID-keyed) with glyph ``i`` given CID ``cids[i]`` and the
    tables that name glyphs otherwise dropped."""
    from fontTools.ttLib import TTFont

    wrapper = TTFont(io.BytesIO(font))
    names = [f"cid{cid:05d}" if cid else ".notdef" for cid in cids]
    rename = dict(zip(wrapper.getGlyphOrder(), names, strict=True))
    top = wrapper["CFF "].cff[0]
    top.CharStrings.charStrings = {rename[k]: v for k, v in top.CharStrings.charStrings.items()}
    top.charset = names
    for tag in ("hmtx", "vmtx"):
        wrapper[tag].metrics = {rename[k]: v for k, v in wrapper[tag].metrics.items()}
    for tag in ("cmap", "VORG", "GSUB", "GPOS", "GDEF", "BASE"):
        if tag in wrapper:
            del wrapper[tag]
    wrapper.setGlyphOrder(names)
    out = io.BytesIO()
    wrapper.save(out)
    return out.getvalue()


def test_fonts_whose_cids_are_not_glyph_ids_are_kept(pdfs):
    """The PDF names glyphs by CID and HarfBuzz picks them by glyph id: a font where the
    two differ would show the wrong glyphs, so it is not compacted."""
    original, _compact = pdfs
    program, cids = next(iter(shown_glyphs(original).values()))
    shown = sorted(cids - {0})
    assert fontsubset.compact_font(program, set(shown)) is not None
    # Renumbered by HarfBuzz: glyph i keeps the CID shown[i - 1].
    renumbered = fontsubset._harfbuzz().subset(program, [0, *shown], 0)
    assert renumbered is not None
    assert fontsubset.compact_font(renumbered, set(range(1, len(shown) + 1))) is None
    assert fontsubset.compact_font(renumbered, {shown[-1]}) is None
    # CIDs equal glyph ids but for two glyphs swapped: every CID is still in the font.
    identity = list(range(len(shown) + 1))
    assert fontsubset.compact_font(with_cids(renumbered, identity), {1, 2, 3}) is not None
    swapped = [0, 2, 1, *identity[3:]]
    assert fontsubset.compact_font(with_cids(renumbered, swapped), {1, 2, 3}) is None


def test_pdf_without_cff_fonts_is_returned_as_is():
    from weasyprint import HTML as Document

    changed = []
    Document(string="<p style=\"font-family: 'DejaVu Sans'\">abc</p>").write_pdf(
        finisher=lambda document, pdf: changed.append(fontsubset.compact_fonts(document, pdf))
    )
    assert changed == [False]
