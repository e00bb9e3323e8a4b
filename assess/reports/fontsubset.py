"""Compact the CJK font subsets in a WeasyPrint PDF (reports 3× smaller).

WeasyPrint subsets fonts with HarfBuzz keeping every glyph id up to the highest one used
(``RETAIN_GIDS``): its page content names glyphs by their ids in the original font. For a
CFF CJK font such as Noto Serif CJK (65,000 glyphs, ideographs spread over the whole range)
that leaves ~63,000 empty glyphs whose offsets alone compress to ~140 KB, so every face a
report uses costs 150–230 KB however little it prints.

The page content of a Type0 font with the Identity-H encoding names glyphs by CID, and a
CID-keyed CFF font maps CIDs to glyphs through its charset; in WeasyPrint's subsets the CID
of each glyph is its glyph id. :func:`compact_pdf` therefore replaces each such font by a
HarfBuzz subset without ``RETAIN_GIDS`` (HarfBuzz keeps every glyph's CID) embedded as a
bare CFF program (``/FontFile3 /Subtype /CIDFontType0C``): viewers resolve CIDs through
the charset of a bare CFF program, where some (poppler) read a CID as a glyph index inside
an OpenType wrapper. Page content, widths and ``ToUnicode`` maps stay as they are. Only
fonts whose CIDs are proven to equal their glyph ids are rewritten; anything else is left
as WeasyPrint made it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import io
import logging
import re
from collections.abc import Iterator
from functools import cache

log = logging.getLogger(__name__)

_HB_MEMORY_MODE_READONLY = 1
_HB_SUBSET_FLAGS_NO_HINTING = 0x01
_HB_SUBSET_FLAGS_DESUBROUTINIZE = 0x04
_HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED = 0x20


# ---------------------------------------------------------------- HarfBuzz subsetter


class _HarfBuzz:
    """The few HarfBuzz calls needed, through ctypes (WeasyPrint's bindings are private)."""

    def __init__(self) -> None:
        hb = ctypes.CDLL(ctypes.util.find_library("harfbuzz") or "libharfbuzz.so.0")
        sub = ctypes.CDLL(ctypes.util.find_library("harfbuzz-subset") or "libharfbuzz-subset.so.0")
        p, uint = ctypes.c_void_p, ctypes.c_uint
        hb.hb_blob_create.restype = p
        hb.hb_blob_create.argtypes = [ctypes.c_char_p, uint, ctypes.c_int, p, p]
        hb.hb_blob_destroy.argtypes = [p]
        hb.hb_blob_get_data.restype = ctypes.POINTER(ctypes.c_char)
        hb.hb_blob_get_data.argtypes = [p, ctypes.POINTER(uint)]
        hb.hb_face_create.restype = p
        hb.hb_face_create.argtypes = [p, uint]
        hb.hb_face_destroy.argtypes = [p]
        hb.hb_face_reference_blob.restype = p
        hb.hb_face_reference_blob.argtypes = [p]
        hb.hb_set_add.argtypes = [p, uint]
        sub.hb_subset_input_create_or_fail.restype = p
        sub.hb_subset_input_destroy.argtypes = [p]
        sub.hb_subset_input_glyph_set.restype = p
        sub.hb_subset_input_glyph_set.argtypes = [p]
        sub.hb_subset_input_set_flags.argtypes = [p, uint]
        sub.hb_subset_or_fail.restype = p
        sub.hb_subset_or_fail.argtypes = [p, p]
        self.hb, self.sub = hb, sub

    def subset(self, font: bytes, glyphs: list[int], flags: int) -> bytes | None:
        hb, sub = self.hb, self.sub
        blob = hb.hb_blob_create(font, len(font), _HB_MEMORY_MODE_READONLY, None, None)
        face = hb.hb_face_create(blob, 0)
        plan = sub.hb_subset_input_create_or_fail()
        try:
            if not plan:
                return None
            glyph_set = sub.hb_subset_input_glyph_set(plan)
            for glyph in glyphs:
                hb.hb_set_add(glyph_set, glyph)
            sub.hb_subset_input_set_flags(plan, flags)
            result = sub.hb_subset_or_fail(face, plan)
            if not result:
                return None
            out = hb.hb_face_reference_blob(result)
            try:
                length = ctypes.c_uint()
                data = hb.hb_blob_get_data(out, ctypes.byref(length))
                return ctypes.string_at(data, length.value) if length.value else None
            finally:
                hb.hb_blob_destroy(out)
                hb.hb_face_destroy(result)
        finally:
            if plan:
                sub.hb_subset_input_destroy(plan)
            hb.hb_face_destroy(face)
            hb.hb_blob_destroy(blob)


@cache
def _harfbuzz() -> _HarfBuzz | None:
    try:
        return _HarfBuzz()
    except (OSError, AttributeError) as exc:
        log.warning("HarfBuzz subsetter unavailable; PDF fonts are not compacted: %s", exc)
        return None


# ---------------------------------------------------------------- CFF charset


def _read_cid_keyed_cff(font: bytes) -> tuple[bytes, list[str]] | None:
    """The bare CFF program inside OpenType-CFF ``font`` and its charset as fontTools names
    the glyphs (``.notdef``, ``cid00001``, …); None unless ``font`` is a readable CID-keyed
    CFF font."""
    from fontTools.cffLib import CFFFontSet
    from fontTools.ttLib import TTFont

    try:
        wrapper = TTFont(io.BytesIO(font), lazy=True)
        if wrapper.sfntVersion != "OTTO":
            return None
        program = wrapper.getTableData("CFF ")
        fonts = CFFFontSet()
        fonts.decompile(io.BytesIO(program), wrapper, isCFF2=False)
        top = fonts[0]
        if not hasattr(top, "ROS"):  # only CID-keyed fonts map glyphs through CIDs
            return None
        return program, top.charset
    # fontTools has no error type of its own for malformed data: a truncated or damaged
    # font raises whatever its readers trip on (TTLibError, struct.error, TypeError, …).
    except Exception:
        return None


def _glyph_name(cid: int) -> str:
    """fontTools' name for the glyph of ``cid`` in a CID-keyed font's charset."""
    return f"cid{cid:05d}" if cid else ".notdef"


def compact_font(font: bytes, codes: set[int]) -> bytes | None:
    """The bare CFF program of ``font`` (OpenType-CFF, CID-keyed, each glyph's CID equal
    to its glyph id) reduced to the glyphs of CIDs ``codes``, every glyph keeping its CID;
    None when that cannot be done with certainty."""
    harfbuzz = _harfbuzz()
    if harfbuzz is None or not codes:
        return None
    source = _read_cid_keyed_cff(font)
    if source is None:
        return None
    _program, charset = source
    # The PDF names glyphs by CID; WeasyPrint's subsets have CID = glyph id.
    if any(code >= len(charset) or charset[code] != _glyph_name(code) for code in codes):
        return None
    flags = (
        _HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED
        | _HB_SUBSET_FLAGS_DESUBROUTINIZE
        | _HB_SUBSET_FLAGS_NO_HINTING
    )
    small = harfbuzz.subset(font, sorted({0, *codes}), flags)
    reduced = _read_cid_keyed_cff(small) if small is not None else None
    if reduced is None:
        return None
    cff, kept = reduced
    if not {_glyph_name(code) for code in codes} <= set(kept):  # HarfBuzz keeps CIDs
        return None
    return cff if len(cff) < len(font) else None


# ---------------------------------------------------------------- PDF


def compact_pdf(pdf: bytes) -> bytes:
    """``pdf`` with its CID-keyed CFF font subsets compacted (see the module docstring);
    ``pdf`` itself when there is nothing to gain."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(pdf))
        writer = PdfWriter(clone_from=reader)
    except PdfReadError:  # pragma: no cover - WeasyPrint wrote it
        return pdf
    writer.pdf_header = reader.pdf_header  # keep WeasyPrint's version (1.7)
    groups: dict[int, list] = {}
    for font in _type0_fonts(writer):
        descendant = font["/DescendantFonts"][0].get_object()
        descriptor = descendant["/FontDescriptor"].get_object()
        if (
            font.get("/Encoding") != "/Identity-H"
            or descendant.get("/Subtype") != "/CIDFontType0"
            or "/FontFile3" not in descriptor
        ):
            continue
        program_ref = descriptor.raw_get("/FontFile3")
        if not hasattr(program_ref, "idnum"):
            continue
        program = program_ref.get_object()
        if program.get("/Subtype") != "/OpenType":
            continue
        groups.setdefault(program_ref.idnum, [program, []])[1].append((font, descendant))
    changed = False
    for program, users in groups.values():
        # The glyphs a font shows: its widths and its ToUnicode map both list them.
        codes = set()
        for font, descendant in users:
            codes |= _read_widths(descendant.get("/W")).keys()
            codes |= _to_unicode_codes(font.get("/ToUnicode"))
        cff = compact_font(program.get_data(), codes)
        if cff is None:
            continue
        program.set_data(cff)
        program[_name("/Subtype")] = _name("/CIDFontType0C")
        changed = True
    if not changed:
        return pdf
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _type0_fonts(writer) -> Iterator:
    """Every Type0 font dictionary reachable from the document (pages, forms, patterns)."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen: set[tuple[int, int]] = set()
    found: dict[int, object] = {}
    stack: list = [writer.root_object, *(page.get_object() for page in writer.pages)]
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            if item.get("/Type") == "/Font" and item.get("/Subtype") == "/Type0":
                found[id(item)] = item
            stack.extend(value for key, value in item.items() if key != "/Parent")
        elif isinstance(item, ArrayObject):
            stack.extend(item)
    return iter(found.values())


def _name(value: str):
    from pypdf.generic import NameObject

    return NameObject(value)


_HEX = re.compile(rb"<([0-9A-Fa-f]+)>")


def _to_unicode_codes(stream) -> set[int]:
    """The codes a ToUnicode CMap maps (bfchar entries and bfrange spans)."""
    if stream is None:
        return set()
    text = stream.get_object().get_data()
    codes: set[int] = set()
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", text, re.S):
        for line in block.splitlines():
            found = _HEX.findall(line)
            if found:
                codes.add(int(found[0], 16))
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", text, re.S):
        for line in block.splitlines():
            found = _HEX.findall(line)
            if len(found) >= 2:
                codes.update(range(int(found[0], 16), int(found[1], 16) + 1))
    return codes


def _read_widths(array) -> dict[int, float]:
    """A /W array (``c [w …]`` and ``c_first c_last w`` forms) as {cid: width}."""
    from pypdf.generic import ArrayObject

    widths: dict[int, float] = {}
    items = list(array.get_object()) if array is not None else []
    i = 0
    while i < len(items):
        first = int(items[i])
        following = items[i + 1].get_object()
        if isinstance(following, ArrayObject):
            for offset, width in enumerate(following):
                widths[first + offset] = float(width)
            i += 2
        else:
            for cid in range(first, int(following) + 1):
                widths[cid] = float(items[i + 2])
            i += 3
    return widths
