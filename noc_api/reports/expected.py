"""How many complaints a channel would have carried while it was down, from the same hours' usual rate.

Pure: counts and intervals in, numbers out. Hours are local (people call the city on local time), keyed by
hour of week (Monday 00:00 = 0 ... Sunday 23:00 = 167), so a Friday-noon outage is compared with Friday noons.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

Interval = tuple[datetime, datetime]
HOUR = timedelta(hours=1)


def hour_of_week(at: datetime, tz: ZoneInfo) -> int:
    local = at.astimezone(tz)
    return local.weekday() * 24 + local.hour


def _split_by_hour(start: datetime, end: datetime, tz: ZoneInfo) -> Iterable[tuple[int, float]]:
    """(hour of week, minutes) pieces of an interval, cut at local hour boundaries."""
    cur = start
    while cur < end:
        local = cur.astimezone(tz)
        next_hour = (local.replace(minute=0, second=0, microsecond=0) + HOUR).astimezone(cur.tzinfo)
        piece_end = min(end, next_hour)
        yield hour_of_week(cur, tz), (piece_end - cur).total_seconds() / 60
        cur = piece_end


@lru_cache(maxsize=32)
def _window_minutes(start: datetime, end: datetime, tz: ZoneInfo) -> dict[int, float]:
    """Minutes of each hour of week in [start, end): the same for every channel of one report, so made once."""
    out: dict[int, float] = defaultdict(float)
    for how, minutes in _split_by_hour(start, end, tz):
        out[how] += minutes
    return dict(out)


def usual_rates(
    arrivals: Iterable[datetime | tuple[datetime, int]],
    window: Interval,
    downtime: Iterable[Interval],
    tz: ZoneInfo,
) -> dict[int, float]:
    """Complaints per minute for each hour of week, from arrivals in ``window`` counted over the channel's uptime.

    An arrival is a time, or (time, count) for a bucket of arrivals that fall in the same local hour.

    Minutes when the channel was down are left out of the denominator, so an outage in the history does not
    lower the rate it is measured by.
    """
    up_minutes = defaultdict(float, _window_minutes(window[0], window[1], tz))
    for start, end in downtime:
        s, e = max(start, window[0]), min(end, window[1])
        if s < e:
            for how, minutes in _split_by_hour(s, e, tz):
                up_minutes[how] -= minutes
    counts: dict[int, int] = defaultdict(int)
    for item in arrivals:
        at, n = item if isinstance(item, tuple) else (item, 1)
        if window[0] <= at < window[1]:
            counts[hour_of_week(at, tz)] += n
    return {how: counts.get(how, 0) / mins for how, mins in up_minutes.items() if mins > 1e-9}


def expected_missed(downtime: Iterable[Interval], rates: Mapping[int, float], tz: ZoneInfo) -> float:
    """Complaints the channel would usually have received during ``downtime``."""
    total = 0.0
    for start, end in downtime:
        for how, minutes in _split_by_hour(start, end, tz):
            total += rates.get(how, 0.0) * minutes
    return total
