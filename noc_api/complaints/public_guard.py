"""Limits on the public complaint endpoints, per client address (an IPv6 client by its /64, which one home or
phone is given): every call is counted, complaints lodged and wrong proofs more tightly.

A wrong proof (tracking code or phone number) closes nothing but the asking address, so nobody can lock a
citizen out of their own complaint by guessing wrong; the proofs themselves are strong enough that 20 guesses an
hour per address walk neither (complaint_core.access)."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from fastapi import HTTPException
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from complaint_core.model import NotFound

T = TypeVar("T")
RETRY_HOUR = {"Retry-After": "3600"}


def client_key(address: str) -> str:
    """The address a limit counts: an IPv6 address by its /64 (one subscriber holds the whole prefix)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        if not ip.is_loopback:
            return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


@dataclass
class PublicGuard:
    """Owned by the runtime (one per process)."""

    per_address: str = "60/minute"
    lodging_per_address: str = "20/hour"
    wrong_proofs_per_address: str = "20/hour"
    _limiter: MovingWindowRateLimiter = field(init=False)
    _address: RateLimitItem = field(init=False)
    _lodging: RateLimitItem = field(init=False)
    _wrong: RateLimitItem = field(init=False)

    def __post_init__(self) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._address = parse(self.per_address)
        self._lodging = parse(self.lodging_per_address)
        self._wrong = parse(self.wrong_proofs_per_address)

    def admit(self, address: str, lodging: bool = False) -> None:
        """429 when this address asked too often."""
        who = client_key(address)
        if not self._limiter.hit(self._address, "public", who):
            raise HTTPException(
                429, "too many requests from this address; try again in a minute", {"Retry-After": "60"}
            )
        if lodging and not self._limiter.hit(self._lodging, "lodge", who):
            raise HTTPException(429, "too many complaints lodged from this address; call 1339", RETRY_HOUR)

    def verified(self, address: str, check: Callable[[], T]) -> T:
        """Run ``check`` (which raises NotFound on a wrong code or phone), counting this address's failures."""
        who = client_key(address)
        if not self._limiter.test(self._wrong, "proof", who):
            raise HTTPException(
                429,
                "too many wrong codes or phone numbers from this address; try again in an hour or call 1339",
                RETRY_HOUR,
            )
        try:
            return check()
        except NotFound:
            self._limiter.hit(self._wrong, "proof", who)
            raise
