"""Partner api_keys for Open311 clients: issued once, stored hashed, revoked one by one, rate-limited each."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import select
from sqlalchemy.orm import Session

from noc_api.complaints.open311_models import PartnerKey
from noc_api.security import token_digest

KEY_PREFIX = "o311_"


class PartnerKeyError(ValueError):
    """A key operation was refused; the message says why."""


def issue_key(session: Session, *, client: str, now: datetime, rate: str | None = None) -> tuple[PartnerKey, str]:
    """A new api_key for ``client`` (returned once; only its digest is stored)."""
    client = client.strip()
    if not client or len(client) > 100:
        raise PartnerKeyError("--client must be 1 to 100 characters")
    if rate is not None:
        try:
            parse_many(rate)
        except ValueError:
            raise PartnerKeyError(f"--rate {rate!r} is not a rate such as 60/minute") from None
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = PartnerKey(client=client, key_hash=token_digest(key), prefix=key[:12], rate=rate, created_at=now)
    session.add(row)
    session.flush()
    return row, key


def revoke_key(session: Session, *, key_id: int, now: datetime) -> PartnerKey:
    """Revoke one key by its id (``ccis open311 list-keys`` shows it); revoking twice is refused."""
    row = session.get(PartnerKey, key_id)
    if row is None:
        raise PartnerKeyError(f"no api_key with id {key_id}")
    if row.revoked_at is not None:
        raise PartnerKeyError(
            f"api_key {key_id} ({row.client}) was already revoked at {row.revoked_at:%Y-%m-%d %H:%M} UTC"
        )
    row.revoked_at = now
    return row


def list_keys(session: Session) -> list[PartnerKey]:
    return list(session.execute(select(PartnerKey).order_by(PartnerKey.id)).scalars())


def active_key(session: Session, api_key: str) -> PartnerKey | None:
    """The unrevoked key row for this api_key, or None."""
    row = session.execute(select(PartnerKey).where(PartnerKey.key_hash == token_digest(api_key))).scalar_one_or_none()
    return row if row is not None and row.revoked_at is None else None


@dataclass
class KeyLimiter:
    """Moving-window limits per key id, in this process's memory (owned by the desk, never global)."""

    default_rate: str = "60/minute"
    _limiter: MovingWindowRateLimiter = field(init=False)
    _parsed: dict[str, list[RateLimitItem]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, key_id: int, rate: str | None) -> float | None:
        """Count one request; None when allowed, else the seconds until the key may try again."""
        text = rate or self.default_rate
        items = self._parsed.get(text)
        if items is None:
            items = self._parsed[text] = parse_many(text)
        for item in items:
            if not self._limiter.hit(item, "open311", str(key_id)):
                stats = self._limiter.get_window_stats(item, "open311", str(key_id))
                return max(1.0, stats.reset_time - time.time())
        return None
