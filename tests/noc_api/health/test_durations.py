"""The one duration formatter: every output says the same for the same outage."""

from __future__ import annotations

import pytest

from noc_api.health.durations import format_duration


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (44.6, "45 s"),
        (60, "1 min"),
        (72, "1 min 12 s"),
        (101, "1 min 41 s"),
        (144, "2 min 24 s"),
        (3599.4, "59 min 59 s"),
        (3599.6, "1 h 0 min"),
        (8880, "2 h 28 min"),
        (5 * 3600 + 20 * 60, "5 h 20 min"),
        (3 * 86400 + 4 * 3600 + 10, "3 d 4 h"),
    ],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
