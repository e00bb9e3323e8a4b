"""Every printed report is a PDF/A-3u file for the archive (issue 15 item 13): XMP metadata
agreeing with the document information, the sRGB output intent, embedded fonts with Unicode
maps, page labels matching the printed page numbers, subset tags unique to each subset.

No veraPDF here (it is a Java download neither PyPI nor Debian carries): these tests check
the clauses of ISO 19005-3 a report can break, with pypdf reading the file and poppler's
pdffonts and pdftotext reading it the way viewers do.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest
from pypdf import PdfReader

from assess.reports import archive
from tests.reports.report_helpers import render_to
from tests.reports.sample_reports import sample_award_list, sample_city_summary, sample_unit_report

pytestmark = pytest.mark.pure

RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
PDFAID = "{http://www.aiim.org/pdfa/ns/id/}"
DC = "{http://purl.org/dc/elements/1.1/}"
XMP = "{http://ns.adobe.com/xap/1.0/}"
PDF = "{http://ns.adobe.com/pdf/1.3/}"


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("archive")
    return {
        "unit": render_to(tmp, "unit.pdf", sample_unit_report(0, indicator_count=20)),
        "other_unit": render_to(tmp, "other.pdf", sample_unit_report(5, indicator_count=20)),
        "city": render_to(tmp, "city.pdf", sample_city_summary()),
        "award": render_to(tmp, "award.pdf", sample_award_list()),
    }


def _xmp(path) -> dict[str, str]:
    reader = PdfReader(path)
    root = ElementTree.fromstring(reader.xmp_metadata.stream.get_data().split(b"?>", 1)[1])
    found: dict[str, str] = {}
    for description in root.iter(f"{RDF}Description"):
        for key, value in description.attrib.items():
            found[key] = value
        for child in description:
            texts = [li.text for li in child.iter(f"{RDF}li")]
            found[child.tag] = ", ".join(texts) if texts else child.text
    return found


@pytest.mark.parametrize("name", ["unit", "city", "award"])
def test_every_report_declares_pdfa_3u_with_metadata_matching_the_document_information(
    reports, name
):
    pdf = reports[name]
    reader = PdfReader(pdf.path)
    info = reader.metadata
    xmp = _xmp(pdf.path)
    assert (xmp[f"{PDFAID}part"], xmp[f"{PDFAID}conformance"]) == ("3", "U")
    assert reader.pdf_header == "%PDF-1.7"
    assert reader.trailer["/ID"][0]  # a file identifier
    # Title, author (the issuing office), subject and keywords in both places, alike.
    assert xmp[f"{DC}title"] == info["/Title"] and info["/Title"]
    assert xmp[f"{DC}creator"] == info["/Author"]
    assert info["/Author"].endswith("办公室") or "局" in info["/Author"]
    assert xmp[f"{DC}description"] == info["/Subject"] and info["/Subject"]
    assert xmp[f"{PDF}Keywords"] == info["/Keywords"] and "年度" in info["/Keywords"]
    assert xmp[f"{PDF}Producer"] == info["/Producer"]
    created = info["/CreationDate"]  # D:YYYYMMDDHHmmSS+hh'mm'
    stamp = re.sub(r"\D", "", xmp[f"{XMP}CreateDate"])
    assert re.sub(r"\D", "", created)[:14] == stamp[:14]
    assert info["/ModDate"] == created
    intents = reader.trailer["/Root"]["/OutputIntents"]
    assert intents[0]["/S"] == "/GTS_PDFA1"
    assert intents[0]["/DestOutputProfile"].get_object().get_data()[36:40] == b"acsp"  # ICC


@pytest.mark.parametrize("name", ["unit", "city", "award"])
def test_every_font_is_embedded_and_maps_to_unicode(reports, name):
    fonts = reports[name].fonts()
    assert fonts
    assert all(f["emb"] == "yes" and f["uni"] == "yes" for f in fonts), fonts


@pytest.mark.parametrize("name", ["unit", "city", "award"])
def test_page_labels_are_the_printed_page_numbers(reports, name):
    pdf = reports[name]
    labels = PdfReader(pdf.path).page_labels
    pages = pdf.pages()
    assert len(labels) == len(pages)
    for label, text in zip(labels, pages, strict=True):
        printed = re.findall(r"—\s*(\d+)\s*—", text)
        if printed:
            assert label == printed[-1], (label, printed)
        else:  # the cover and the blank back of it print no number
            assert label in ("封面", "空白页"), label
    if name != "award":
        assert labels[:3] == ["封面", "空白页", "1"]


def test_subset_tags_differ_between_subsets_and_repeat_for_the_same_one(reports):
    def tags(pdf):
        return {row["name"].partition("+")[2]: row["name"] for row in pdf.fonts()}

    one, other = tags(reports["unit"]), tags(reports["other_unit"])
    assert all(re.fullmatch(r"[A-Z]{6}\+.+", name) for name in one.values())
    assert len(set(one.values())) == len(one)  # unique within the document
    # Two units' reports print different characters in their body face (unit names,
    # figures), so those subsets differ, and so do their tags (WeasyPrint's tag depends on
    # the font's name only); faces printing the same headings may share a subset and a tag.
    shared = one.keys() & other.keys()
    assert shared and any(one[font] != other[font] for font in shared)
    assert archive.subset_tag("Noto-Serif-CJK-SC", {1, 2, 3}) == archive.subset_tag(
        "Noto-Serif-CJK-SC", {3, 2, 1}
    )
    assert archive.subset_tag("Noto-Serif-CJK-SC", {1, 2}) != archive.subset_tag(
        "Noto-Serif-CJK-SC", {1, 2, 3}
    )


def test_page_label_ranges_skip_unnumbered_pages():
    class Page:
        def __init__(self, name, blank):
            self._page_box = type(
                "Box", (), {"page_type": type("T", (), {"name": name, "blank": blank})}
            )

    class Document:
        pages = [Page("cover", False), Page("", True), Page("", False), Page("", False)]
        pages += [Page("", True), Page("", False)]

    assert archive.page_labels(Document()) == (
        archive.PageLabel(0, "封面"),
        archive.PageLabel(1, "空白页"),
        archive.PageLabel(2, "", 1),
        archive.PageLabel(4, "空白页"),
        archive.PageLabel(5, "", 3),
    )
