"""Tables of area notices (water cuts, road closures, counters closed), their confirmed subscribers, and the
public status board's last snapshot (so every server process can answer from it while the database is slow)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from noc_api.db.base import Base, JsonType, UtcDateTime


class AreaNotice(Base):
    """A notice for a town or ward (town None: the whole city), valid from ``starts_at`` until ``ends_at``."""

    __tablename__ = "area_notices"
    __table_args__ = (Index("ix_area_notices_current", "withdrawn_at", "starts_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))  # water_cut | road_closure | counter_closed | channel_down | other
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    town_id: Mapped[str | None] = mapped_column(String(64), index=True)
    ward: Mapped[str | None] = mapped_column(String(100))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    withdrawn_by: Mapped[str | None] = mapped_column(String(64))
    auto_key: Mapped[str | None] = mapped_column(String(100), index=True)  # raised by the NOC: "channel:<id>"
    fanned_out_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # subscribers' messages queued


class NoticeSubscription(Base):
    """A phone or mail address that wants a town's (or ward's) notices; nothing is sent before it is confirmed."""

    __tablename__ = "notice_subscriptions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    medium: Mapped[str] = mapped_column(String(10))  # sms | email
    address: Mapped[str] = mapped_column(String(300), index=True)
    town_id: Mapped[str | None] = mapped_column(String(64), index=True)
    ward: Mapped[str | None] = mapped_column(String(100))
    code_hash: Mapped[str] = mapped_column(String(64))
    code_expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    wrong_codes: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class StatusSnapshot(Base):
    """The public status board as last built by the scheduler (one row per board)."""

    __tablename__ = "status_snapshots"
    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    built_at: Mapped[datetime] = mapped_column(UtcDateTime)
    document: Mapped[dict] = mapped_column(JsonType)
