"""Expected complaints lost to downtime, checked against hand-computed numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from noc_api.reports.expected import expected_missed, hour_of_week, usual_rates

KHI = ZoneInfo("Asia/Karachi")  # UTC+5, no DST


def t(day: int, hour: int, minute: int = 0) -> datetime:
    """A local Karachi time in May 2026 (1 May 2026 is a Friday), returned in UTC."""
    return datetime(2026, 5, day, hour, minute, tzinfo=KHI).astimezone(UTC)


def test_hour_of_week_is_local() -> None:
    assert hour_of_week(t(4, 0), KHI) == 0  # Monday 00:00 Karachi = Sunday 19:00 UTC
    assert hour_of_week(t(10, 23), KHI) == 6 * 24 + 23


def test_rates_count_only_uptime_minutes() -> None:
    # Four Mondays (4, 11, 18, 25 May), 14:00-15:00: 6 complaints each, except 18 May when the counter was down
    # 14:00-14:30 and only 3 arrived in the other half hour.
    arrivals = []
    for day in (4, 11, 25):
        arrivals += [t(day, 14, m) for m in range(0, 60, 10)]
    arrivals += [t(18, 14, m) for m in (35, 45, 55)]
    window = (t(4, 0), t(26, 0))
    rates = usual_rates(arrivals, window, [(t(18, 14), t(18, 14, 30))], KHI)
    # 21 complaints over 3*60 + 30 = 210 up-minutes.
    assert rates[hour_of_week(t(4, 14), KHI)] == pytest.approx(21 / 210)
    assert rates[hour_of_week(t(4, 15), KHI)] == 0.0


def test_expected_missed_spans_hours_and_midnight() -> None:
    rates = {hour_of_week(t(4, 23), KHI): 0.5, hour_of_week(t(5, 0), KHI): 0.1}  # Monday 23:00, Tuesday 00:00
    # Down Monday 23:40 to Tuesday 00:30: 20 min at 0.5/min + 30 min at 0.1/min = 13.
    assert expected_missed([(t(4, 23, 40), t(5, 0, 30))], rates, KHI) == pytest.approx(13.0)


def test_orangi_story() -> None:
    # 'Orangi counter was down 5 h 20 min on 12 May (power), about N walk-in complaints not received.'
    history = []
    start = t(5, 0) - timedelta(days=28)
    for week in range(4):
        for hour in range(9, 17):  # 3 walk-ins an hour during office hours, every Tuesday
            history += [t(5, hour, 5) - timedelta(days=7 * (4 - week)) + timedelta(minutes=20 * k) for k in range(3)]
    rates = usual_rates(history, (start, t(5, 0)), [], KHI)
    missed = expected_missed([(t(12, 9, 40), t(12, 15, 0))], rates, KHI)
    assert missed == pytest.approx(3 / 60 * 320)  # 16.0
