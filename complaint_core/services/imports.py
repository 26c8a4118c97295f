"""Complaints kept from an older system, written in bulk: their rows, their history and the tracking counters."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from complaint_core.adapters.orm import ComplaintEvent, ComplaintRow, TrackingCounter

COMPLAINTS = ComplaintRow.__table__
EVENTS = ComplaintEvent.__table__


def creators(session: Session, numbers: Iterable[str]) -> dict[str, str]:
    """tracking number -> who made it, for those of ``numbers`` already in the database."""
    stmt = select(ComplaintRow.tracking_number, ComplaintRow.created_by).where(
        ComplaintRow.tracking_number.in_(list(numbers))
    )
    return {t: by for t, by in session.execute(stmt).all()}


def insert_imported(
    session: Session,
    complaints: Sequence[Mapping[str, Any]],
    events: Sequence[Mapping[str, Any]],
    counters: Mapping[tuple[str, int], int],
) -> None:
    """Insert complaints (their column values) and their history (each event names its complaint by
    ``tracking_number``), and move each (city, year) tracking counter up to the sequence in ``counters``."""
    # Core inserts (one executemany each): the ORM's bulk path would insert row by row here.
    session.execute(insert(COMPLAINTS), list(complaints))
    ids = dict(
        session.execute(
            select(ComplaintRow.tracking_number, ComplaintRow.id).where(
                ComplaintRow.tracking_number.in_([c["tracking_number"] for c in complaints])
            )
        ).all()
    )
    rows = [
        {k: v for k, v in e.items() if k != "tracking_number"} | {"complaint_id": ids[e["tracking_number"]]}
        for e in events
    ]
    if rows:
        session.execute(insert(EVENTS), rows)
    _raise_counters(session, counters)


def _raise_counters(session: Session, seqs: Mapping[tuple[str, int], int]) -> None:
    for (city, year), seq in seqs.items():
        row = session.get(TrackingCounter, (city, year), with_for_update=True)
        if row is None:
            session.add(TrackingCounter(city=city, year=year, last=seq))
        elif row.last < seq:
            row.last = seq
