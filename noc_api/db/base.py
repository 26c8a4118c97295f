"""Declarative base with a naming convention, so Alembic migrations name constraints the same on every backend."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from complaint_core.adapters.sqltypes import NAMING, JsonType, UtcDateTime

__all__ = ["NAMING", "Base", "JsonType", "UtcDateTime", "utcnow"]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
