"""Alert rows <-> AlertState values, and the append-only history. SQL lives here, not in the core."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from noc_api.alerting.lifecycle import AlertState, Transition
from noc_api.alerting.models import Alert, AlertHistory, SilenceRow
from noc_api.alerting.mute import Matcher, Silence

_FIELDS = [
    "fingerprint",
    "rule",
    "severity",
    "labels",
    "subject",
    "site_id",
    "town_id",
    "device_id",
    "state",
    "active_at",
    "last_true_at",
    "fired_at",
    "resolved_at",
    "value",
    "flaps",
    "group_key",
    "muted_by",
    "folded_into",
    "annotations",
    "acked_at",
    "acked_by",
    "clearing_since",
]


def to_state(row: Alert) -> AlertState:
    """The pure view of a row."""
    return AlertState(**{f: getattr(row, f) for f in _FIELDS}, id=row.id)


def load_active(session: Session) -> dict[str, Alert]:
    """Pending and firing alert rows by fingerprint."""
    rows = session.scalars(select(Alert).where(Alert.state != "resolved")).all()
    return {r.fingerprint: r for r in rows}


def add_history(
    session: Session, alert_id: int, at: datetime, kind: str, detail: str = "", actor: str = "system"
) -> None:
    """Append one line to an alert's history."""
    session.add(AlertHistory(alert_id=alert_id, at=at, kind=kind, detail=detail, actor=actor))


def save(
    session: Session,
    rows: dict[str, Alert],
    states: list[AlertState],
    transitions: list[Transition],
    now: datetime,
) -> None:
    """Write the states back (new alerts inserted) and append their transitions to the history."""
    for st in states:
        row = rows.get(st.fingerprint)
        if row is None:
            row = Alert(**{f: getattr(st, f) for f in _FIELDS})
            session.add(row)
            rows[st.fingerprint] = row
        else:
            for f in _FIELDS:
                if f not in ("fingerprint", "active_at", "acked_at", "acked_by"):
                    value = getattr(st, f)
                    if getattr(row, f) != value:
                        setattr(row, f, value)
    session.flush()
    for t in transitions:
        row = rows.get(t.fingerprint)
        if row is not None:
            add_history(session, row.id, now, t.kind, t.detail)


def load_silences(session: Session, now: datetime) -> list[Silence]:
    """Silences active now."""
    rows = session.scalars(select(SilenceRow).where(SilenceRow.ends_at > now, SilenceRow.starts_at <= now)).all()
    return [silence_of(r) for r in rows]


def silence_of(row: SilenceRow) -> Silence:
    """The pure view of a silence row."""
    return Silence(
        row.id,
        tuple(Matcher(m["name"], m["value"], m.get("op", "=")) for m in row.matchers),
        row.starts_at,
        row.ends_at,
    )
