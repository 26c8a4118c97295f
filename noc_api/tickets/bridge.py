"""The outage-to-ticket bridge: a HealthListener that keeps one internal ticket per outage, in the sweep's
transaction, so an outage and its ticket are committed together (a crash never leaves one without the other).

It also converges from what is persisted, not only from this sweep's events: open outages without a ticket get
one, and outages that ended while their ticket's link stayed open (a sweep whose listener failed and was rolled
back) are resolved late rather than never."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaint_core.config import CoreConfig
from complaint_core.lifecycle import Command
from complaint_core.model import ComplaintStatus
from complaint_core.roles import Actor
from complaint_core.services.actions import act
from complaint_core.services.internal import raise_internal_ticket, resolve_internal_ticket
from complaint_core.services.lookups import ComplaintRecord, add_note, complaint
from noc_api.complaints.desk import ComplaintDesk
from noc_api.db.noc_models import OutageRow
from noc_api.db.ticket_models import OutageTicket
from noc_api.health.model import HealthSnapshot, Outage, OutageEvent, OutageEventKind
from noc_api.health.store import outage_of_row
from noc_api.tickets.policy import (
    TicketPolicy,
    category_for,
    resolution_note,
    ticket_description,
    update_note,
    wants_ticket,
)
from noc_api.tickets.queues import it_queue

NOC = Actor.system("noc")
OPEN_STATUSES = {s.value for s in ComplaintStatus if s.kind.value == "open"}


@dataclass(repr=False)
class TicketBridge:
    """Raises, annotates, resolves and reopens internal tickets as outages open, change and close."""

    desk: ComplaintDesk
    device_kinds: dict[str, str]  # device id -> kind, from the inventory
    policy: TicketPolicy
    name = "tickets"  # counted under this name when it fails (ccis_health_listener_failures_total)

    def on_health(self, session: Session, snapshot: HealthSnapshot, events: list[OutageEvent], now: datetime) -> None:
        """Apply this sweep's outage events, then make sure every open outage that wants a ticket has one."""
        for ev in events:
            if ev.kind is OutageEventKind.OPENED:
                self._ensure_ticket(session, ev.outage, now)
            elif ev.kind is OutageEventKind.UPDATED:
                self._note(session, ev.outage, ev.note, now)
            elif ev.kind is OutageEventKind.CLOSED:
                self._resolve(session, ev.outage, ev.at, now)
        for outage in snapshot.outages:  # after a restart or a policy change, and tickets closed too early
            self._ensure_ticket(session, outage, now)
        self._resolve_missed(session, now)

    # -- helpers -------------------------------------------------------------------------------------------------

    def _device_kind(self, outage: Outage) -> str | None:
        return self.device_kinds.get(outage.root_cause_device or outage.subject_id)

    def _link(self, outage_id: int) -> str:
        return f"{self.desk.base_url}/api/v1/outages/{outage_id}"

    def _row(self, session: Session, tracking: str) -> ComplaintRecord | None:
        return complaint(session, tracking)

    def _ensure_ticket(self, session: Session, outage: Outage, now: datetime) -> None:
        if outage.ended_at is not None or not wants_ticket(self.policy, outage, self._device_kind(outage)):
            return
        link = session.get(OutageTicket, outage.id)
        if link is not None:
            self._reopen_if_closed_early(session, link, outage, now)
            return
        reused = self._reusable(session, outage, now)
        if reused is not None:
            session.add(
                OutageTicket(
                    outage_id=outage.id,
                    tracking_number=reused.tracking_number,
                    subject_id=outage.subject_id,
                    opened_at=now,
                )
            )
            self._reopen(session, reused, f"The outage is back (outage #{outage.id}, cause {outage.cause}).", now)
            return
        reg = raise_internal_ticket(
            session,
            category_id=category_for(self.policy, outage.cause),
            description=ticket_description(outage, self._link(outage.id)),
            source_ref=f"outage:{outage.id}",
            directory=self.desk.directory(session),
            now=now,
            config=self._config(),
            town_id=outage.town_id,
            assignee=it_queue(outage.town_id),
        )
        session.add(
            OutageTicket(
                outage_id=outage.id, tracking_number=reg.tracking_number, subject_id=outage.subject_id, opened_at=now
            )
        )
        session.flush()

    def _reusable(self, session: Session, outage: Outage, now: datetime) -> ComplaintRecord | None:
        """The same subject's ticket when it is still open or was resolved only moments ago (flapping)."""
        recent = session.scalars(
            select(OutageTicket)
            .where(OutageTicket.subject_id == outage.subject_id)
            .order_by(OutageTicket.opened_at.desc())
            .limit(1)
        ).first()
        if recent is None:
            return None
        row = self._row(session, recent.tracking_number)
        if row is None:
            return None
        if row.status in OPEN_STATUSES:
            return row
        fresh = recent.resolved_at is not None and now - recent.resolved_at <= timedelta(
            minutes=self.policy.reuse_minutes
        )
        return row if fresh and row.status in ("resolved", "verified") else None

    def _note(self, session: Session, outage: Outage, note: str, now: datetime) -> None:
        link = session.get(OutageTicket, outage.id)
        row = self._row(session, link.tracking_number) if link else None
        text = update_note(None, outage, note)
        if row is None or text is None:
            return
        add_note(session, tracking=row.tracking_number, actor=NOC, note=text, data={"outage_id": outage.id}, now=now)

    def _resolve(self, session: Session, outage: Outage, ended_at: datetime, now: datetime) -> None:
        link = session.get(OutageTicket, outage.id)
        if link is None or link.resolved_at is not None:
            return
        row = self._row(session, link.tracking_number)
        if row is None:
            return
        note = resolution_note(outage, outage.ended_at or ended_at)
        # Each step (assign, start, resolve) is an event in the ticket's history.
        resolve_internal_ticket(session, tracking=row.tracking_number, note=note, now=now, config=self._config())
        link.resolved_at = now
        session.flush()

    def _resolve_missed(self, session: Session, now: datetime) -> None:
        """Links still open although their outage ended: resolve the ticket unless another outage holds it."""
        rows = session.execute(
            select(OutageTicket, OutageRow)
            .join(OutageRow, OutageRow.id == OutageTicket.outage_id)
            .where(OutageTicket.resolved_at.is_(None), OutageRow.ended_at.is_not(None))
            .order_by(OutageRow.ended_at)
        ).all()
        for link, row in rows:
            held = session.scalar(
                select(OutageTicket.outage_id)
                .join(OutageRow, OutageRow.id == OutageTicket.outage_id)
                .where(OutageTicket.tracking_number == link.tracking_number, OutageRow.ended_at.is_(None))
                .limit(1)
            )
            if held is not None:  # the subject failed again: its open outage will resolve the ticket
                link.resolved_at = now
                continue
            outage = outage_of_row(row)
            self._resolve(session, outage, outage.ended_at or now, now)

    def _reopen_if_closed_early(self, session: Session, link: OutageTicket, outage: Outage, now: datetime) -> None:
        row = self._row(session, link.tracking_number)
        if row is not None and row.status not in OPEN_STATUSES:
            self._reopen(session, row, f"Closed while outage #{outage.id} is still going on; reopened by the NOC.", now)

    def _config(self) -> CoreConfig:
        return self.desk.config

    def _reopen(self, session: Session, row: ComplaintRecord, note: str, now: datetime) -> None:
        if row.status in ("resolved", "verified"):
            act(
                session,
                tracking=row.tracking_number,
                command=Command("reopen", note),
                actor=NOC,
                now=now,
                config=self._config(),
            )
        else:  # closed or rejected is final: note it; a fresh outage gets a fresh ticket next time
            add_note(session, tracking=row.tracking_number, actor=NOC, note=note, data={}, now=now)
        for link in session.scalars(select(OutageTicket).where(OutageTicket.tracking_number == row.tracking_number)):
            link.resolved_at = None
