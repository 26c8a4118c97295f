"""The one back-off of every message, pure: exponential from a base, capped, given up after some attempts.

Sources choose the numbers, not the rule: alert notices take them from the routing file's ``defaults``
(engineers need fast retries), every other message from CCIS_NOTIFY_RETRY_* settings.
"""

from __future__ import annotations

from dataclasses import dataclass


def backoff(attempts: int, base: float, cap: float) -> float:
    """Seconds before the next attempt after ``attempts`` failures (doubling from ``base``, at most ``cap``)."""
    return min(cap, base * (2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class RetryPolicy:
    base: float = 30.0
    cap: float = 3600.0
    max_attempts: int | None = 8  # None: never given up (alert recovery notices)

    def next_delay(self, attempts: int) -> float | None:
        """Seconds until the next try after ``attempts`` failed ones, or None when the message is given up."""
        if self.max_attempts is not None and attempts >= self.max_attempts:
            return None
        return backoff(attempts, self.base, self.cap)
