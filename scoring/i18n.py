"""Message translation for the framework-free packages (scoring, indicators, offline commands).

The web app translates through Flask-Babel; code that must not import Flask marks its
user-facing strings with ``_`` from here. Both read the same catalogue in ``translations/``,
so one ``pybabel extract`` finds every string. Chinese is the source language: a message
id *is* the zh-CN text, and ``ASSESS_LANG=en`` switches to the English catalogue.
"""

from __future__ import annotations

import gettext
import os
from functools import cache
from pathlib import Path

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"


@cache
def _catalogue(language: str) -> gettext.NullTranslations:
    return gettext.translation(
        "messages", localedir=TRANSLATIONS_DIR, languages=[language], fallback=True
    )


def current_language() -> str:
    """The language asked for by ``ASSESS_LANG`` (default ``zh_CN``)."""
    return os.environ.get("ASSESS_LANG", "zh_CN")


def _(message: str, **params: object) -> str:
    """Translate ``message`` and fill ``%(name)s`` placeholders from ``params``."""
    text = _catalogue(current_language()).gettext(message)
    return text % params if params else text
