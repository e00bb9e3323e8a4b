"""PDF inspection for the report tests, built on poppler-utils (pdftotext, pdffonts,
pdfinfo, pdftoppm) and pdfminer.six. No golden files: tests assert on text, fonts, sizes
and pixels of the PDFs they render."""

from __future__ import annotations

import logging
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from assess.reports import render


@dataclass
class RenderedPdf:
    """A PDF written to disk with what WeasyPrint logged while making it."""

    path: Path
    data: bytes
    warnings: list[str] = field(default_factory=list)

    def text(
        self, *, layout: bool = False, first: int | None = None, last: int | None = None
    ) -> str:
        args = ["pdftotext", "-enc", "UTF-8"]
        if layout:
            args.append("-layout")
        if first is not None:
            args += ["-f", str(first)]
        if last is not None:
            args += ["-l", str(last)]
        return subprocess.run(
            [*args, str(self.path), "-"], capture_output=True, text=True, check=True
        ).stdout

    def pages(self) -> list[str]:
        """The text of each page (pdftotext ends every page with a form feed)."""
        return self.text().split("\f")[:-1]

    def flat_text(self) -> str:
        """The text with all white space removed: table cells wrap lines anywhere."""
        return re.sub(r"\s+", "", self.text())

    def info(self) -> dict[str, str]:
        out = subprocess.run(
            ["pdfinfo", str(self.path)], capture_output=True, text=True, check=True
        ).stdout
        return dict(
            (key.strip(), value.strip())
            for key, _sep, value in (line.partition(":") for line in out.splitlines())
        )

    def fonts(self) -> list[dict[str, str]]:
        """pdffonts rows as dicts (name, emb, sub, uni, …)."""
        out = subprocess.run(
            ["pdffonts", str(self.path)], capture_output=True, text=True, check=True
        ).stdout.splitlines()
        rows = []
        for line in out[2:]:
            parts = line.split()
            # name type… encoding emb sub uni object-id generation
            rows.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3]})
        return rows


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def render_to(tmp: Path, name: str, data) -> RenderedPdf:
    """Render ``data`` to ``tmp/name`` collecting WeasyPrint's warnings (missing glyphs,
    ignored CSS, fontTools fallback) while it runs."""
    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        pdf = render.render_report(data)
    finally:
        logger.removeHandler(handler)
    path = tmp / name
    path.write_bytes(pdf)
    return RenderedPdf(path, pdf, handler.messages)


def page_png(pdf: RenderedPdf, page: int, out: Path, dpi: int = 50) -> Path:
    """Page ``page`` of ``pdf`` as a PNG, through pdftoppm."""
    prefix = out / f"{pdf.path.stem}-{page}"
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            str(dpi),
            "-f",
            str(page),
            "-l",
            str(page),
            "-singlefile",
            str(pdf.path),
            str(prefix),
        ],
        check=True,
    )
    return prefix.with_suffix(".png")


def text_boxes(pdf: RenderedPdf, page: int) -> list[tuple[float, float, float, float, str]]:
    """(x0, top, x1, bottom, text) in points of the text lines on page ``page`` (1-based),
    top measured from the top edge, through pdfminer.six."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTTextContainer, LTTextLine

    boxes = []
    for layout in extract_pages(str(pdf.path), page_numbers=[page - 1]):
        height = layout.height
        stack = list(layout)
        while stack:
            item = stack.pop()
            if isinstance(item, LTTextLine):
                boxes.append(
                    (item.x0, height - item.y1, item.x1, height - item.y0, item.get_text().strip())
                )
            elif isinstance(item, LTTextContainer):
                stack.extend(item)
    return boxes


def cell_texts(pdf: RenderedPdf, page_number: int | None = None) -> list[list[tuple]]:
    """Per page: runs of characters on one baseline with no gap wider than 3 pt, as
    (x0, x1, middle_y, text): the one-line cells of a table (and lines of prose)."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTChar, LTContainer

    pages = []
    numbers = None if page_number is None else [page_number - 1]
    for layout in extract_pages(str(pdf.path), page_numbers=numbers):
        chars = []
        stack = list(layout)
        while stack:
            item = stack.pop()
            if isinstance(item, LTChar):
                chars.append(item)
            elif isinstance(item, LTContainer):
                stack.extend(item)
        chars.sort(key=lambda c: (round((c.y0 + c.y1) / 2), c.x0))
        runs: list[list] = []
        for char in chars:
            middle = (char.y0 + char.y1) / 2
            last = runs[-1] if runs else None
            # A character further left is not the run's next one, even at nearly the same
            # height (a small fraction beside a line of the next cell).
            if last and abs(last[2] - middle) < 1.5 and -1 < char.x0 - last[1] < 3:
                last[1] = char.x1
                last[3] += char.get_text()
            else:
                runs.append([char.x0, char.x1, middle, char.get_text()])
        pages.append([tuple(r[:3]) + (r[3].strip(),) for r in runs if r[3].strip()])
    return pages


def indicator_rows(pdf: RenderedPdf, codes: set[str]) -> dict[str, list[str]]:
    """For each table row whose first cell is one of ``codes``: the texts of the one-line
    cells level with it, left to right (multi-line cells, like the name, may be absent)."""
    rows: dict[str, list[str]] = {}
    for cells in cell_texts(pdf):
        for _x0, x1, middle, text in cells:
            if text not in codes or text in rows:
                continue
            level = [c for c in cells if c[0] > x1 and abs(c[2] - middle) < 2]
            rows[text] = [c[3] for c in sorted(level)]
    return rows


def colours(pdf: RenderedPdf) -> tuple[set[tuple], set[tuple]]:
    """The fill colours of the characters, and of the filled shapes, of every page, as RGB
    tuples rounded to 2 places (charts drawn inline count too)."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTChar, LTContainer, LTCurve

    def rgb(colour) -> tuple:
        values = colour if isinstance(colour, tuple | list) else (colour,) * 3
        return tuple(round(float(v), 2) for v in values)

    text, shapes = set(), set()
    for layout in extract_pages(str(pdf.path)):
        stack = list(layout)
        while stack:
            item = stack.pop()
            if isinstance(item, LTChar):
                text.add(rgb(item.graphicstate.ncolor))
            elif isinstance(item, LTCurve):
                if item.fill:
                    shapes.add(rgb(item.non_stroking_color))
            elif isinstance(item, LTContainer):
                stack.extend(item)
    return text, shapes


def glyphs_crossing_rules(pdf: RenderedPdf) -> list[tuple[int, str]]:
    """(page, character) for every character that a vertical table rule runs through: text
    overflowing its cell. A rule is a black vertical line (a chart's grid and axes are
    grey) that spans the character's middle."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTChar, LTContainer, LTLine, LTRect

    crossing = []
    for number, layout in enumerate(extract_pages(str(pdf.path)), start=1):
        chars, rules = [], []
        stack = list(layout)
        while stack:
            item = stack.pop()
            if isinstance(item, LTChar):
                chars.append(item)
            elif (
                isinstance(item, LTLine | LTRect)
                and item.width < 1.5
                and item.height > 5
                and _is_black(item.stroking_color if item.stroke else item.non_stroking_color)
            ):
                rules.append(((item.x0 + item.x1) / 2, item.y0, item.y1))
            elif isinstance(item, LTContainer):
                stack.extend(item)
        for char in chars:
            if not char.get_text().strip():
                continue
            middle = (char.y0 + char.y1) / 2
            for x, bottom, top in rules:
                if char.x0 + 0.3 < x < char.x1 - 0.3 and bottom <= middle <= top:
                    crossing.append((number, char.get_text()))
                    break
    return crossing


def _is_black(colour) -> bool:
    values = colour if isinstance(colour, tuple | list) else (colour,)
    return all(float(v) < 0.05 for v in values)


def jinshui_handed_in(cycle, values=(("A1", "85/100"), ("A2", "4"), ("B1", "良"))):
    """金水区's reporter saves ``values`` (indicator code, value) in ``cycle`` and hands them
    in; returns the unit."""
    from assess.accounts.models import User
    from assess.cycles import submissions
    from tests.cycle_helpers import unit

    reporter = User.get(User.username == "r-410105")
    jinshui = unit("410105")
    for code, value in values:
        submissions.save_value(cycle, jinshui, code, value, "", None, reporter)
    submissions.submit_unit(cycle, jinshui, reporter)
    return jinshui
