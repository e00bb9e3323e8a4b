"""Pagination for lists that grow with the number of units: two queries whatever the size."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request


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
