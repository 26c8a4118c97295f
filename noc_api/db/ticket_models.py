"""Which internal ticket each outage raised."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from noc_api.db.base import Base, UtcDateTime


class OutageTicket(Base):
    """One row per outage: its ticket's tracking number (a flapping subject's outages share one ticket)."""

    __tablename__ = "outage_tickets"
    outage_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    tracking_number: Mapped[str] = mapped_column(String(24), index=True)
    subject_id: Mapped[str] = mapped_column(String(64), index=True)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
