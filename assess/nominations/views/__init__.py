"""The nomination round's pages, on one blueprint: the office's set-up (``setup_pages``),
the units' nominations (``entry_pages``), blind review (``review_pages``) and the results
(``result_pages``). Importing the package registers every route on ``bp``."""

from assess.nominations.views import entry_pages, result_pages, review_pages, setup_pages
from assess.nominations.views.common import bp

__all__ = ["bp", "entry_pages", "result_pages", "review_pages", "setup_pages"]
