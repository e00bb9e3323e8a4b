"""The archival finish of every printed report (issue 15 item 13).

WeasyPrint writes the document as PDF/A-3u (:data:`PDF_VARIANT`): XMP metadata mirroring
the document information (title, author = the issuing office, subject, keywords, dates),
the sRGB output intent, a file identifier, fonts embedded with ToUnicode maps. A-3u rather
than A-2u because an archive may later attach the source data (xlsx) to the file, which
only PDF/A-3 admits; U because every glyph must map to Unicode, so the text stays
searchable and copyable. :func:`finisher` then, before the file is written:

* gives the pages labels that match the printed page numbers: the cover and blank pages
  carry no number in print, so a viewer's "page 3" is the page printed ``— 3 —``
  (``/PageLabels``, ISO 32000-1 §12.4.2);
* compacts the CJK font subsets (:mod:`assess.reports.fontsubset`);
* renames each font subset with a tag derived from the glyphs it holds. WeasyPrint's tag
  is a hash of the font's name, so every report carries the same ``ABCDEF+Font`` with a
  different glyph set: merged or archived together, viewers take one subset for the
  other. ISO 32000-1 §9.6.4 asks for a tag unique to each subset.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from assess.reports import fontsubset
from scoring.i18n import _

PDF_VARIANT = "pdf/a-3u"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PageLabel:
    """The label of the pages from index ``first`` on (0-based) up to the next label:
    ``prefix`` and, when ``start`` is set, decimal numbers counting from it."""

    first: int
    prefix: str = ""
    start: int | None = None


def page_labels(document) -> tuple[PageLabel, ...]:
    """The labels of a rendered WeasyPrint ``document``'s pages, after the counting of
    print.css: the cover (named page ``cover``) and blank pages print no number and do not
    count; every other page counts from 1. Empty when the pages cannot be told apart."""
    kinds = []
    for page in document.pages:
        page_type = getattr(getattr(page, "_page_box", None), "page_type", None)
        if page_type is None:  # not the WeasyPrint this was written for: no labels
            log.warning("page types unavailable: PDF page labels left out")
            return ()
        kinds.append("cover" if page_type.name == "cover" else "blank" if page_type.blank else "")
    labels: list[PageLabel] = []
    number = 0
    for index, kind in enumerate(kinds):
        if kind:
            prefix = _("封面") if kind == "cover" else _("空白页")
            if not labels or labels[-1].prefix != prefix or labels[-1].start is not None:
                labels.append(PageLabel(index, prefix))
        else:
            number += 1
            if not labels or labels[-1].start is None:
                labels.append(PageLabel(index, "", number))
    return tuple(labels)


def subset_tag(name: str, codes: set[int]) -> str:
    """Six capital letters naming the subset of font ``name`` holding glyphs ``codes``: the
    same subset always gets the same tag, different subsets different ones."""
    digest = hashlib.sha256(f"{name}:{sorted(codes)}".encode()).digest()
    return "".join(chr(ord("A") + byte % 26) for byte in digest[:6])


def finisher(labels: tuple[PageLabel, ...]):
    """A WeasyPrint ``finisher`` (called with the document and its pydyf PDF just before
    the file is written) that labels the pages with ``labels``, compacts the font subsets
    and tags each subset by its glyphs (see the module docstring). It works on the objects
    WeasyPrint is about to write: reading the file back and writing it again (pypdf) costs a
    third of a second a report and duplicated the colour profile of every chart glyph of a
    PDF/A file (4 MB instead of 0.8 MB)."""

    def finish(document, pdf) -> None:
        fontsubset.compact_fonts(document, pdf)
        for font in fontsubset.type0_font_objects(pdf):
            _retag(pdf, font)
        if labels:
            pdf.catalog["PageLabels"] = _page_label_tree(labels)

    return finish


def _page_label_tree(labels: tuple[PageLabel, ...]):
    import pydyf

    numbers = pydyf.Array()
    for label in labels:
        entry = pydyf.Dictionary()
        if label.start is not None:
            entry["S"] = "/D"
            entry["St"] = label.start
        if label.prefix:
            entry["P"] = pydyf.String(label.prefix)
        numbers.extend((label.first, entry))
    return pydyf.Dictionary({"Nums": numbers})


def _retag(pdf, font) -> None:
    base = fontsubset.as_text(font.get("BaseFont", b""))
    tag, plus, name = base.lstrip("/").partition("+")
    if not plus or len(tag) != 6:
        return
    renamed = f"/{subset_tag(name, fontsubset.object_font_codes(pdf, font))}+{name}".encode()
    descendant = fontsubset.resolve(pdf, font["DescendantFonts"][0])
    descriptor = fontsubset.resolve(pdf, descendant["FontDescriptor"])
    font["BaseFont"] = descendant["BaseFont"] = descriptor["FontName"] = renamed
