"""One log line per request, with a request id (请求编号) the user can quote.

Every request gets an id: the ``X-Request-ID`` a trusted proxy sent (only when
``TRUSTED_PROXIES`` > 0, and only a short token of safe characters, so nobody writes into
the log through it), else a new random one. The id goes back in the response's
``X-Request-ID`` header and onto the error pages, and into the request's one log line:
``request id=… method=… path=… status=… ms=… user=… addr=… token=…`` (the API token's id,
``-`` without one: every use of a token, its reads too, is on record) on the ``assess.request``
logger, through Python logging, the same under gunicorn and the development server. The
path is logged without its query string (a query may carry a token).
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid

from flask import g, request

log = logging.getLogger("assess.request")

HEADER = "X-Request-ID"
_ACCEPTED_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Spaces and control characters in a path are escaped: one request stays one line of fields.
_UNSAFE_IN_LINE = re.compile(r"[\x00-\x20\x7f]")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"


def current_id() -> str | None:
    """The id of the request being served (None outside a request or before it has one)."""
    return g.get("request_id")


def _incoming_id(trusted: bool) -> str | None:
    value = request.headers.get(HEADER, "") if trusted else ""
    return value if _ACCEPTED_ID.fullmatch(value) else None


def _user_id() -> int | str:
    # Only a user already loaded for this request: loading one here would read the database
    # after an outage page, or sign a user in just to log it.
    user = g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return "-"
    return getattr(user, "id", "-")


def configure_logging(level: int = logging.INFO) -> None:
    """Send the ``assess`` loggers (the request lines among them) to stderr, once; for the
    servers of ``assess serve``, whose workers inherit it."""
    logger = logging.getLogger("assess")
    if any(getattr(h, "_assess", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler._assess = True
    logger.addHandler(handler)
    logger.setLevel(level)


def init_app(app) -> None:
    """Register first, so the id exists before anything else about the request can fail."""
    trusted = int(app.config.get("TRUSTED_PROXIES") or 0) > 0

    @app.before_request
    def _begin() -> None:
        g.request_started = time.perf_counter()
        g.request_id = _incoming_id(trusted) or uuid.uuid4().hex

    @app.after_request
    def _finish(response):
        request_id = g.get("request_id") or uuid.uuid4().hex
        response.headers[HEADER] = request_id
        started = g.get("request_started")
        elapsed = (time.perf_counter() - started) * 1000 if started else 0.0
        log.info(
            "request id=%s method=%s path=%s status=%s ms=%.1f user=%s addr=%s token=%s",
            request_id,
            request.method,
            _UNSAFE_IN_LINE.sub(lambda m: f"%{ord(m.group()):02X}", request.path),
            response.status_code,
            elapsed,
            _user_id(),
            request.remote_addr or "-",
            g.get("api_token_id") or "-",
        )
        return response
