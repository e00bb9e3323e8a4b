"""Sessions, CSRF and response headers: the protections every page gets; API tokens.

A request under ``API_PREFIX`` is the token's alone: its person comes from the
``Authorization: Bearer`` header and never from the session cookie, so a browser cannot be
led to call the API with its cookie, and the API needs no CSRF token (a page cannot make a
browser send another site's bearer header).
"""

from __future__ import annotations

import hmac
import re
from urllib.parse import urlsplit

from flask import abort, current_app, g, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from assess.accounts import tokens
from assess.accounts.models import User

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = _l("请先登录")
login_manager.login_message_category = "warning"
# "strong" drops the session when the client's address/agent changes mid-session.
login_manager.session_protection = "strong"

csrf = CSRFProtect()

API_PREFIX = "/api/v1"

# Inline styles are allowed because matplotlib's SVG charts carry style attributes; scripts
# only from our own origin, no framing, no plugins.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


# A year, the value browsers' preload lists ask for.
HSTS = "max-age=31536000; includeSubDomains"

# Browsers drop tabs and newlines from a URL and read "\\" as "/", so "/\t/x" and "/\\x"
# lead to host x; control characters also break the Location header.
_UNSAFE_IN_PATH = re.compile(r"[\x00-\x1f\x7f\\]")


def safe_next(target: str | None, default: str) -> str:
    """``target`` when it is a path on this site (no scheme, host, control character or
    backslash), else ``default``: the one check for every ``next`` redirected to."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or _UNSAFE_IN_PATH.search(target)
    ):
        return default
    parts = urlsplit(target)
    return default if parts.scheme or parts.netloc else target


@login_manager.user_loader
def _load_user(user_id: str):
    number, _, _stamp = user_id.partition(".")
    if not number.isdigit():
        return None
    user = User.get_or_none(User.id == int(number))
    if user is None or not user.active or not hmac.compare_digest(user.get_id(), user_id):
        return None
    return user


def api_request() -> bool:
    """True for a request under ``API_PREFIX``: answered in JSON, authenticated by token."""
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


def bearer_secret() -> str | None:
    """The token in ``Authorization: Bearer <token>``, or None."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    return (secret.strip() or None) if scheme.lower() == "bearer" else None


def api_token_id() -> int | None:
    """The id of the valid token this API request carries, or None (no token, a bad one, or
    not an API request): what the rate limit counts by, never the secret."""
    return g.get("api_token_id")


def _load_token_user() -> None:
    """For an API request, sign in the bearer token's person for this request only, with
    the token's scope on it (``token_scope``, which ``policy.can`` reads); anonymous when
    there is no valid token, whatever the session cookie says."""
    if not api_request():
        return
    found = tokens.authenticate(bearer_secret())
    if found is None:
        g._login_user = login_manager.anonymous_user()
        return
    user, token = found
    user.token_scope = token.scope
    user.audit_name = _audit_name(user, token)
    g._login_user = user
    g.api_token_id = token.id


def _audit_name(user, token) -> str:
    """How the audit names a write through ``token``: its person and the token's name, in
    the instance's language (written once, whatever language the client asked for)."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return _("%(user)s（接口令牌：%(token)s）", user=user.username, token=token.name)


def init_app(app) -> None:
    login_manager.init_app(app)
    csrf.init_app(app)
    # Before the route guard (registered after this), which then sees the token's person.
    app.before_request(_load_token_user)

    @app.before_request
    def _refuse_nul() -> None:
        # PostgreSQL can neither store nor compare a NUL character: refuse it here (400)
        # instead of failing in the database (500); SQLite then behaves the same.
        for values in (request.args, request.form):
            if any("\x00" in value for _key, value in values.items(multi=True)):
                abort(400)

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.endpoint != "static":
            # Pages and downloads (evidence, thumbnails, reports, exports) may hold one
            # unit's data: no shared or browser cache keeps a copy after sign-out.
            response.headers["Cache-Control"] = "no-store"
        if app.config["HTTPS"]:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response
