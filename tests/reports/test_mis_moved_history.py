"""A period's MIS from histories recorded before events said what they moved (as the upgrade leaves them): the
officer is replayed from the assignments before the end, a re-mark's former place is read from the event, on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from complaint_core.adapters.orm import ComplaintEvent, ComplaintRow
from noc_api.reports.service import mis_report
from noc_api.runtime import Runtime
from tests.reports.fixtures import complaint, local

NOW = local(5, 10, 12)
GARBAGE = {"town": "orangi", "dept": "solid-waste", "cat": "garbage", "channel": "call_centre"}


def _events(row: ComplaintRow, *steps: tuple[str, datetime, str | None, str, dict[str, Any]]) -> list[ComplaintEvent]:
    return [
        ComplaintEvent(complaint_id=row.id, at=at, action=a, actor="old", from_status=was, to_status=to, data=data)
        for a, at, was, to, data in steps
    ]


def test_april_reads_the_officer_and_category_of_then_from_an_old_history(runtime: Runtime) -> None:
    with runtime.sessions.begin() as s:
        # Held by lme.a at April's end, reassigned to lme.b in May.
        held = complaint(**GARBAGE, registered=local(4, 2, 10), due=local(6, 30))
        held.status, held.assignee, held.moved_at = "assigned", "lme.b", local(5, 3, 10)
        # Resolved by lme.a in April; reopened in May and given to lme.b.
        fixed = complaint(**GARBAGE, registered=local(4, 4, 9), due=local(4, 6, 9), status="reopened", reopen=1)
        fixed.assignee, fixed.moved_at = "lme.b", local(5, 4, 10)
        # Garbage at April's end, re-marked to sanitation in May (a re-mark has always said where it came from).
        remarked = complaint(town="orangi", dept="solid-waste", cat="sanitation", channel="web",
                             registered=local(4, 6, 9), due=local(6, 30))  # fmt: skip
        remarked.moved_at = local(5, 2, 10)
        s.add_all([held, fixed, remarked])
        s.flush()
        h, f, r = held.registered_at, fixed.registered_at, remarked.registered_at
        moved_from = {"town_id": "orangi", "department_id": "solid-waste", "category_id": "garbage"}
        s.add_all(
            _events(
                held,
                ("register", h, None, "registered", {}),
                ("assign", h + timedelta(hours=1), "registered", "assigned", {"assignee": "lme.a"}),
                ("assign", local(5, 3, 10), "assigned", "assigned", {"assignee": "lme.b"}),
            )
            + _events(
                fixed,
                ("register", f, None, "registered", {}),
                ("assign", f + timedelta(hours=1), "registered", "assigned", {"assignee": "lme.a"}),
                ("start", f + timedelta(hours=2), "assigned", "in_progress", {}),
                ("resolve", f + timedelta(hours=5), "in_progress", "resolved", {}),
                ("reopen", local(5, 4, 9), "resolved", "reopened", {"reopening": 1}),
                ("assign", local(5, 4, 10), "reopened", "assigned", {"assignee": "lme.b"}),
            )
            + _events(
                remarked,
                ("register", r, None, "registered", {}),
                (
                    "remark",
                    local(5, 2, 10),
                    "registered",
                    "registered",
                    {**moved_from, "category_id": "sanitation", "from": moved_from},
                ),
            )  # fmt: skip
        )
    with runtime.sessions() as s:
        april = mis_report(s, runtime.inventory, runtime.topology, kind="monthly", day=date(2026, 4, 15), now=NOW)
        may = mis_report(s, runtime.inventory, runtime.topology, kind="monthly", day=date(2026, 5, 15), now=NOW)
    officers = {r["key"]: r for r in april["by_officer"]}
    assert set(officers) == {"lme.a", None}, officers
    a = officers["lme.a"]
    assert (a["received"], a["resolved"], a["on_time"], a["pending"]) == (2, 1, 1, 1), a
    assert a["p50_resolution_hours"] == 5.0  # the resolution's time, under the officer who resolved it
    assert {r["key"]: r["received"] for r in april["by_category"]} == {"garbage": 3}
    assert {r["key"]: r["pending"] for r in may["by_officer"]} == {"lme.b": 2, None: 1}
    assert {r["key"]: r["pending"] for r in may["by_category"]} == {"garbage": 2, "sanitation": 1}
