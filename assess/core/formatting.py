"""How numbers and times are shown (数字与时间的显示), on pages, in exports and in print.

One number formatter, :func:`plain_number`, lives in :mod:`scoring.values` because the
offline engine writes values and YAML with it and may not import :mod:`assess`; it is
re-exported here so the app has one place to take it from.

Times are stored as naive UTC and shown on the offices' calendar, :data:`LOCAL_TIMEZONE`,
which :mod:`assess.web.i18n` also gives Flask-Babel: pages, exports, print and the
nomination window's dates all read the same clock, with or without a request.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from scoring.values import plain_number

__all__ = ["LOCAL_TIMEZONE", "local_date", "local_time", "local_today", "plain_number"]

#: The offices' calendar (SPEC: a city in China); Flask-Babel's default timezone.
LOCAL_TIMEZONE = "Asia/Shanghai"
LOCAL_TIME_FORMAT = "%Y-%m-%d %H:%M"


def _local(value: datetime) -> datetime:
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(LOCAL_TIMEZONE))


def local_time(value: datetime | None) -> str:
    """A stored UTC time as the office's wall time to the minute (``2011-11-08 17:30``);
    ``""`` for None."""
    if value is None:
        return ""
    return _local(value).strftime(LOCAL_TIME_FORMAT)


def local_date(value: datetime) -> date:
    """The office's calendar date of a stored UTC time."""
    return _local(value).date()


def local_today() -> date:
    """Today on the office's calendar (a deadline set for a day ends there, not in UTC)."""
    return local_date(datetime.now(UTC))
