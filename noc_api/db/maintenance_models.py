"""Tables of maintenance work: one ticket per plan, site and period, its checklist, and tickets raised by alerts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from noc_api.db.base import Base, JsonType, UtcDateTime


class MaintenanceTicket(Base):
    """A plan's work at one site for one period, and the internal ticket people work it in."""

    __tablename__ = "maintenance_tickets"
    __table_args__ = (UniqueConstraint("plan_id", "site_id", "period_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[str] = mapped_column(String(64), index=True)
    site_id: Mapped[str] = mapped_column(String(64), index=True)
    town_id: Mapped[str | None] = mapped_column(String(64), index=True)
    period_key: Mapped[str] = mapped_column(String(16))
    period_start: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    tracking_number: Mapped[str] = mapped_column(String(24), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    started_by: Mapped[str | None] = mapped_column(String(64))
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)  # every item ticked (or closed)
    window_ids: Mapped[list] = mapped_column(JsonType, default=list)  # maintenance windows its work opened


class MaintenanceItem(Base):
    """One line of a ticket's checklist: ticked done or failed, by whom and when."""

    __tablename__ = "maintenance_items"
    __table_args__ = (UniqueConstraint("ticket_id", "item_id", "device_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("maintenance_tickets.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[str] = mapped_column(String(64))
    device_id: Mapped[str] = mapped_column(String(64), default="")  # '' for the site itself
    text: Mapped[str] = mapped_column(String(300))
    result: Mapped[str | None] = mapped_column(String(8))  # done | failed
    note: Mapped[str] = mapped_column(Text, default="")
    ticked_by: Mapped[str | None] = mapped_column(String(64))
    ticked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    fault_tracking: Mapped[str | None] = mapped_column(String(24))  # the fault ticket a failed item raised


class AlertTicket(Base):
    """The internal ticket a firing alert raised (rules labelled ``ticket: <category>``)."""

    __tablename__ = "alert_tickets"
    alert_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    fingerprint: Mapped[str] = mapped_column(String(40), index=True)
    tracking_number: Mapped[str] = mapped_column(String(24), index=True)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
