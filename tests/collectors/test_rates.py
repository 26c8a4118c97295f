"""Counter-to-rate and reboot detection: pure functions, table-driven."""

from __future__ import annotations

import pytest

from collectors.rates import COUNTER32_MAX, COUNTER64_MAX, Sample, counter_rate, rebooted


@pytest.mark.parametrize(
    ("name", "prev", "cur", "modulus", "expected"),
    [
        ("first sample", None, Sample(100, 10.0), COUNTER64_MAX, None),
        ("steady", Sample(1000, 0.0), Sample(3000, 2.0), COUNTER64_MAX, 1000.0),
        ("no time passed", Sample(1000, 5.0), Sample(3000, 5.0), COUNTER64_MAX, None),
        ("64-bit wrap", Sample(COUNTER64_MAX - 100, 0.0), Sample(300, 4.0), COUNTER64_MAX, 100.0),
        ("32-bit wrap", Sample(COUNTER32_MAX - 50, 0.0), Sample(150, 2.0), COUNTER32_MAX, 100.0),
        ("reset after reboot", Sample(10**12, 0.0), Sample(5000, 30.0), COUNTER64_MAX, None),
        ("32-bit reset", Sample(10**9, 0.0), Sample(10, 30.0), COUNTER32_MAX, None),
    ],
)
def test_counter_rate(name: str, prev: Sample | None, cur: Sample, modulus: int, expected: float | None) -> None:
    assert counter_rate(prev, cur, modulus) == expected, name


@pytest.mark.parametrize(
    ("prev", "cur", "elapsed", "expected"),
    [
        (None, 100.0, 30.0, False),
        (1000.0, 1030.0, 30.0, False),
        (1000.0, 20.0, 30.0, True),
        (2**32 / 100 - 10, 15.0, 30.0, False),  # TimeTicks wrap after 497 days, not a reboot
    ],
)
def test_rebooted(prev: float | None, cur: float, elapsed: float, expected: bool) -> None:
    assert rebooted(prev, cur, elapsed) is expected
