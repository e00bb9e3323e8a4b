"""Rate limits per API token (请求频率限制), with Flask-Limiter.

Every ``/api/v1`` endpoint of the API blueprint counts against one budget per token,
``API_RATE_LIMIT`` (all endpoints together: a shared limit, not one per endpoint). The key is
the token's id, never its secret; a request without a valid token counts against its
address, so a caller guessing tokens gets its 401s only so often. The OpenAPI document, its
reading page and the web pages are not limited.

The counters live where ``API_RATE_LIMIT_STORAGE_URL`` says: ``memory://`` counts in each
process on its own (gunicorn's N workers let a token make N times the limit), ``redis://``
shares them between every worker and machine.
"""

from __future__ import annotations

import time

from flask import g, request
from flask_babel import gettext as _
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits import parse_many

from assess.api.views import bp
from assess.web.errors import problem
from assess.web.security import api_token_id

# One budget for the whole blueprint: a shared limit's scope replaces the endpoint in the key.
SCOPE = "api"
REFUSED = 429


def request_key() -> str:
    """The token's id for a request with a valid token, else the client address (which
    ``TRUSTED_PROXIES`` makes the real one behind a proxy)."""
    token_id = api_token_id()
    return f"token:{token_id}" if token_id is not None else f"address:{get_remote_address()}"


def init_app(app) -> None:
    """Give ``app`` its own limiter (one per app: its limit and storage are the app's).

    Must run after ``security.init_app`` (the key needs the token's id) and before
    ``guard.init_app`` (a request without a token must be counted before the guard answers
    401)."""
    limit = app.config["API_RATE_LIMIT"]
    parse_many(limit)  # a typo refuses to start here, not on the first API request

    @app.after_request
    def _retry_after_only_when_refused(response):
        # Flask-Limiter puts Retry-After on every limited response, a 200 too, where it means
        # nothing, and recomputes it on a 429 (it may say 0 where the detail said 1). This
        # hook is registered before the limiter's, so it runs after it and has the last word.
        if response.status_code == REFUSED and "rate_limit_retry_after" in g:
            response.headers["Retry-After"] = str(g.rate_limit_retry_after)
        elif response.status_code != REFUSED and limiter.current_limit is not None:
            response.headers.pop("Retry-After", None)
        return response

    limiter = Limiter(
        request_key,
        app=app,
        storage_uri=app.config["API_RATE_LIMIT_STORAGE_URL"],
        strategy="fixed-window",
        headers_enabled=True,  # X-RateLimit-Limit, -Remaining, -Reset and Retry-After
        key_prefix="assess",
        # A redis that cannot be reached does not take the API down: each process counts
        # in memory until it answers again (Flask-Limiter retries it with a backoff).
        in_memory_fallback_enabled=True,
    )
    limiter.shared_limit(limit, scope=SCOPE)(bp)

    @app.errorhandler(RateLimitExceeded)
    def _refused(exc):
        seconds = g.rate_limit_retry_after = _seconds_left(limiter)
        response = problem(REFUSED, _("请求过于频繁，请 %(seconds)s 秒后再试。", seconds=seconds))
        response.headers["Retry-After"] = str(seconds)
        app.logger.info(
            "rate limit %s exceeded by %s on %s", exc.limit.limit, request_key(), request.path
        )
        return response


def _seconds_left(limiter: Limiter) -> int:
    """Whole seconds until the breached limit's window ends, at least 1."""
    current = limiter.current_limit
    if current is None:
        return 1
    return max(1, int(current.reset_at - time.time()))
