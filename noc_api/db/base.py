"""Declarative base with a naming convention, so Alembic migrations name constraints the same on every backend."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

from sqlalchemy import MetaData, Table
from sqlalchemy.orm import DeclarativeBase

from complaint_core.adapters.sqltypes import NAMING, JsonType, UtcDateTime

__all__ = ["NAMING", "Base", "JsonType", "UtcDateTime", "utcnow"]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    # Every model here maps one Table (never a join or a select), so say so to the type checker.
    __table__: ClassVar[Table]
