"""The Right to Service clock: promised time, business-hours calendars with holidays, pauses, escalation tiers.

Pure: every function takes ``now``. Time waiting for the citizen does not count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PRIORITY_FACTOR = {"urgent": 0.5, "high": 1.0, "normal": 1.0, "low": 1.0}  # urgent halves the promised time


@dataclass(frozen=True)
class Calendar:
    """Working hours in the city's zone; None hours means round the clock (24/7 services like water)."""

    tz: str = "UTC"
    hours: tuple[int, int] | None = None  # (start hour, end hour), e.g. (9, 17)
    workdays: frozenset[int] = frozenset(range(7))  # Monday=0
    holidays: frozenset[date] = frozenset()

    def _windows(self, day: date) -> tuple[datetime, datetime] | None:
        if day.weekday() not in self.workdays or day in self.holidays:
            return None
        zone = ZoneInfo(self.tz)
        start_h, end_h = self.hours or (0, 24)
        start = datetime.combine(day, time(start_h), zone)
        end = datetime.combine(day, time(0), zone) + timedelta(hours=end_h)
        return start, end


ROUND_THE_CLOCK = Calendar()


def working_seconds(a: datetime, b: datetime, cal: Calendar = ROUND_THE_CLOCK) -> float:
    """Seconds of working time between ``a`` and ``b``."""
    if b <= a:
        return 0.0
    if cal.hours is None and not cal.holidays and len(cal.workdays) == 7:
        return (b - a).total_seconds()
    zone = ZoneInfo(cal.tz)
    day, last = a.astimezone(zone).date(), b.astimezone(zone).date()
    total = 0.0
    while day <= last:
        window = cal._windows(day)
        if window:
            lo, hi = max(a, window[0]), min(b, window[1])
            total += max(0.0, (hi - lo).total_seconds())
        day += timedelta(days=1)
    return total


def add_working_time(start: datetime, seconds: float, cal: Calendar = ROUND_THE_CLOCK) -> datetime:
    """The instant when ``seconds`` of working time have passed after ``start``."""
    if cal.hours is None and not cal.holidays and len(cal.workdays) == 7:
        return start + timedelta(seconds=seconds)
    zone = ZoneInfo(cal.tz)
    day = start.astimezone(zone).date()
    left = seconds
    for _ in range(3660):  # ten years of days bounds a broken calendar (no workdays) instead of looping forever
        window = cal._windows(day)
        if window:
            lo = max(start, window[0])
            span = (window[1] - lo).total_seconds()
            if span > 0:
                if left <= span:
                    return (lo + timedelta(seconds=left)).astimezone(UTC)
                left -= span
        day += timedelta(days=1)
    raise ValueError("calendar has no working time")


@dataclass(frozen=True)
class Pause:
    start: datetime
    end: datetime | None = None  # None: still waiting for the citizen


@dataclass(frozen=True)
class EscalationPolicy:
    """Warning before breach and escalation tiers, as fractions of the promised time used."""

    warning_at: float = 0.8
    tiers: tuple[float, ...] = (1.0, 1.5, 2.0)  # level 1 head of dept/town, 2 senior director, 3 Mayor's office
    tier_roles: tuple[tuple[str, ...], ...] = field(
        default=(("department_head", "town_head"), ("senior_director",), ("mayor_office",))
    )


@dataclass(frozen=True)
class SlaStatus:
    promised_seconds: float
    used_seconds: float
    due_at: datetime
    paused: bool
    warning: bool
    breached: bool
    level: int  # escalation tier reached (0: none)

    @property
    def remaining_seconds(self) -> float:
        return self.promised_seconds - self.used_seconds


def promised_seconds(promised_hours: float, priority: str = "normal") -> float:
    """Promised time in seconds for a category's hours and the complaint's priority."""
    return promised_hours * 3600 * PRIORITY_FACTOR.get(priority, 1.0)


def sla_status(
    *,
    registered_at: datetime,
    promised: float,
    pauses: list[Pause],
    now: datetime,
    cal: Calendar = ROUND_THE_CLOCK,
    policy: EscalationPolicy = EscalationPolicy(),
) -> SlaStatus:
    """Where the clock stands at ``now``: used time (pauses excluded), due date, warning and tier reached."""
    paused_s = sum(working_seconds(p.start, min(p.end or now, now), cal) for p in pauses)
    used = max(0.0, working_seconds(registered_at, now, cal) - paused_s)
    paused = any(p.end is None for p in pauses)
    # Due date: the promised working time after registration, pushed back by every pause so far.
    due = add_working_time(registered_at, promised + paused_s, cal)
    ratio = used / promised if promised > 0 else float("inf")
    level = sum(1 for t in policy.tiers if ratio >= t)
    return SlaStatus(promised, used, due, paused, ratio >= policy.warning_at, ratio >= 1.0, level)


def promised_due(registered_at: datetime, promised: float, cal: Calendar = ROUND_THE_CLOCK) -> datetime:
    """The promised resolution date told to the citizen at registration."""
    return add_working_time(registered_at, promised, cal)
