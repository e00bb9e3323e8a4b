"""WeasyPrint's HTML with a user-agent stylesheet fitted to the printed reports.

WeasyPrint's own user-agent sheet gives *every* element six pseudo-elements with styles
(``::marker``, ``::footnote-call``, ``::footnote-marker``, ``::note-call``,
``::note-marker``, ``::note-callback``: universal rules), and computes a style for each of
them whether or not the document uses footnotes or lists. A unit report of 60 indicators
has about 1,600 elements, so about 9,400 such styles: 0.2 s of the 1.6 s a report took
(`bench/report.py`). The reports have no footnotes or notes and their only list items are
``li``, so this sheet is WeasyPrint's own text with the footnote and note rules dropped
and the marker rule scoped to ``li``; the printed pages are the same
(``tests/reports/test_ua_sheet.py`` compares every character's position).

WeasyPrint has no public setting for this: ``HTML._ua_stylesheets`` is the hook its own
forms option uses, and the test above fails the day it is renamed or the rules change.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

# The universal pseudo-element rules the reports never use (one rule per line upstream).
UNUSED_RULES = re.compile(r"^::(?:footnote|note)-[a-z-]+ \{[^\n]*\}\n", re.MULTILINE)
UNIVERSAL_MARKER = "::marker {"


def stock_sheet_text() -> str:
    import weasyprint

    return (Path(weasyprint.__file__).parent / "css" / "html5_ua.css").read_text("utf-8")


def report_sheet_text(stock: str) -> str:
    """``stock`` (WeasyPrint's user-agent sheet) without the rules the reports never use.
    Raises ValueError when the sheet no longer has them as this module expects."""
    trimmed, dropped = UNUSED_RULES.subn("", stock)
    markers = stock.count("\n" + UNIVERSAL_MARKER)
    if dropped != 5 or markers != 1:
        raise ValueError(
            f"WeasyPrint's user-agent sheet changed ({dropped} note rules, {markers} "
            "marker rules): review assess/reports/ua_sheet.py"
        )
    return trimmed.replace("\n" + UNIVERSAL_MARKER, "\nli" + UNIVERSAL_MARKER)


@cache
def _report_sheet():
    from weasyprint import CSS

    return CSS(string=report_sheet_text(stock_sheet_text()))


@cache
def report_html_class():
    """A subclass of ``weasyprint.HTML`` whose documents use the fitted sheet (parsed
    here, once per process)."""
    from weasyprint import HTML

    sheet = _report_sheet()

    class ReportHTML(HTML):
        def _ua_stylesheets(self, forms=False):
            if forms:  # the reports have no forms; keep WeasyPrint's own behaviour
                return super()._ua_stylesheets(forms=True)
            return [sheet]

    return ReportHTML
