"""Limits on the public complaint endpoints: a tracking number's 4 phone digits are only 10,000 guesses, so
wrong digits for one number are counted and that number is closed to the public for an hour after five (the
whole space then takes about 2,000 hours to walk, instead of 8 seconds); every address is rate-limited too."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from fastapi import HTTPException
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from complaint_core.model import NotFound

T = TypeVar("T")
RETRY_MINUTE = {"Retry-After": "60"}
RETRY_HOUR = {"Retry-After": "3600"}


@dataclass
class PublicGuard:
    """Owned by the runtime (one per process)."""

    per_address: str = "60/minute"
    lodging_per_address: str = "20/hour"
    wrong_digits_per_number: str = "5/hour"
    _limiter: MovingWindowRateLimiter = field(init=False)
    _address: RateLimitItem = field(init=False)
    _lodging: RateLimitItem = field(init=False)
    _wrong: RateLimitItem = field(init=False)

    def __post_init__(self) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._address = parse(self.per_address)
        self._lodging = parse(self.lodging_per_address)
        self._wrong = parse(self.wrong_digits_per_number)

    def admit(self, address: str, lodging: bool = False) -> None:
        """429 when this address asked too often."""
        if not self._limiter.hit(self._address, "public", address):
            raise HTTPException(
                429, "too many requests from this address; try again in a minute", {"Retry-After": "60"}
            )
        if lodging and not self._limiter.hit(self._lodging, "lodge", address):
            raise HTTPException(429, "too many complaints lodged from this address; call 1339", RETRY_HOUR)

    def verified(self, tracking: str, check: Callable[[], T]) -> T:
        """Run ``check`` (which raises NotFound on wrong digits), counting failures per tracking number."""
        number = tracking.strip().upper()
        if not self._limiter.test(self._wrong, "digits", number):
            raise HTTPException(
                429,
                "too many wrong phone digits for this complaint; try again in an hour or call 1339",
                RETRY_HOUR,
            )
        try:
            return check()
        except NotFound:
            self._limiter.hit(self._wrong, "digits", number)
            raise
