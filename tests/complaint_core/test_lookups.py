"""The core's API for the server's other features: complaints, the outbox and bulk import as plain values."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import FrozenInstanceError
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from complaint_core.adapters.repo import next_tracking_number
from complaint_core.config import CoreConfig
from complaint_core.model import NotFound
from complaint_core.roles import Actor
from complaint_core.routing import CategoryInfo, DepartmentInfo, Directory, TownInfo
from complaint_core.services import imports, lookups, outbox
from complaint_core.services.internal import raise_internal_ticket, set_deadline
from complaint_core.services.notify import enqueue
from complaint_core.services.registration import register_complaint
from noc_api.db.engine import make_engine, make_session_factory
from noc_api.db.migrate import upgrade

DIR = Directory(
    "KHI",
    towns=(TownInfo("orangi", "Orangi", ("Orangi UC-1",), ()),),
    departments=(DepartmentInfo("solid-waste", "SWM"), DepartmentInfo("noc", "NOC", city_wide=True)),
    categories=(CategoryInfo("garbage", "Garbage", "solid-waste", 24), CategoryInfo("outage", "Outage", "noc", 4)),
)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CFG = CoreConfig()


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    engine = make_engine(db_url)
    upgrade(engine)
    with make_session_factory(engine)() as s:
        yield s
    engine.dispose()


def _citizen(s: Session) -> str:
    body = {
        "channel": "web",
        "category": "garbage",
        "town": "orangi",
        "description": "Garbage heap not lifted for a week",
        "phone": "0300 1234567",
        "citizen_name": "Test Citizen",
    }
    return register_complaint(
        s, data=body, actor=Actor.system("test"), directory=DIR, now=NOW, config=CFG
    ).tracking_number


def _ticket(s: Session) -> str:
    reg = raise_internal_ticket(
        s,
        category_id="outage",
        description="Switch at Orangi office down",
        source_ref="outage:1",
        directory=DIR,
        now=NOW,
        config=CFG,
        town_id="orangi",
        assignee="it-orangi",
    )
    return reg.tracking_number


def test_complaints_come_back_as_values_and_internal_tickets_stay_out_of_public_reads(session: Session) -> None:
    citizen, ticket = _citizen(session), _ticket(session)
    found = lookups.complaint(session, citizen, public_only=True)
    assert found is not None and (found.tracking_number, found.phone, found.town_id) == (
        citizen,
        "+923001234567",
        "orangi",
    )
    with pytest.raises(FrozenInstanceError):
        found.status = "closed"  # type: ignore[misc]
    assert lookups.complaint(session, ticket, public_only=True) is None
    assert lookups.complaint(session, ticket) is not None
    assert {r.tracking_number for r in lookups.complaints(session, [citizen, ticket, "KHI-1999-0000001"])} == {
        citizen,
        ticket,
    }
    assert [r.tracking_number for r in lookups.complaints(session, [citizen, ticket], public_only=True)] == [citizen]
    assert [r.tracking_number for r in lookups.public_complaints(session, limit=10)] == [citizen]
    assert lookups.public_complaints(session, open_=False, limit=10) == []
    assert lookups.get_complaint(session, f" {citizen.lower()} ").tracking_number == citizen
    with pytest.raises(NotFound):
        lookups.get_complaint(session, "KHI-1999-0000001")
    assert lookups.statuses(session, [ticket, "nope"]) == {ticket: "assigned"}
    assert lookups.open_internal_by_assignee(session, "it-%") == {"it-orangi": 1}


def test_a_note_keeps_the_status_and_a_deadline_moves_the_due_date(session: Session) -> None:
    ticket = _ticket(session)
    lookups.add_note(
        session, tracking=ticket, actor=Actor.system("noc"), note="Still down", data={"outage_id": 1}, now=NOW
    )
    last = lookups.history_of(session, ticket)[-1]
    assert (last["action"], last["from_status"], last["to_status"], last["note"]) == (
        "note",
        "assigned",
        "assigned",
        "Still down",
    )
    assert lookups.history_of(session, "KHI-1999-0000001") == []
    deadline = NOW + timedelta(hours=1)
    set_deadline(session, tracking=ticket, deadline=deadline, now=NOW, config=CFG)
    record = lookups.get_complaint(session, ticket)
    assert record.due_at == deadline and record.promised_seconds == 3600


def test_the_outbox_claims_records_and_counts_by_value(session: Session) -> None:
    enqueue(session, medium="sms", to="+923001234567", body="hello", reason="registered", now=NOW, source="intake")
    session.commit()
    assert outbox.pending_counts(session) == {("intake", "sms"): 1}
    message = outbox.claim(session, NOW, lease=60)
    assert message is not None and (message.source, message.to, message.body) == ("intake", "+923001234567", "hello")
    assert outbox.claim(session, NOW, lease=60) is None  # leased: hidden from other senders
    assert outbox.record(session, message.id, False, "gateway down", NOW, lambda attempts: 30.0) == "retry"
    assert outbox.record(session, message.id, True, "accepted", NOW, lambda attempts: 30.0) == "sent"
    session.commit()
    [logged] = outbox.log(session, source="intake")
    assert logged["status"] == "sent" and [a["ok"] for a in logged["attempts"]] == [False, True]
    assert outbox.pending_counts(session) == {} and outbox.count(session, source="intake") == 1


def test_imported_complaints_keep_their_numbers_and_push_the_counter_past_them(session: Session) -> None:
    citizen = _citizen(session)
    values = {
        **{k: v for k, v in vars(lookups.get_complaint(session, citizen)).items() if k != "id"},
        "tracking_number": "KHI-2019-0000500",
        "created_by": "legacy-import",
        "version": 1,
    }
    event = {"tracking_number": "KHI-2019-0000500", "at": NOW, "action": "import", "actor": "legacy-import"}
    event |= {"role": "system", "from_status": None, "to_status": values["status"], "note": None, "data": {}}
    imports.insert_imported(session, [values], [event], {("KHI", 2019): 500})
    assert imports.creators(session, ["KHI-2019-0000500", citizen, "nope"]) == {
        "KHI-2019-0000500": "legacy-import",
        citizen: "test",
    }
    assert [e["action"] for e in lookups.history_of(session, "KHI-2019-0000500")] == ["import"]
    assert next_tracking_number(session, "KHI", 2019) == "KHI-2019-0000501"
