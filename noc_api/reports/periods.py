"""Report periods in the city's local time: daily, weekly, monthly, yearly, or an explicit range."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

KINDS = ("daily", "weekly", "monthly", "yearly")


def period_bounds(kind: str, day: date, tz: ZoneInfo) -> tuple[datetime, datetime, str]:
    """[start, end) in UTC of the ``kind`` period containing ``day`` (local), and its label."""
    if kind == "daily":
        a, b, label = day, day + timedelta(days=1), f"{day:%d %b %Y}"
    elif kind == "weekly":
        a = day - timedelta(days=day.weekday())
        b, label = a + timedelta(days=7), f"week of {a:%d %b %Y}"
    elif kind == "monthly":
        a = day.replace(day=1)
        b, label = (a + timedelta(days=32)).replace(day=1), f"{a:%B %Y}"
    elif kind == "yearly":
        a, b, label = date(day.year, 1, 1), date(day.year + 1, 1, 1), str(day.year)
    else:
        raise ValueError(f"unknown period {kind!r}; use one of {', '.join(KINDS)}")
    return _utc(a, tz), _utc(b, tz), label


def _utc(d: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(d, time(0), tzinfo=tz).astimezone(UTC)
