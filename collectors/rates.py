"""Counters to rates: a small pure function, the previous sample passed in and the new one returned.

A counter that goes down is either a wrap (the value passed its maximum) or a reset (the device rebooted or the
counter was cleared). We call it a wrap only when the wrapped delta is plausible (below half the counter's
range); otherwise it is a reset and no rate is produced for that interval (a rate from a reset would be a lie).
"""

from __future__ import annotations

from dataclasses import dataclass

COUNTER32_MAX = 2**32
COUNTER64_MAX = 2**64


@dataclass(frozen=True, slots=True)
class Sample:
    """One counter reading at a monotonic time (seconds)."""

    value: int
    at: float


def counter_rate(prev: Sample | None, cur: Sample, modulus: int = COUNTER64_MAX) -> float | None:
    """Rate per second between two samples, handling wrap; None on the first sample, a reset or no time passed."""
    if prev is None:
        return None
    elapsed = cur.at - prev.at
    if elapsed <= 0:
        return None
    delta = cur.value - prev.value
    if delta < 0:
        wrapped = delta + modulus
        # A 64-bit counter cannot wrap in one poll interval at any real speed, and a 32-bit one only once:
        # a wrapped delta above half the range means the counter restarted (reboot or clear).
        if wrapped > modulus // 2:
            return None
        delta = wrapped
    return delta / elapsed


def rebooted(prev_uptime: float | None, cur_uptime: float, elapsed: float, wrap: float = 2**32 / 100) -> bool:
    """True when the uptime went backwards: a reboot, unless it is TimeTicks wrapping after 497 days."""
    if prev_uptime is None or cur_uptime >= prev_uptime:
        return False
    # sysUpTime is a 32-bit count of centiseconds: it wraps to 0 after ~497 days without a reboot.
    return prev_uptime + elapsed < wrap - 60.0
