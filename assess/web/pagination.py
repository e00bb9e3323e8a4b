"""Pagination for lists that grow with the number of units: two queries whatever the size."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request, url_for

# PostgreSQL's integer: a larger id names nothing.
MAX_ID = 2**31 - 1


@dataclass
class Page:
    items: list
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def paginate(query, size: int | None = None) -> Page:
    """The requested page (``?page=N``, clamped to range) of a peewee query."""
    size = size or int(current_app.config["PAGE_SIZE"])
    number = request.args.get("page", 1, type=int) or 1
    total = query.count()
    number = min(max(1, number), max(1, -(-total // size)))
    return Page(list(query.paginate(number, size)), number, size, total)


def paginate_list(rows: list, size: int | None = None) -> Page:
    """The requested page of an in-memory list (results computed, not queried)."""
    size = size or int(current_app.config["PAGE_SIZE"])
    total = len(rows)
    number = request.args.get("page", 1, type=int) or 1
    number = min(max(1, number), max(1, -(-total // size)))
    return Page(rows[(number - 1) * size : number * size], number, size, total)


def id_arg(name: str) -> int | None:
    """A database id from the query string (``?unit=5``); None when absent, not a number or
    out of range."""
    value = request.args.get(name, type=int)
    return value if value is not None and 0 < value <= MAX_ID else None


def page_url(endpoint: str, number: int) -> str:
    """The current list at page ``number``, keeping its filters. Names ``url_for`` reserves
    (``_external``, ``_method``…) or that clash with the route's own arguments are dropped,
    so a crafted query string can neither break the link nor point it elsewhere."""
    view_args = request.view_args or {}
    keep = {
        key: value
        for key, value in request.args.items()
        if not key.startswith("_") and key not in view_args and key not in ("endpoint", "page")
    }
    return url_for(endpoint, **view_args, **keep, page=number)
