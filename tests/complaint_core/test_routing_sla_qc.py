"""Routing as data, the SLA clock with holidays and pauses, QC sampling, intake checks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from complaint_core.intake import normalise_cnic, normalise_phone, validate_intake
from complaint_core.model import GeoPoint, InvalidInput, tracking_number
from complaint_core.qc import is_poor, needs_qc
from complaint_core.routing import CategoryInfo, DepartmentInfo, Directory, TownInfo, route
from complaint_core.sla import Calendar, Pause, promised_due, sla_status, working_seconds

DIR = Directory(
    "KHI",
    towns=(
        TownInfo(
            "orangi", "Orangi", ("Orangi UC-1",), ((24.94, 66.98), (24.94, 67.01), (24.97, 67.01), (24.97, 66.98))
        ),
        TownInfo("lyari", "Lyari", ("Lyari UC-1",), ((24.85, 66.99), (24.85, 67.01), (24.87, 67.01), (24.87, 66.99))),
    ),
    departments=(DepartmentInfo("solid-waste", "SWM"), DepartmentInfo("kwsb", "KW&SB", city_wide=True)),
    categories=(
        CategoryInfo("garbage", "Garbage", "solid-waste", 24),
        CategoryInfo("water-leakage", "Leak", "kwsb", 48, "high"),
    ),
)


def test_routing_by_town_ward_point_city_wide_and_triage() -> None:
    assert route(DIR, category_id="garbage", town_id="lyari").town_id == "lyari"
    assert route(DIR, category_id="garbage", ward="orangi uc-1").town_id == "orangi"
    r = route(DIR, category_id="garbage", point=GeoPoint(24.95, 66.99))
    assert (r.town_id, r.department_id, r.triage) == ("orangi", "solid-waste", False)
    lost = route(DIR, category_id="garbage", point=GeoPoint(10.0, 10.0))
    assert lost.triage and lost.town_id is None
    water = route(DIR, category_id="water-leakage")
    assert (water.department_id, water.triage) == ("kwsb", False)
    with pytest.raises(InvalidInput) as err:
        route(DIR, category_id="nope", town_id="atlantis")
    assert [f for f, _ in err.value.errors] == ["category", "town"]
    with pytest.raises(InvalidInput, match="not in town"):
        route(DIR, category_id="garbage", town_id="lyari", ward="Orangi UC-1")


def test_sla_business_hours_holidays_and_pause() -> None:
    cal = Calendar(
        tz="Asia/Karachi", hours=(9, 17), workdays=frozenset(range(5)), holidays=frozenset({date(2026, 3, 23)})
    )
    # Friday 2026-03-20 16:00 PKT (11:00 UTC); 8 working hours: 1 h Friday, weekend off, Monday 23 a holiday.
    start = datetime(2026, 3, 20, 11, 0, tzinfo=UTC)
    due = promised_due(start, 8 * 3600, cal)
    assert due == datetime(2026, 3, 24, 11, 0, tzinfo=UTC)  # Tuesday 16:00 PKT
    assert working_seconds(start, due, cal) == 8 * 3600
    # Pause Tuesday 09:00-12:00 PKT: due moves 3 working hours later (Wednesday 11:00 PKT).
    pause = Pause(datetime(2026, 3, 24, 4, 0, tzinfo=UTC), datetime(2026, 3, 24, 7, 0, tzinfo=UTC))
    st = sla_status(
        registered_at=start, promised=8 * 3600, pauses=[pause], now=datetime(2026, 3, 24, 12, tzinfo=UTC), cal=cal
    )
    assert st.due_at == datetime(2026, 3, 25, 6, 0, tzinfo=UTC) and st.due_at.tzinfo is UTC
    assert st.used_seconds == 6 * 3600 and not st.warning and not st.breached and st.level == 0


def test_escalation_tiers() -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)

    def level(hours: float) -> int:
        return sla_status(registered_at=t0, promised=10 * 3600, pauses=[], now=t0 + timedelta(hours=hours)).level

    assert [level(h) for h in (7, 9, 10, 15, 20, 100)] == [0, 0, 1, 2, 3, 3]
    open_pause = Pause(t0 + timedelta(hours=5))
    st = sla_status(registered_at=t0, promised=10 * 3600, pauses=[open_pause], now=t0 + timedelta(hours=30))
    assert st.paused and st.used_seconds == 5 * 3600 and st.level == 0


def test_qc_sampling_and_rating() -> None:
    numbers = [tracking_number("KHI", 2026, i) for i in range(1, 2001)]
    sampled = sum(needs_qc(n, priority="normal", sample_rate=0.1) for n in numbers)
    assert 140 < sampled < 260  # about 10 %
    assert all(needs_qc(n, priority="high", sample_rate=0.0) for n in numbers[:50])
    assert not any(needs_qc(n, priority="normal", sample_rate=0.0) for n in numbers[:50])
    assert needs_qc(numbers[0], priority="normal", sample_rate=0.1) == needs_qc(
        numbers[0], priority="normal", sample_rate=0.1
    )
    assert is_poor(2) and not is_poor(3)
    assert tracking_number("KHI", 2026, 1234) == "KHI-2026-0001234"


def test_phone_cnic_and_intake_errors_all_at_once() -> None:
    assert normalise_phone("0300 1234567") == "+923001234567"
    assert normalise_phone("+91 98765 43210") == "+919876543210"
    for bad in ("12345", "+1 202 555 0100", "phone"):
        with pytest.raises(ValueError):
            normalise_phone(bad)
    assert normalise_cnic("4210112345671") == "42101-1234567-1"
    with pytest.raises(InvalidInput) as err:
        validate_intake(
            {
                "channel": "call_centre",
                "category": "garbage",
                "phone": "123",
                "cnic": "1",
                "photos": [("a.txt", b"hello")],
            },
            max_photo_bytes=100,
        )
    fields = [f for f, _ in err.value.errors]
    assert fields == [
        "description",
        "citizen_name",
        "channel_data.caller_number",
        "channel_data.call_ref",
        "phone",
        "cnic",
        "photos[0]",
    ]
    with pytest.raises(InvalidInput, match="over the limit"):
        validate_intake(
            {
                "channel": "web",
                "category": "g",
                "description": "d",
                "citizen_name": "A",
                "phone": "03001234567",
                "photos": [("p.png", b"\x89PNG\r\n\x1a\n" + b"0" * 200)],
            },
            max_photo_bytes=100,
        )
    ok = validate_intake(
        {
            "channel": "internal",
            "category": "noc-power",
            "description": "Orangi down",
            "channel_data": {"source_ref": "o-1"},
        },
        max_photo_bytes=100,
    )
    assert ok.phone is None and ok.channel_data == {"source_ref": "o-1"}
