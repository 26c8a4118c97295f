"""Alert services the API calls: queries, acknowledgement (login or signed link), silences."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from noc_api.accounts.service import spend_link
from noc_api.alerting.cycle import ACK_PURPOSE
from noc_api.alerting.models import Alert, AlertHistory, SilenceRow
from noc_api.alerting.mute import OPS, Matcher, match
from noc_api.security import unsign
from noc_api.settings import Settings


class AlertError(Exception):
    """A request about alerts cannot be done; ``status`` is the HTTP status to answer with."""

    def __init__(self, msg: str, status: int = 400) -> None:
        super().__init__(msg)
        self.status = status


def list_alerts(
    session: Session,
    *,
    state: str | None = None,
    severity: str | None = None,
    site: str | None = None,
    town: str | None = None,
    limit: int = 200,
) -> list[Alert]:
    """Alerts newest first, filtered."""
    q = select(Alert).order_by(Alert.id.desc()).limit(limit)
    for col, value in ((Alert.state, state), (Alert.severity, severity), (Alert.site_id, site), (Alert.town_id, town)):
        if value:
            q = q.where(col == value)
    return list(session.scalars(q))


def get_alert(session: Session, alert_id: int) -> tuple[Alert, list[AlertHistory]]:
    """One alert and its history."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise AlertError(f"no alert {alert_id}", 404)
    hist = session.scalars(select(AlertHistory).where(AlertHistory.alert_id == alert_id).order_by(AlertHistory.id))
    return alert, list(hist)


def acknowledge(
    session: Session, alert_ids: list[int], who: str, now: datetime, via: str, comment: str = ""
) -> list[Alert]:
    """Acknowledge alerts (stops their escalation and repeats); already acknowledged ones are left as they are.
    The comment (what the engineer is doing about it) is kept in the alert's history."""
    done = []
    for ident in alert_ids:
        alert = session.get(Alert, ident)
        if alert is None:
            raise AlertError(f"no alert {ident}", 404)
        if alert.acked_at is None and alert.state != "resolved":
            alert.acked_at, alert.acked_by = now, who
            detail = f"via {via}" + (f": {comment.strip()}" if comment.strip() else "")
            session.add(AlertHistory(alert_id=ident, at=now, kind="acknowledged", actor=who, detail=detail))
        done.append(alert)
    return done


def link_alerts(session: Session, settings: Settings, token: str, link_hours: float) -> list[Alert]:
    """The alerts a signed acknowledgement link names; AlertError 403 when forged or older than ``link_hours``."""
    return [get_alert(session, i)[0] for i in _link_ids(settings, token, link_hours)]


def acknowledge_link(session: Session, settings: Settings, token: str, now: datetime, link_hours: float) -> list[Alert]:
    """Acknowledge from a signed link in an email or SMS; forged, expired or already used links are refused."""
    ids = _link_ids(settings, token, link_hours)
    if not spend_link(session, ACK_PURPOSE, token, now):
        raise AlertError("this acknowledgement link was already used", 409)
    return acknowledge(session, ids, "link", now, "signed link")


def _link_ids(settings: Settings, token: str, hours: float) -> list[int]:
    try:
        payload = unsign(settings, ACK_PURPOSE, token, int(hours * 3600))
    except ValueError as exc:
        raise AlertError(f"acknowledgement {exc}", 403) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("ids"), list):
        raise AlertError("acknowledgement invalid link", 403)
    return [int(i) for i in payload["ids"]]


def create_silence(
    session: Session,
    *,
    matchers: list[dict],
    author: str,
    reason: str,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
) -> SilenceRow:
    """A silence over alerts matching every matcher (at least one), from starts_at to ends_at."""
    if not matchers:
        raise AlertError("a silence needs at least one matcher")
    for i, m in enumerate(matchers):
        if m.get("op", "=") not in OPS or not m.get("name"):
            raise AlertError(f"matchers[{i}]: needs a name and op one of {', '.join(OPS)}")
    if ends_at <= starts_at:
        raise AlertError("ends_at must be after starts_at")
    if not reason.strip():
        raise AlertError("a silence needs a reason")
    row = SilenceRow(
        matchers=matchers, author=author, reason=reason, starts_at=starts_at, ends_at=ends_at, created_at=now
    )
    session.add(row)
    session.flush()
    return row


def list_silences(session: Session, now: datetime, include_expired: bool = False) -> list[SilenceRow]:
    """Silences, active and future ones unless expired ones are asked for."""
    q = select(SilenceRow).order_by(SilenceRow.id.desc())
    if not include_expired:
        q = q.where(SilenceRow.ends_at > now)
    return list(session.scalars(q))


def expire_silence(session: Session, silence_id: int, now: datetime) -> SilenceRow:
    """End a silence now (kept for the record); alerts it muted are notified on the next cycle."""
    row = session.get(SilenceRow, silence_id)
    if row is None:
        raise AlertError(f"no silence {silence_id}", 404)
    if row.ends_at > now:
        row.ends_at = max(now, row.starts_at + timedelta(microseconds=1)) if row.starts_at > now else now
    return row


def ack_comments(session: Session, alert_ids: list[int]) -> dict[int, str]:
    """The comment each acknowledged alert was acknowledged with ("" when none was given)."""
    if not alert_ids:
        return {}
    rows = session.execute(
        select(AlertHistory.alert_id, AlertHistory.detail)
        .where(AlertHistory.alert_id.in_(alert_ids), AlertHistory.kind == "acknowledged")
        .order_by(AlertHistory.id)
    )
    return {a: d.split(": ", 1)[1] if ": " in d else "" for a, d in rows}


def preview_silence(session: Session, matchers: list[dict]) -> list[Alert]:
    """The alerts not resolved that a silence with these matchers would mute now."""
    ms = [Matcher(m["name"], m.get("value", ""), m.get("op", "=")) for m in matchers]
    for m in ms:
        if m.op in ("=~", "!~"):
            try:
                re.compile(m.value)
            except re.error as exc:
                raise AlertError(f"matcher {m.name}{m.op}{m.value!r}: not a regular expression ({exc})", 422) from None
    active = session.scalars(select(Alert).where(Alert.state != "resolved").order_by(Alert.id.desc()))
    return [a for a in active if match(a.labels or {}, ms)]


def counts(session: Session) -> list[tuple[str, str, int]]:
    """(state, severity, count) of alerts not resolved, and of resolved ones, for /metrics."""
    q = select(Alert.state, Alert.severity, func.count()).group_by(Alert.state, Alert.severity)
    return [(s, sev, n) for s, sev, n in session.execute(q)]
