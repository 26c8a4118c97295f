"""Report periods in the city's local time: daily, weekly, fortnightly (1-15, 16-end), monthly, yearly."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

KINDS = ("daily", "weekly", "fortnightly", "monthly", "yearly")


def period_bounds(kind: str, day: date, tz: ZoneInfo) -> tuple[datetime, datetime, str]:
    """[start, end) in UTC of the ``kind`` period containing ``day`` (local), and its label."""
    if kind == "daily":
        a, b, label = day, day + timedelta(days=1), f"{day:%d %b %Y}"
    elif kind == "weekly":
        a = day - timedelta(days=day.weekday())
        b, label = a + timedelta(days=7), f"week of {a:%d %b %Y}"
    elif kind == "fortnightly":  # the QC centre's reports to the Mayor: the 1st-15th and the 16th-month end
        first = day.replace(day=1)
        a = first if day.day <= 15 else first.replace(day=16)
        b = first.replace(day=16) if day.day <= 15 else (first + timedelta(days=32)).replace(day=1)
        label = f"{a:%d}-{b - timedelta(days=1):%d %b %Y}"
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


def previous_bounds(kind: str, day: date, tz: ZoneInfo) -> tuple[datetime, datetime, str]:
    """The ``kind`` period just before the one containing ``day`` (counted in local dates, so a fortnight's
    predecessor is the other half of the month, whatever the UTC offset)."""
    start, _, _ = period_bounds(kind, day, tz)
    return period_bounds(kind, start.astimezone(tz).date() - timedelta(days=1), tz)
