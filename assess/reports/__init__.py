"""Printed reports (PDF) and the charts shared by the web pages and the PDFs.

- :mod:`~assess.reports.data`: what each report shows, as frozen values (no database).
- :mod:`~assess.reports.charts`: one function per chart, SVG text (matplotlib ``Figure``).
- :mod:`~assess.reports.render`: ``render_unit_report`` (督查报告), ``render_city_summary``,
  ``render_award_list`` (表彰名单) → PDF bytes, after GB/T 9704-2012.
- :mod:`~assess.reports.batch`: many reports in worker processes; zip them.
- :mod:`~assess.reports.fonts`: which fonts print, configurable; ``MissingFontError``.
- :mod:`~assess.reports.fontsubset`: keeps embedded CJK fonts small.

Nothing here imports Flask or the database; WeasyPrint is imported when a PDF is made.
"""
