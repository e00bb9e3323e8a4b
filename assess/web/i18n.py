"""Interface language: zh_CN first, English available (Flask-Babel).

Message ids are the Chinese text; ``translations/en`` holds the English catalogue.
"""

from __future__ import annotations

import os

from flask import g, has_request_context, request, session
from flask_babel import Babel
from flask_login import current_user

from assess.core.formatting import LOCAL_TIMEZONE

LANGUAGES = ("zh_CN", "en")


def select_locale() -> str:
    """The session's choice, then the user's saved one, then zh_CN (the office's language)."""
    if not has_request_context():  # the CLI and workers: ASSESS_LANG, like scoring.i18n
        return os.environ.get("ASSESS_LANG", "zh_CN")
    chosen = session.get("locale")
    if chosen in LANGUAGES:
        return chosen
    if g.get("bare_page"):
        # An error page while the database may be down: only a user already loaded.
        user = g.get("_login_user")
        if getattr(user, "is_authenticated", False) and user.locale in LANGUAGES:
            return user.locale
    elif current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    if request.args.get("lang") in LANGUAGES:
        return request.args["lang"]
    return "zh_CN"


def init_app(app) -> None:
    from assess import ROOT

    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(ROOT / "translations"))
    Babel(app, locale_selector=select_locale, default_timezone=LOCAL_TIMEZONE)
