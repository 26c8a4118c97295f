"""Request parameters bounded at the edge, shared by the routers: a value the database or the calendar cannot hold
is a 422 naming the parameter, never a 500 from deep inside."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import Header, Path, Query
from pydantic import AfterValidator, AwareDatetime

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
INT32_MAX = 2**31 - 1  # ids are 32-bit integers on PostgreSQL


def _moment_in_range(v: datetime) -> datetime:
    if not EARLIEST <= v <= LATEST:
        raise ValueError("must be between 2000-01-01 and 2100-01-01")
    return v


def _day_in_range(v: date) -> date:
    if not EARLIEST.date() <= v < LATEST.date():
        raise ValueError("must be between 2000-01-01 and 2099-12-31")
    return v


Moment = Annotated[AwareDatetime, AfterValidator(_moment_in_range)]  # a time with its zone, in this century
Day = Annotated[date, AfterValidator(_day_in_range)]
RowId = Annotated[int, Path(ge=1, le=INT32_MAX, description="a row id")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="rows to skip")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=8,
        max_length=100,
        pattern=r"^[\x21-\x7e]+$",
        description="a key the client makes for this request: a resend with it is answered once, never done twice",
    ),
]
