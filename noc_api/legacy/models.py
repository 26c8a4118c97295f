"""The record of each legacy import, so an interrupted one resumes where it stopped."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from noc_api.db.base import Base, UtcDateTime


class ImportRun(Base):
    __tablename__ = "legacy_import_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    file_name: Mapped[str] = mapped_column(String(300))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    mapping_sha256: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_line: Mapped[int] = mapped_column(Integer, default=0)  # every row up to here is committed or reported
    imported: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)  # already in the database (an earlier run)
    bad: Mapped[int] = mapped_column(Integer, default=0)
