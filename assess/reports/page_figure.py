"""A chart as a web page shows it (网页图表): its title, the SVG drawn by
:mod:`assess.reports.charts` (the functions the PDFs use) made to fit any screen, and the
same figures as a table, the chart's text alternative. Templates render it with the
``chart_figure`` macro of ``templates/_macros.html``.

No database, no Flask, no matplotlib: the areas that draw a chart (``web_figures`` for the
published results, ``cycles.submission_progress``) build these values; pages only show them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# matplotlib writes the size in points; CSS pixels are 96 to the inch, points 72.
_PX_PER_PT = 96 / 72


@dataclass(frozen=True)
class DataTable:
    """A chart's figures as rows of display strings (numbers already as the PDF tables
    print them, 2 decimals); ``numeric`` lists the columns that hold numbers."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[int, ...] = ()


@dataclass(frozen=True)
class PageFigure:
    """One chart on a page. ``key`` is unique on the page: the figure's id, and the prefix
    of every id inside its SVG; the title's element is ``{key}-title``, which the SVG
    names as its label. ``legend`` lines are printed under the chart (the heat map's codes
    with their indicators' full names). A ``wide`` chart (the heat map, drawn at print
    width with small figures in its cells) takes a page's whole width and, on a phone,
    scrolls sideways rather than shrinking its figures out of sight."""

    key: str
    title: str
    svg: str
    table: DataTable
    legend: tuple[str, ...] = ()
    wide: bool = False

    @property
    def title_id(self) -> str:
        return f"{self.key}-title"


_ROOT = re.compile(r"<svg\b[^>]*>")
_SIZE = re.compile(r'\s(width|height)="([\d.]+)(pt|px)?"')
_ID = re.compile(r'\bid="([^"]+)"')
_REFERENCE = re.compile(r'(url\(#|href="#)([^")]+)')


def for_page(svg: str, key: str, grow: float = 1.0) -> str:
    """``svg`` (one chart of ``assess.reports.charts``) ready to be inlined in a page as
    figure ``key``:

    - it scales with its container: the fixed width and height go, a viewBox stays (made
      from them if the SVG had none), and its drawn width times ``grow`` becomes its
      ``max-width``, so a wide screen shows it at its size (or ``grow`` times it) and a
      phone shrinks it to fit;
    - its ids are prefixed with ``key``: matplotlib numbers them alike in every chart
      (``figure_1``, ``axes_1``), and ids must be unique in a page;
    - it is an image labelled by the figure's title (``role="img"``).
    """
    root = _ROOT.search(svg)
    if root is None:
        raise ValueError("not an SVG document")
    tag = root.group(0)
    size = {name: float(value) for name, value, _unit in _SIZE.findall(tag)}
    opening = _SIZE.sub("", tag)
    if "viewBox=" not in opening:
        if set(size) != {"width", "height"}:
            raise ValueError("an SVG without viewBox needs its width and height")
        opening = opening.replace(
            "<svg", f'<svg viewBox="0 0 {size["width"]:g} {size["height"]:g}"', 1
        )
    width = size.get("width")
    style = f' style="max-width: {round(width * _PX_PER_PT * grow)}px"' if width else ""
    opening = opening.replace(
        "<svg",
        f'<svg role="img" aria-labelledby="{key}-title" focusable="false"{style}',
        1,
    )
    body = svg[: root.start()] + opening + svg[root.end() :]
    body = _ID.sub(lambda m: f'id="{key}-{m.group(1)}"', body)
    return _REFERENCE.sub(lambda m: f"{m.group(1)}{key}-{m.group(2)}", body)
