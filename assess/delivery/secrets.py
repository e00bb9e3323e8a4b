"""Keeping the channels' secrets out of sight: what a page shows of a stored secret, and
an error text cleaned before it is logged or stored.

A webhook URL is a secret as a whole (its ``key=`` or ``access_token=`` lets anyone post
to the group), so pages show only its host. No character of a secret is ever shown, not
even the last few: a short password or signing secret would be half given away."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

_URL = re.compile(r"https?://[^\s'\"<>]+")
HIDDEN = "***"


def masked(secret: str) -> str:
    """What a page shows of a stored secret: nothing when empty, else ``***``."""
    return HIDDEN if secret else ""


def masked_url(url: str) -> str:
    """A webhook as a page shows it: scheme and host (which group's robot is told apart by
    the unit it belongs to), then ``***``."""
    if not url:
        return ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}/{masked(url)}"


def cleaned(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` (an exception's message) with every URL cut to its host and every known
    secret replaced, at most 480 characters: safe for a log line, a page and the row."""
    out = _URL.sub(
        lambda m: f"{urlsplit(m.group(0)).scheme}://{urlsplit(m.group(0)).hostname}/…", text
    )
    for secret in secrets:
        if secret and len(secret) >= 4:
            out = out.replace(secret, HIDDEN)
    return out[:480]
