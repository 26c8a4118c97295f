"""Tables of the intake channels: every inbound message once (idempotency) and each sender's conversation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from noc_api.db.base import Base, JsonType, UtcDateTime


class IntakeMessage(Base):
    """An inbound message, stored once per provider message id: a redelivery finds it and changes nothing."""

    __tablename__ = "intake_messages"
    __table_args__ = (UniqueConstraint("provider", "message_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    provider: Mapped[str] = mapped_column(String(16))  # sms | whatsapp | chatbot
    message_id: Mapped[str] = mapped_column(String(128))
    sender: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    reply: Mapped[str | None] = mapped_column(Text)
    tracking_number: Mapped[str | None] = mapped_column(String(24))  # a complaint this message registered


class Conversation(Base):
    """Where a sender is in the short registration dialogue (state and what was said so far)."""

    __tablename__ = "intake_conversations"
    __table_args__ = (UniqueConstraint("provider", "sender"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    provider: Mapped[str] = mapped_column(String(16))
    sender: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict] = mapped_column(JsonType, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
