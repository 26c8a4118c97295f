"""Tables of the Open311 endpoint: partner api_keys (stored hashed) and batch tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from noc_api.db.base import Base, UtcDateTime


class PartnerKey(Base):
    """A partner app's api_key; only its SHA-256 is kept (keys are 256-bit random, so no slow hash is needed)."""

    __tablename__ = "open311_keys"
    __table_args__ = (UniqueConstraint("key_hash"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    client: Mapped[str] = mapped_column(String(100), index=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    prefix: Mapped[str] = mapped_column(String(16))  # shown in listings so an operator can tell keys apart
    rate: Mapped[str | None] = mapped_column(String(60))  # limits notation; None: CCIS_OPEN311_KEY_RATE
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class RequestToken(Base):
    """A token answered instead of the id when the endpoint runs in batch mode (GeoReport ``tokens/{token}``)."""

    __tablename__ = "open311_tokens"
    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    tracking_number: Mapped[str] = mapped_column(String(24))
    client: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
