"""What the notices API answers (the public status board shows the same notices)."""

from __future__ import annotations

from pydantic import BaseModel


class NoticeOut(BaseModel):
    id: int
    kind: str
    title: str
    body: str
    town_id: str | None
    ward: str | None
    starts_at: str
    ends_at: str | None
    automatic: bool
    withdrawn_at: str | None
