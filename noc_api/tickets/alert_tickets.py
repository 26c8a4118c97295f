"""Alerts that are work for people, not only a message: a rule labelled ``ticket: <category>`` raises one internal
ticket while its alert fires (recordings not extracted, a store behind), and the alert's resolution resolves it.

A HealthListener listed after alerting, so it sees the alerts of the same evaluation in the same transaction.
A muted alert (maintenance, dependency, silence) raises nothing: planned or explained trouble is not new work.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaint_core.services.internal import raise_internal_ticket, resolve_internal_ticket
from noc_api.alerting.models import Alert
from noc_api.complaints.desk import ComplaintDesk
from noc_api.db.maintenance_models import AlertTicket
from noc_api.health.model import HealthSnapshot, OutageEvent
from noc_api.tickets.queues import it_queue

log = logging.getLogger("ccis.tickets")
TICKET_LABEL = "ticket"


@dataclass(repr=False)
class AlertTicketBridge:
    desk: ComplaintDesk

    def on_health(self, session: Session, snapshot: HealthSnapshot, events: list[OutageEvent], now: datetime) -> None:
        """Raise tickets for newly firing ticket-labelled alerts; resolve those whose alert has resolved."""
        open_links = {
            t.alert_id: t for t in session.scalars(select(AlertTicket).where(AlertTicket.resolved_at.is_(None)))
        }
        firing = [
            a
            for a in session.scalars(select(Alert).where(Alert.state == "firing"))
            if (a.labels or {}).get(TICKET_LABEL) and not a.muted_by
        ]
        known = set(
            session.scalars(select(AlertTicket.alert_id).where(AlertTicket.alert_id.in_([a.id for a in firing])))
        )
        categories = None
        for alert in firing:
            if alert.id in known:
                continue
            if categories is None:
                categories = {c.id for c in self.desk.directory(session).categories}
            category = alert.labels[TICKET_LABEL]
            if category not in categories:
                log.warning("alert rule %s names unknown ticket category %r", alert.rule, category)
                continue
            self._raise(session, alert, category, now)
        if open_links:
            states = dict(session.execute(select(Alert.id, Alert.state).where(Alert.id.in_(list(open_links)))).all())
            for alert_id, link in open_links.items():
                if states.get(alert_id, "resolved") == "resolved":
                    self._resolve(session, link, now)

    def _raise(self, session: Session, alert: Alert, category: str, now: datetime) -> None:
        notes = alert.annotations or {}
        since = alert.fired_at or now
        text = "\n".join(
            x
            for x in (
                f"NOC alert #{alert.id} ({alert.rule}, {alert.severity}) firing since {since:%Y-%m-%d %H:%M} UTC.",
                notes.get("summary", ""),
                notes.get("description", ""),
                f"Runbook: {notes['runbook']}" if notes.get("runbook") else "",
                f"Live alert: {self.desk.base_url}/api/v1/alerts/{alert.id}",
            )
            if x
        )
        reg = raise_internal_ticket(
            session,
            category_id=category,
            description=text[:3900],
            source_ref=f"alert:{alert.id}",
            directory=self.desk.directory(session),
            now=now,
            config=self.desk.config,
            town_id=alert.town_id,
            assignee=it_queue(alert.town_id),
        )
        session.add(
            AlertTicket(
                alert_id=alert.id, fingerprint=alert.fingerprint, tracking_number=reg.tracking_number, opened_at=now
            )
        )
        session.flush()

    def _resolve(self, session: Session, link: AlertTicket, now: datetime) -> None:
        note = f"Alert #{link.alert_id} resolved at {now:%Y-%m-%d %H:%M} UTC. Resolved automatically by the NOC."
        resolve_internal_ticket(session, tracking=link.tracking_number, note=note, now=now, config=self.desk.config)
        link.resolved_at = now
        session.flush()
