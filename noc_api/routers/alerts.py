"""/api/v1/alerts, /api/v1/silences, /api/v1/notifications: thin; each calls one service function."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Annotated, Literal

from fastapi import APIRouter, Form, HTTPException, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from noc_api.alerting import service
from noc_api.alerting.status import rules_status
from noc_api.auth import ActorDep
from noc_api.deps import SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["alerts"])


def _now() -> datetime:
    return datetime.now(UTC)


def _alert(a) -> dict:  # noqa: ANN001
    return {
        k: getattr(a, k)
        for k in (
            "id",
            "fingerprint",
            "rule",
            "severity",
            "state",
            "labels",
            "annotations",
            "subject",
            "site_id",
            "town_id",
            "device_id",
            "group_key",
            "muted_by",
            "folded_into",
            "value",
            "flaps",
            "active_at",
            "fired_at",
            "resolved_at",
            "acked_at",
            "acked_by",
        )
    }


def _fail(exc: service.AlertError) -> HTTPException:
    return HTTPException(exc.status, str(exc))


@router.get("/alerts")
def list_alerts(
    session: SessionDep,
    actor: ActorDep,
    state: Literal["pending", "firing", "resolved"] | None = None,
    severity: Literal["info", "warning", "critical"] | None = None,
    site: str | None = None,
    town: str | None = None,
    limit: int = Query(200, ge=1, le=1000),
) -> list[dict]:
    """Alerts, newest first, filtered by state, severity, site or town."""
    return [
        _alert(a)
        for a in service.list_alerts(session, state=state, severity=severity, site=site, town=town, limit=limit)
    ]


@router.get("/alerts/rules")
def rules(settings: SettingsDep) -> dict:
    """The loaded rule files and every problem in them (`FILE:LINE: what is wrong`)."""
    return rules_status(settings.alert_rules)


@router.get("/alerts/ack", response_class=HTMLResponse)
def ack_page(token: str, session: SessionDep, settings: SettingsDep) -> HTMLResponse:
    """The page a signed link opens: it names the alerts and asks to confirm, because mail scanners follow links."""
    try:
        alerts = service.link_alerts(session, settings, token)
    except service.AlertError as exc:
        raise _fail(exc) from None
    items = "".join(f"<li>{escape(a.annotations.get('summary', a.rule))} ({escape(a.state)})</li>" for a in alerts)
    return HTMLResponse(
        "<!doctype html><title>Acknowledge alerts</title><h1>Acknowledge these alerts?</h1>"
        f'<ul>{items}</ul><form method=post><input type=hidden name=token value="{escape(token)}">'
        "<button type=submit>Acknowledge</button></form>"
    )


@router.post("/alerts/ack")
def ack_by_link(token: Annotated[str, Form()], session: SessionDep, settings: SettingsDep) -> dict:
    """Acknowledge the alerts of a signed, expiring link from an email or SMS."""
    try:
        done = service.acknowledge_link(session, settings, token, _now())
    except service.AlertError as exc:
        raise _fail(exc) from None
    session.commit()
    return {"acknowledged": [a.id for a in done]}


@router.get("/alerts/{alert_id}")
def get_alert(alert_id: int, session: SessionDep, actor: ActorDep) -> dict:
    """One alert with its append-only history."""
    try:
        alert, hist = service.get_alert(session, alert_id)
    except service.AlertError as exc:
        raise _fail(exc) from None
    return {
        **_alert(alert),
        "history": [{"at": h.at, "kind": h.kind, "actor": h.actor, "detail": h.detail} for h in hist],
    }


@router.post("/alerts/{alert_id}/ack")
def ack(alert_id: int, session: SessionDep, actor: ActorDep) -> dict:
    """Acknowledge an alert as the logged-in engineer (stops its escalation)."""
    try:
        (alert,) = service.acknowledge(session, [alert_id], actor.name, _now(), "api")
    except service.AlertError as exc:
        raise _fail(exc) from None
    session.commit()
    return _alert(alert)


class MatcherIn(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    value: str = Field(max_length=200)
    op: Literal["=", "!=", "=~", "!~"] = "="


class SilenceIn(BaseModel):
    matchers: list[MatcherIn] = Field(min_length=1)
    reason: str = Field(min_length=1, max_length=1000)
    starts_at: datetime | None = None
    ends_at: datetime


def _silence(s) -> dict:  # noqa: ANN001
    return {k: getattr(s, k) for k in ("id", "matchers", "author", "reason", "starts_at", "ends_at", "created_at")}


@router.get("/silences")
def list_silences(session: SessionDep, actor: ActorDep, include_expired: bool = False) -> list[dict]:
    """Active and future silences (and expired ones on request)."""
    return [_silence(s) for s in service.list_silences(session, _now(), include_expired)]


@router.post("/silences", status_code=201)
def create_silence(body: SilenceIn, session: SessionDep, actor: ActorDep) -> dict:
    """Silence alerts matching every matcher, with the author and a reason, until ends_at."""
    now = _now()
    try:
        row = service.create_silence(
            session,
            matchers=[m.model_dump() for m in body.matchers],
            author=actor.name,
            reason=body.reason,
            starts_at=body.starts_at or now,
            ends_at=body.ends_at,
            now=now,
        )
    except service.AlertError as exc:
        raise _fail(exc) from None
    session.commit()
    return _silence(row)


@router.delete("/silences/{silence_id}")
def expire_silence(silence_id: int, session: SessionDep, actor: ActorDep) -> dict:
    """End a silence now; alerts still firing are notified on the next cycle."""
    try:
        row = service.expire_silence(session, silence_id, _now())
    except service.AlertError as exc:
        raise _fail(exc) from None
    session.commit()
    return _silence(row)


@router.get("/notifications")
def notifications(
    session: SessionDep,
    actor: ActorDep,
    status: Literal["pending", "sent", "failed"] | None = None,
    limit: int = Query(200, ge=1, le=1000),
) -> list[dict]:
    """The notification log, each with every delivery attempt and its result."""
    return service.notification_log(session, status=status, limit=limit)
