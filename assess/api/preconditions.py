"""Optimistic locking over HTTP: a write names the representation it was read at
(``If-Match``).

A self-report item's ETag is its version (``"3"``; ``"0"`` for an item never saved), a
cycle's a hash of it as shown. A write without ``If-Match`` is refused with 428 (RFC 6585):
the client must read first, or it would overwrite what it never saw. ``*`` and weak ETags
are refused the same way, since they name no version. The comparison itself happens inside
the write's transaction, on the locked row; a mismatch there is answered 412.
"""

from __future__ import annotations

from flask import abort, request
from flask_babel import gettext as _

from assess.web.errors import problem


def version_etag(version: int) -> str:
    return str(version)


def expected_etag(message: str) -> str:
    """The one strong ETag the client's ``If-Match`` names; aborts 428 with ``message``
    when there is none (or several, or ``*``)."""
    if_match = request.if_match
    etags = [] if if_match.star_tag else list(if_match.as_set())
    if len(etags) != 1:
        abort(problem(428, message))
    return etags[0]


def expected_version() -> int:
    """The version the client's ``If-Match`` names; aborts 428 when it names none."""
    message = _("修改前须先读取该记录，并在 If-Match 请求头中带上读取时的 ETag（版本号）。")
    etag = expected_etag(message)
    if not etag.isdigit() or len(etag) > 9:
        abort(problem(428, message))
    return int(etag)
