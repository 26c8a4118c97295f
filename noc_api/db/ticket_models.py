"""Which internal ticket each outage raised."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String, UniqueConstraint
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


class ReportDelivery(Base):
    """A scheduled report mailed to one recipient (so a restart or a second run never mails it twice)."""

    __tablename__ = "report_deliveries"
    __table_args__ = (UniqueConstraint("kind", "period_day", "recipient"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(10))
    period_day: Mapped[date] = mapped_column(Date)
    recipient: Mapped[str] = mapped_column(String(200))
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PlannedTicket(Base):
    """An internal ticket raised for planned work: preventive maintenance or a maintenance window."""

    __tablename__ = "planned_tickets"
    __table_args__ = (UniqueConstraint("source"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(120))  # "preventive:radio-orangi:2026H2" | "maintenance:12"
    tracking_number: Mapped[str] = mapped_column(String(24))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
