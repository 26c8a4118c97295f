"""The notification log: outbox messages newest first, each with every delivery attempt."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from complaint_core.services import outbox


def notification_log(
    session: Session, *, source: str = "alert", status: str | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """Messages of ``source``, newest first, filtered by status, each with its attempts in order."""
    return outbox.log(session, source=source, status=status, limit=limit)
