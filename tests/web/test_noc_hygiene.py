"""Overdue maintenance and workstation hygiene where people look: the NOC console's page lists last week's
unfinished maintenance per town and the hosts not patched or with stale signatures (from a real ingest post, as a
site agent sends it); hosts that never reported are said so. The MIS page shows the maintenance report."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from itertools import count

import httpx
import pytest
from playwright.sync_api import expect

from noc_api.maintenance import work
from noc_api.runtime import build
from noc_api.settings import load_settings
from tests.web.conftest import ROOT, Site, password

pytestmark = pytest.mark.slow
DAY = 86400.0
_seq = count(1)


def _token(site: Site, username: str) -> str:
    r = httpx.post(site.url + "/api/v1/auth/login", json={"username": username, "password": password(username)})
    return r.json()["access_token"]


def _last_weeks_tickets(site: Site) -> datetime:
    """Raise last week's antivirus-signature checks (as the scheduler would have): now they are overdue."""
    settings = load_settings(database_url=site.db_url, inventory=str(ROOT / "inventory.yaml"), env="test",
                             secret_key="w" * 32, run_scheduler="false")  # fmt: skip
    rt = build(settings)
    last_week = datetime.now(UTC) - timedelta(days=8)
    with rt.sessions.begin() as s:
        work.schedule(s, rt.maintenance, last_week, [p for p in rt.maintenance.plans if p.id == "antivirus-signatures"])
    rt.engine.dispose()
    return last_week


def _agent_reports_hygiene(site: Site) -> None:
    admin = {"authorization": f"Bearer {_token(site, 'adil.admin')}"}
    r = httpx.post(site.url + "/api/v1/site-tokens", json={"site_id": "town-orangi"}, headers=admin)
    assert r.status_code == 201, r.text
    now = datetime.now(UTC).isoformat()
    readings = [
        {"metric": "check_available", "value": 1, "labels": {"check": "os_updates"}},
        {"metric": "host_pending_updates", "value": 5},
        {"metric": "host_pending_security_updates", "value": 2, "text": "openssl, libc6"},
        {"metric": "host_updates_applied_age_seconds", "value": 40 * DAY, "unit": "seconds"},
        {"metric": "host_patch_lag_seconds", "value": 40 * DAY, "unit": "seconds"},
        {"metric": "check_available", "value": 1, "labels": {"check": "antivirus"}},
        {"metric": "host_antivirus_age_seconds", "value": 5 * DAY, "unit": "seconds", "text": "ClamAV daily.cvd"},
        {"metric": "check_available", "value": 0, "labels": {"check": "disk_health"}, "text": "smartctl not found"},
    ]
    device = {"device_id": "town-orangi-pc-01", "status": "up", "collected_at": now, "readings": readings}
    report = {"report_id": uuid.uuid4().hex, "site_id": "town-orangi", "kind": "device", "made_at": now,
              "seq": next(_seq), "device": device}  # fmt: skip
    batch = {"site_id": "town-orangi", "agent_clock": now, "reports": [report]}
    r = httpx.post(site.url + "/api/v1/ingest", json=batch, headers={"authorization": f"Bearer {r.json()['token']}"})
    assert r.status_code == 200, r.text


def test_noc_console_lists_overdue_maintenance_and_unhealthy_hosts(visitor, site) -> None:
    last_week = _last_weeks_tickets(site)
    _agent_reports_hygiene(site)
    v = visitor(width=375)
    v.login("adil.admin")
    v.go("/noc")
    v.page.click("nav.noc-tabs a[href='/noc/hygiene']")
    expect(v.page.locator("h1")).to_have_text("Overdue maintenance and workstation hygiene")
    assert int(v.page.inner_text("#count-overdue")) >= 1
    expect(v.page.get_by_role("heading", name="Orangi — 1 overdue", exact=True)).to_be_visible()
    table = v.page.locator("#overdue tr", has=v.page.get_by_role("cell", name="Orangi Town Office", exact=True))
    expect(table).to_contain_text("Antivirus signature check")
    expect(table).to_contain_text("IT staff, Orangi")
    host = v.page.locator("#host-town-orangi-pc-01")
    expect(host.locator(".patches")).to_contain_text("✗ not patched")
    expect(host.locator(".signatures")).to_contain_text("✗ stale")
    expect(host.locator(".signatures")).to_contain_text("5 days")
    expect(v.page.locator("#host-town-lyari-pc-01 .patches")).to_contain_text("? not reported")
    assert int(v.page.inner_text("#count-unpatched")) >= 1
    assert v.page.evaluate("document.documentElement.scrollWidth") <= 375
    v.check_a11y()
    v.shot("noc-hygiene-375px")
    # The MIS of last week shows the same maintenance not done on time, and this week's compliance per site.
    m = visitor()
    m.login("mehr.mayor")
    m.go(f"/mis?period=weekly&day={last_week.date().isoformat()}")
    row = m.page.locator("#maintenance-by-town tr", has=m.page.get_by_role("cell", name="Orangi", exact=True))
    expect(row).to_contain_text("⚠")
    m.go("/mis?period=weekly")
    site_row = m.page.locator(
        "#hygiene-by-site tr", has=m.page.get_by_role("cell", name="Orangi Town Office", exact=True)
    )
    expect(site_row).to_contain_text("0 / 1")
    expect(m.page.locator("#dl-maintenance")).to_have_attribute(
        "href", "/api/v1/reports/maintenance?period=weekly&date=" + m.page.locator("#day").input_value() + "&format=csv"
    )
    m.check_a11y()
    m.shot("mis-maintenance")
