"""Compact the CJK font subsets in a WeasyPrint PDF (reports 3× smaller).

WeasyPrint subsets fonts with HarfBuzz keeping every glyph id up to the highest one used
(``RETAIN_GIDS``): its page content names glyphs by their ids in the original font. For a
CFF CJK font such as Noto Serif CJK (65,000 glyphs, ideographs spread over the whole range)
that leaves ~63,000 empty glyphs whose offsets alone compress to ~140 KB, so every face a
report uses costs 150–230 KB however little it prints.

The page content of a Type0 font with the Identity-H encoding names glyphs by CID, and a
CID-keyed CFF font maps CIDs to glyphs through its charset; in WeasyPrint's subsets the CID
of each glyph is its glyph id. :func:`compact_fonts` therefore replaces each such font by a
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
        sub.hb_subset_plan_create_or_fail.restype = p
        sub.hb_subset_plan_create_or_fail.argtypes = [p, p]
        sub.hb_subset_plan_execute_or_fail.restype = p
        sub.hb_subset_plan_execute_or_fail.argtypes = [p]
        sub.hb_subset_plan_old_to_new_glyph_mapping.restype = p
        sub.hb_subset_plan_old_to_new_glyph_mapping.argtypes = [p]
        sub.hb_subset_plan_destroy.argtypes = [p]
        hb.hb_map_get.restype = uint
        hb.hb_map_get.argtypes = [p, uint]
        self.hb, self.sub = hb, sub

    def subset(self, font: bytes, glyphs: list[int], flags: int) -> bytes | None:
        """``font`` reduced to ``glyphs`` (and what they reach), renumbered."""
        result = self.subset_mapped(font, glyphs, flags)
        return result[0] if result is not None else None

    def subset_mapped(
        self, font: bytes, glyphs: list[int], flags: int
    ) -> tuple[bytes, dict[int, int]] | None:
        """``font`` reduced to ``glyphs`` (and the glyphs they reach), renumbered, with the
        new id of each of ``glyphs``; None if HarfBuzz cannot subset it."""
        hb, sub = self.hb, self.sub
        blob = hb.hb_blob_create(font, len(font), _HB_MEMORY_MODE_READONLY, None, None)
        face = hb.hb_face_create(blob, 0)
        plan_input = sub.hb_subset_input_create_or_fail()
        plan = None
        try:
            if not plan_input:
                return None
            glyph_set = sub.hb_subset_input_glyph_set(plan_input)
            for glyph in glyphs:
                hb.hb_set_add(glyph_set, glyph)
            sub.hb_subset_input_set_flags(plan_input, flags)
            plan = sub.hb_subset_plan_create_or_fail(face, plan_input)
            if not plan:
                return None
            result = sub.hb_subset_plan_execute_or_fail(plan)
            if not result:
                return None
            mapping = sub.hb_subset_plan_old_to_new_glyph_mapping(plan)  # owned by the plan
            new_ids = {glyph: hb.hb_map_get(mapping, glyph) for glyph in glyphs}
            out = hb.hb_face_reference_blob(result)
            try:
                length = ctypes.c_uint()
                data = hb.hb_blob_get_data(out, ctypes.byref(length))
                if not length.value:
                    return None
                return ctypes.string_at(data, length.value), new_ids
            finally:
                hb.hb_blob_destroy(out)
                hb.hb_face_destroy(result)
        finally:
            if plan:
                sub.hb_subset_plan_destroy(plan)
            if plan_input:
                sub.hb_subset_input_destroy(plan_input)
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
    flags = (
        _HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED
        | _HB_SUBSET_FLAGS_DESUBROUTINIZE
        | _HB_SUBSET_FLAGS_NO_HINTING
    )
    glyphs = sorted({0, *codes})
    subset = harfbuzz.subset_mapped(font, glyphs, flags)
    reduced = _read_cid_keyed_cff(subset[0]) if subset is not None else None
    if reduced is None:
        return None
    cff, kept = reduced
    # The PDF names glyphs by CID, HarfBuzz picks them by glyph id and keeps each glyph's
    # CID: every glyph asked for must carry, at its new id, the CID equal to its old id.
    # Checked on the subset's charset of a few hundred entries; the font's own charset of
    # 65,000 is never parsed (that was a third of a report's font work).
    new_ids = subset[1]
    if any(
        new_ids[glyph] >= len(kept) or kept[new_ids[glyph]] != _glyph_name(glyph)
        for glyph in glyphs
    ):
        return None
    return cff if len(cff) < len(font) else None


# ---------------------------------------------------------------- PDF


# ---------------------------------------------------------------- pydyf objects
# WeasyPrint's finisher hands over the document as pydyf objects before they are written:
# dictionaries whose values are names ("/Type0"), numbers, arrays and references
# (b"12 0 R"), streams holding a list of byte chunks.


def resolve(pdf, value):
    """The object a pydyf reference (``b"12 0 R"``) names; ``value`` if it is none."""
    if isinstance(value, (bytes, str)) and as_text(value).endswith(" R"):
        return pdf.objects[int(as_text(value).split()[0])]
    return value


def as_text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def compact_fonts(_document, pdf) -> bool:
    """Compact every CID-keyed CFF font subset of pydyf ``pdf`` in place (usable as a
    WeasyPrint ``finisher``); True if any was rewritten."""
    return any([compact_font_object(pdf, font) for font in type0_font_objects(pdf)])


def type0_font_objects(pdf) -> list:
    """Every Type0 font dictionary among the pydyf ``pdf``'s objects."""
    return [
        item
        for item in pdf.objects
        if isinstance(item, dict)
        and as_text(item.get("Type", "")) == "/Font"
        and as_text(item.get("Subtype", "")) == "/Type0"
    ]


def object_font_codes(pdf, font) -> set[int]:
    """The codes (CIDs) pydyf Type0 ``font`` shows: its widths and ToUnicode map list them."""
    descendant = resolve(pdf, font["DescendantFonts"][0])
    unicode_map = resolve(pdf, font.get("ToUnicode"))
    text = b"\n".join(
        chunk if isinstance(chunk, bytes) else str(chunk).encode()
        for chunk in (unicode_map.stream if unicode_map is not None else ())
    )
    return _widths_of(descendant.get("W") or []).keys() | _cmap_codes(text)


def compact_font_object(pdf, font) -> bool:
    """Compact the CFF program of pydyf Type0 ``font`` in place (see the module
    docstring); True if it was rewritten. A program shared by several fonts (one file,
    several weights) is compacted to the glyphs of all of them."""
    descendant = resolve(pdf, font["DescendantFonts"][0])
    descriptor = resolve(pdf, descendant["FontDescriptor"])
    if (
        as_text(font.get("Encoding", "")) != "/Identity-H"
        or as_text(descendant.get("Subtype", "")) != "/CIDFontType0"
        or "FontFile3" not in descriptor
    ):
        return False
    reference = descriptor["FontFile3"]
    program = resolve(pdf, reference)
    if as_text(program.extra.get("Subtype", "")) != "/OpenType" or len(program.stream) != 1:
        return False
    codes: set[int] = set()
    for other in type0_font_objects(pdf):
        other_descriptor = resolve(pdf, resolve(pdf, other["DescendantFonts"][0])["FontDescriptor"])
        if other_descriptor.get("FontFile3") == reference:
            codes |= object_font_codes(pdf, other)
    cff = compact_font(bytes(program.stream[0]), codes)
    if cff is None:
        return False
    program.stream = [cff]
    program.extra["Subtype"] = "/CIDFontType0C"
    return True


def _widths_of(items) -> dict[int, float]:
    """A /W array (``c [w …]`` and ``c_first c_last w`` forms) as {cid: width}."""
    widths: dict[int, float] = {}
    items = list(items)
    i = 0
    while i < len(items):
        first, following = int(items[i]), items[i + 1]
        if isinstance(following, list):
            for offset, width in enumerate(following):
                widths[first + offset] = float(width)
            i += 2
        else:
            for cid in range(first, int(following) + 1):
                widths[cid] = float(items[i + 2])
            i += 3
    return widths


_HEX = re.compile(rb"<([0-9A-Fa-f]+)>")


def _cmap_codes(text: bytes) -> set[int]:
    """The codes a ToUnicode CMap's text maps (bfchar entries and bfrange spans)."""
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
