"""/api/v1/alerts, /api/v1/silences: thin; each calls one service function."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Annotated, Literal

from fastapi import APIRouter, Form, HTTPException, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from noc_api.alerting import service
from noc_api.alerting.schemas import (
    AcknowledgedOut,
    AlertDetailOut,
    AlertHistoryOut,
    AlertOut,
    RulesStatusOut,
    SilenceOut,
)
from noc_api.alerting.status import rules_status
from noc_api.deps import ActorDep, NocActorDep, RoutingDep, SessionDep, SettingsDep
from noc_api.params import Moment, RowId

router = APIRouter(prefix="/api/v1", tags=["alerts"])


def _now() -> datetime:
    return datetime.now(UTC)


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
) -> list[AlertOut]:
    """Alerts, newest first, filtered by state, severity, site or town."""
    return [
        AlertOut.model_validate(a)
        for a in service.list_alerts(session, state=state, severity=severity, site=site, town=town, limit=limit)
    ]


@router.get("/alerts/rules")
def rules(settings: SettingsDep, actor: ActorDep) -> RulesStatusOut:
    """The loaded rule files and every problem in them (`FILE:LINE: what is wrong`)."""
    return RulesStatusOut.model_validate(rules_status(settings.alert_rules))


@router.get("/alerts/ack", response_class=HTMLResponse)
def ack_page(token: str, session: SessionDep, settings: SettingsDep, routing: RoutingDep) -> HTMLResponse:
    """The page a signed link opens: it names the alerts and asks to confirm, because mail scanners follow links."""
    try:
        alerts = service.link_alerts(session, settings, token, routing.ack_link_hours())
    except service.AlertError as exc:
        raise _fail(exc) from None
    items = "".join(f"<li>{escape(a.annotations.get('summary', a.rule))} ({escape(a.state)})</li>" for a in alerts)
    return HTMLResponse(
        "<!doctype html><title>Acknowledge alerts</title><h1>Acknowledge these alerts?</h1>"
        f'<ul>{items}</ul><form method=post><input type=hidden name=token value="{escape(token)}">'
        "<button type=submit>Acknowledge</button></form>"
    )


@router.post("/alerts/ack")
def ack_by_link(
    token: Annotated[str, Form()], session: SessionDep, settings: SettingsDep, routing: RoutingDep
) -> AcknowledgedOut:
    """Acknowledge the alerts of a signed, expiring link from an email or SMS."""
    try:
        done = service.acknowledge_link(session, settings, token, _now(), routing.ack_link_hours())
    except service.AlertError as exc:
        raise _fail(exc) from None
    session.commit()
    return AcknowledgedOut(acknowledged=[a.id for a in done])


@router.get("/alerts/{alert_id}")
def get_alert(alert_id: RowId, session: SessionDep, actor: ActorDep) -> AlertDetailOut:
    """One alert with its append-only history."""
    try:
        alert, hist = service.get_alert(session, alert_id)
    except service.AlertError as exc:
        raise _fail(exc) from None
    return AlertDetailOut.model_validate(
        {**AlertOut.model_validate(alert).model_dump(), "history": [AlertHistoryOut.model_validate(h) for h in hist]}
    )


@router.post("/alerts/{alert_id}/ack")
def ack(alert_id: RowId, session: SessionDep, actor: NocActorDep) -> AlertOut:
    """Acknowledge an alert as the logged-in engineer (stops its escalation)."""
    try:
        (alert,) = service.acknowledge(session, [alert_id], actor.name, _now(), "api")
    except service.AlertError as exc:
        raise _fail(exc) from None
    session.commit()
    return AlertOut.model_validate(alert)


class MatcherIn(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    value: str = Field(max_length=200)
    op: Literal["=", "!=", "=~", "!~"] = "="


class SilenceIn(BaseModel):
    matchers: list[MatcherIn] = Field(min_length=1)
    reason: str = Field(min_length=1, max_length=1000)
    starts_at: Moment | None = None
    ends_at: Moment


@router.get("/silences")
def list_silences(session: SessionDep, actor: ActorDep, include_expired: bool = False) -> list[SilenceOut]:
    """Active and future silences (and expired ones on request)."""
    return [SilenceOut.model_validate(s) for s in service.list_silences(session, _now(), include_expired)]


@router.post("/silences", status_code=201)
def create_silence(body: SilenceIn, session: SessionDep, actor: NocActorDep) -> SilenceOut:
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
    return SilenceOut.model_validate(row)


@router.delete("/silences/{silence_id}")
def expire_silence(silence_id: RowId, session: SessionDep, actor: NocActorDep) -> SilenceOut:
    """End a silence now; alerts still firing are notified on the next cycle."""
    try:
        row = service.expire_silence(session, silence_id, _now())
    except service.AlertError as exc:
        raise _fail(exc) from None
    session.commit()
    return SilenceOut.model_validate(row)
