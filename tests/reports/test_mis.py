"""MIS numbers checked against hand-computed fixtures, and the report downloads, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader

from noc_api.accounts.service import add_user
from noc_api.app import create_app
from noc_api.reports.service import mis_report
from noc_api.runtime import Runtime
from tests.reports.fixtures import local, may_2026

NOW = local(6, 2, 9)


@pytest.fixture(autouse=True)
def may(runtime: Runtime) -> None:
    with runtime.sessions.begin() as s:
        may_2026(s)
        add_user(s, username="mayor.office", password="mayor password 1", role="mayor_office")
        add_user(s, username="lme.kwsb", password="lme password 123", role="lme", department="kwsb")


def test_monthly_numbers_match_the_hand_count(runtime: Runtime) -> None:
    with runtime.sessions() as s:
        d = mis_report(s, runtime.inventory, runtime.topology, kind="monthly", day=date(2026, 5, 15), now=NOW)
    assert d["period"]["label"] == "May 2026" and d["period"]["start"] == "2026-04-30T19:00:00+00:00"
    o = d["overall"]
    assert (o["received"], o["resolved"], o["on_time"], o["pending"], o["overdue"], o["reopened"], o["rejected"]) == (
        5,
        3,
        1,
        2,
        1,
        1,
        1,
    )
    assert o["sla_compliance_percent"] == 33.3
    assert o["avg_resolution_hours"] == 208.0 and o["p50_resolution_hours"] == 72.0
    assert o["p90_resolution_hours"] == 436.8
    towns = {r["key"]: r for r in d["by_town"]}
    assert [(r["key"], r["rank"], r["index"]) for r in d["by_town"]] == [
        ("orangi", 1, 75.0),
        ("saddar", 2, 60.0),
        ("lyari", 3, 20.0),
    ]
    assert towns["lyari"]["pending"] == 2 and towns["lyari"]["overdue"] == 1
    assert {r["key"]: r["received"] for r in d["by_channel"]} == {"web": 3, "call_centre": 1, "walk_in": 1}
    assert d["aging"] == [
        {"key": "city", "0-3 days": 1, "4-7 days": 0, "8-15 days": 1, "16-30 days": 0, "> 30 days": 0}
    ]
    assert d["top_categories"][0] == {"category": "roads", "name": "Roads and potholes", "received": 2}
    # The previous period is April: the 96 Orangi walk-ins and c6.
    assert d["previous"]["received"] == 97


def test_uptime_beside_throughput(runtime: Runtime) -> None:
    with runtime.sessions() as s:
        d = mis_report(s, runtime.inventory, runtime.topology, kind="monthly", day=date(2026, 5, 1), now=NOW)
    ch = {r["channel"]: r for r in d["uptime_throughput"]}
    orangi, lyari, gadap = ch["walk-in-orangi"], ch["walk-in-lyari"], ch["walk-in-gadap"]
    assert orangi["uptime_percent"] == 99.283 and orangi["downtime_minutes"] == 320.0
    assert orangi["received"] == 1 and orangi["expected_missed"] == 16.0 and orangi["causes"] == ["power"]
    # Across midnight at the month's end: only the hour in May counts.
    assert lyari["downtime_minutes"] == 60.0 and lyari["uptime_percent"] == 99.866
    # Planned work is shown apart and costs no uptime.
    assert gadap["uptime_percent"] == 100.0 and gadap["maintenance_minutes"] == 120.0
    assert gadap["downtime_minutes"] == 0.0 and gadap["expected_missed"] == 0.0
    assert (
        "Orangi walk-in counter was down 5 h 20 min (power), about 16 walk-in complaints not received." in d["stories"]
    )
    assert d["restore_times"] == [
        {
            "town": "orangi",
            "town_name": "Orangi",
            "cause": "power",
            "outages": 1,
            "avg_restore_minutes": 320.0,
            "max_restore_minutes": 320.0,
        }
    ]


def test_downloads_open_with_the_right_totals(runtime: Runtime) -> None:
    with TestClient(create_app(runtime.settings, runtime=runtime)) as c:
        params = {"period": "monthly", "date": "2026-05-15"}
        assert c.get("/api/v1/reports/mis", params=params).status_code == 401
        lme = c.post("/api/v1/auth/login", json={"username": "lme.kwsb", "password": "lme password 123"})
        r = c.get(
            "/api/v1/reports/mis", params=params, headers={"Authorization": f"Bearer {lme.json()['access_token']}"}
        )
        assert r.status_code == 403
        c.post("/api/v1/auth/login", json={"username": "mayor.office", "password": "mayor password 1"})
        bad = c.get("/api/v1/reports/mis", params={**params, "format": "docx"})
        assert bad.status_code == 422 and "format" in bad.json()["detail"]
        rows = list(
            csv.reader(
                io.StringIO(
                    c.get("/api/v1/reports/mis", params={**params, "format": "csv"}).content.decode("utf-8-sig")
                )
            )
        )
        channels_at = rows.index(["Channels"])
        assert rows[channels_at + 1][:2] == ["Channel", "Received"]
        total = next(r for r in rows[channels_at:] if r and r[0] == "Total")
        assert total[1] == "5"
        wb = load_workbook(io.BytesIO(c.get("/api/v1/reports/mis", params={**params, "format": "xlsx"}).content))
        ws = wb["Channels"]
        assert [c.value for c in ws[ws.max_row]][:2] == ["Total", 5]
        pdf = c.get("/api/v1/reports/mis", params={**params, "format": "pdf"})
        assert pdf.headers["content-type"] == "application/pdf"
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
        assert "May 2026" in text and "Orangi walk-in counter was down 5 h 20 min" in text


def test_public_service_delivery_page_and_pdf(runtime: Runtime) -> None:
    with TestClient(create_app(runtime.settings, runtime=runtime)) as c:
        page = c.get("/public/service-delivery", params={"month": "2026-05"})
        assert page.status_code == 200
        assert "Karachi: complaints and service delivery, May 2026" in page.text
        assert '<b id="received">5</b>' in page.text and "lme.kwsb" not in page.text
        assert c.get("/public/service-delivery", params={"month": "May"}).status_code == 422
        pdf = c.get("/public/service-delivery.pdf", params={"month": "2026-05"})
        assert pdf.status_code == 200 and PdfReader(io.BytesIO(pdf.content)).pages


def test_the_quicker_arithmetic_gives_the_plain_answer(runtime: Runtime) -> None:
    """The period before, grouped by channel alone, sums to the city total of the full cube; the percentiles
    taken from sorted values equal statistics.quantiles' (inclusive) to the last bit."""
    import random
    from statistics import quantiles
    from zoneinfo import ZoneInfo

    from complaint_core.services import figures
    from noc_api.reports import complaints as cr
    from noc_api.reports.periods import period_bounds

    start, end, _ = period_bounds("monthly", date(2026, 4, 15), ZoneInfo("Asia/Karachi"))
    with runtime.sessions() as s:
        full, _ = cr.split_internal(figures.cube(s, start=start, end=end, now=NOW, backlog=False))
        narrow, _ = cr.split_internal(figures.cube(s, start=start, end=end, now=NOW, backlog=False, by=("channel",)))
    assert cr.breakdown(narrow, [], "city") == cr.breakdown(full, [], "city")
    assert cr.breakdown(full, [], "city")[0]["received"] == 97
    rng = random.Random(17)
    for n in [*range(2, 40), 1000]:
        values = sorted(rng.uniform(0, 500_000) for _ in range(n))
        plain = quantiles(values, n=100, method="inclusive")
        assert (cr._pct(values, 50), cr._pct(values, 90)) == (plain[49], plain[89])
