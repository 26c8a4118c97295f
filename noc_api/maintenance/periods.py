"""Maintenance periods in the city's local time: the week, month, quarter, half-year or year a moment falls in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class Every(StrEnum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    HALF_YEAR = "half_year"
    YEAR = "year"


@dataclass(frozen=True)
class Period:
    key: str  # "2026-W49", "2026-12", "2026-Q4", "2026-H2", "2026": stable, so a restart finds its tickets
    start: datetime  # UTC
    end: datetime  # UTC, exclusive: the work is due by then


def _months(d: date, n: int) -> date:
    """The first of the month ``n`` months after ``d``'s month."""
    m = d.month - 1 + n
    return date(d.year + m // 12, m % 12 + 1, 1)


def period_of(every: Every, now: datetime, tz: str) -> Period:
    """The ``every`` period that ``now`` falls in, in the city's zone ``tz``."""
    zone = ZoneInfo(tz)
    day = now.astimezone(zone).date()
    if every is Every.WEEK:
        a = day - timedelta(days=day.weekday())
        b = a + timedelta(days=7)
        year, week, _ = a.isocalendar()
        key = f"{year}-W{week:02d}"
    elif every is Every.YEAR:
        a, b, key = date(day.year, 1, 1), date(day.year + 1, 1, 1), str(day.year)
    else:
        span = {Every.MONTH: 1, Every.QUARTER: 3, Every.HALF_YEAR: 6}[every]
        index = (day.month - 1) // span
        a = date(day.year, index * span + 1, 1)
        b = _months(a, span)
        key = {
            Every.MONTH: f"{day.year}-{day.month:02d}",
            Every.QUARTER: f"{day.year}-Q{index + 1}",
            Every.HALF_YEAR: f"{day.year}-H{index + 1}",
        }[every]
    return Period(key, _utc(a, zone), _utc(b, zone))


def _utc(d: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(d, time(0), tzinfo=zone).astimezone(UTC)
