"""The NOC console in Chromium against a real `ccis serve` with its scheduler on, on SQLite and PostgreSQL.

Two site "agents" post real ingest batches on loopback (heartbeats and device readings); stopping one makes its
site turn red on the wall, live; starting it again turns it green. An engineer acknowledges with a comment,
silences a site (the preview names what it mutes) and opens a device's chart; a counter clerk reads but every
post of theirs is refused (403)."""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from noc_api.accounts.service import add_user, issue_site_token
from noc_api.inventory import load_inventory
from noc_api.runtime import build
from noc_api.settings import load_settings
from tests.support import ccis_serve, wait_for
from tests.web.conftest import ROOT, Browse, Seeded, Site, password

pytestmark = pytest.mark.slow
USERS = {"nadia.noc": "noc", "ehsan.eng": "engineer", "omar.clerk": "counter_operator"}
_seq = itertools.count()
WIDER = (
    "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > 376).slice(0, 5)"
    ".map(e => e.tagName + '#' + e.id + '.' + e.className)"
)


def _readings(kind: str, tick: int) -> list[dict]:
    if kind == "ups":
        return [{"metric": "ups_on_battery", "value": 0}, {"metric": "ups_battery_minutes_remaining", "value": 42},
                {"metric": "ups_load_ratio", "value": 0.31}, {"metric": "ups_battery_charge_ratio",
                                                               "value": 0.9 + (tick % 5) / 100}]  # fmt: skip
    if kind == "radio":
        return [{"metric": "radio_signal_dbm", "value": -58 - tick % 4}, {"metric": "radio_snr_db", "value": 31},
                {"metric": "radio_tx_capacity_bps", "value": 54e6},
                {"metric": "radio_link_up", "value": 1}]  # fmt: skip
    if kind == "switch":
        return [{"metric": "if_oper_up", "value": 1, "labels": {"interface": p}} for p in ("Gi0/1", "Gi0/2")] + [
            {"metric": "if_in_errors_total", "value": 3, "labels": {"interface": "Gi0/2"}}
        ]
    if kind in ("workstation", "server"):
        return [{"metric": "host_cpu_ratio", "value": 0.2 + (tick % 3) / 10},
                {"metric": "host_memory_used_ratio", "value": 0.5},
                {"metric": "host_disk_used_ratio", "value": 0.4}]  # fmt: skip
    return []


class Agent:
    """A site agent as the server sees one: a batch of a heartbeat and every device's report, every 0.3 s."""

    def __init__(self, url: str, site: str, token: str, devices: list[tuple[str, str]]) -> None:
        self.client = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        self.site, self.devices = site, devices
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _batch(self, tick: int) -> dict:
        now = datetime.now(UTC).isoformat()
        reports: list[dict] = [{"report_id": uuid.uuid4().hex, "site_id": self.site, "kind": "heartbeat",
                                "made_at": now, "seq": next(_seq), "agent": {"version": "test"}}]  # fmt: skip
        for dev, kind in self.devices:
            reports.append({
                "report_id": uuid.uuid4().hex, "site_id": self.site, "kind": "device", "made_at": now,
                "seq": next(_seq), "device": {"device_id": dev, "status": "up", "collected_at": now,
                                              "readings": _readings(kind, tick)},
            })  # fmt: skip
        return {"site_id": self.site, "agent_clock": now, "reports": reports}

    def _run(self) -> None:
        for tick in itertools.count():
            r = self.client.post("/api/v1/ingest", json=self._batch(tick))
            if r.status_code != 200:
                self.errors.append(f"{r.status_code} {r.text[:200]}")
            if self._stop.wait(0.3):
                return

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(10)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def noc(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, dict]]:
    """A server with its scheduler (fast health sweeps, live streams), the NOC users, and two running agents."""
    tmp = tmp_path_factory.mktemp("noc-console")
    db = f"sqlite:///{tmp / 'ccis.db'}" if request.param == "sqlite" else request.getfixturevalue("module_postgres")
    env = {
        "CCIS_DATABASE_URL": db,
        "CCIS_INVENTORY": str(ROOT / "inventory.yaml"),
        "CCIS_ENV": "test",
        "CCIS_SECRET_KEY": "n" * 32,
        "CCIS_STATE_DIR": str(tmp / "var"),
        "CCIS_ATTACHMENTS_DIR": str(tmp / "attachments"),
        "CCIS_HEALTH_INTERVAL_SECONDS": "0.3",
        "CCIS_SSE_POLL_SECONDS": "0.3",
        "CCIS_HEARTBEAT_SECONDS": "0.5",
        "CCIS_HOLD_DOWN_SECONDS": "0",
        "CCIS_PREVENTIVE_MAINTENANCE": "false",
    }
    rt = build(load_settings(**{k.removeprefix("CCIS_").lower(): v for k, v in env.items()}))
    with rt.sessions.begin() as s:
        for name, role in USERS.items():
            add_user(s, username=name, password=password(name), role=role, town="orangi", full_name=name.title())
        tokens = {site: issue_site_token(s, site) for site in ("dc-civic", "town-orangi")}
    rt.engine.dispose()
    inv = load_inventory(ROOT / "inventory.yaml")
    devices = {s.id: [(d.id, d.kind.value) for d in s.devices] for s in inv.sites}
    with ccis_serve(env, tmp / "serve.log") as url:
        agents = {site: Agent(url, site, tok, devices[site]) for site, tok in tokens.items()}
        for a in agents.values():
            a.start()
        try:
            yield Site(url, Seeded(), tmp_path_factory.mktemp("noc-screens"), db), agents
        finally:
            for a in agents.values():
                a.stop()
            assert not any(a.errors for a in agents.values()), {k: a.errors[:3] for k, a in agents.items()}


@pytest.fixture
def console(browser: Any, noc: tuple[Site, dict]) -> Iterator[Any]:
    made: list[Browse] = []

    def make(width: int = 1280) -> Browse:
        b = Browse(browser, noc[0], width)
        made.append(b)
        return b

    yield make
    for b in made:
        b.close()


def _state(url: str, site: str) -> str:
    with httpx.Client(base_url=url) as c:
        c.post("/api/v1/auth/login", json={"username": "nadia.noc", "password": password("nadia.noc")})
        body = c.get("/api/v1/noc/state").json()
    return next(s["state"] for s in body["sites"] if s["id"] == site)


def test_site_turns_red_when_its_agent_stops_and_green_when_it_returns(console, noc) -> None:
    site, agents = noc
    wait_for("Orangi up", lambda: _state(site.url, "town-orangi") == "up", timeout=60)
    v = console()
    v.login("nadia.noc")
    p = v.page
    p.goto(site.url + "/noc")
    expect(p.locator("#live")).to_have_text("live")
    tile = p.locator("#site-town-orangi")
    expect(tile).to_have_attribute("data-state", "up")
    expect(tile).to_contain_text("Orangi Town Office")
    expect(tile).to_contain_text("up")
    expect(tile).to_contain_text("carries Orangi walk-in counter")
    v.check_a11y()
    v.shot("noc-wall-up")
    loads = p.evaluate("performance.getEntriesByType('navigation').length")
    agents["town-orangi"].stop()
    expect(tile).to_have_attribute("data-state", "down", timeout=30000)  # live: no reload
    expect(tile.locator(".words")).to_have_text("down")
    assert p.eval_on_selector("#site-town-orangi", "e => getComputedStyle(e).backgroundColor") == "rgb(179, 38, 30)"
    expect(p.locator("#outages")).to_contain_text("Orangi Town Office")
    expect(p.locator("#problems")).to_contain_text("Orangi Town Office", timeout=30000)
    v.shot("noc-wall-down")
    agents["town-orangi"].start()
    expect(tile).to_have_attribute("data-state", "up", timeout=30000)
    assert p.evaluate("performance.getEntriesByType('navigation').length") == loads
    assert p.evaluate("document.getElementById('wall').dataset.refreshed") not in (None, "0")


def test_acknowledge_with_a_comment_and_a_clerk_cannot(console, noc) -> None:
    site, agents = noc
    agents["town-orangi"].stop()
    try:
        v = console()
        v.login("ehsan.eng")
        p = v.page
        p.goto(site.url + "/noc/sites/town-orangi")
        form = p.locator("#problems .ack-form").first
        expect(form).to_be_visible(timeout=30000)
        form.locator("input[name=comment]").fill("Power cut in Orangi, K-Electric called")
        form.locator("button").click()
        expect(p.locator(".flash")).to_contain_text("Acknowledged")
        expect(p.locator("#problems .acked").first).to_contain_text("acknowledged by Ehsan.Eng")
        expect(p.locator("#problems")).to_contain_text("Power cut in Orangi, K-Electric called")
        p.goto(site.url + "/noc")
        expect(p.locator("#problems")).to_contain_text("Power cut in Orangi, K-Electric called")
        # The clerk reads the console but has no forms, and the server refuses the post itself.
        c = console()
        c.login("omar.clerk")
        c.go("/noc")
        expect(c.page.locator("#read-only")).to_be_visible()
        expect(c.page.locator("#problems .ack-form")).to_have_count(0)
        c.go("/noc/silences")
        token = c.page.context.cookies()
        assert token  # logged in by cookie, as a browser is
        for path in ("/noc/alerts/1/ack", "/noc/silences", "/noc/maintenance", "/noc/silences/1/expire",
                     "/noc/maintenance/1/end"):  # fmt: skip
            r = c.page.request.post(site.url + path, form={"comment": "x"}, headers={"Origin": site.url})
            assert r.status == 403, (path, r.status)
        # An engineer's post without the form's CSRF token is refused too.
        r = p.request.post(site.url + "/noc/silences", form={"name0": "site", "value0": "x", "reason": "r"},
                           headers={"Origin": site.url})  # fmt: skip
        assert r.status == 403
    finally:
        agents["town-orangi"].start()
    wait_for("Orangi up again", lambda: _state(site.url, "town-orangi") == "up", timeout=60)


def test_silence_a_site_and_see_its_alerts_muted(console, noc) -> None:
    site, agents = noc
    agents["town-orangi"].stop()
    try:
        v = console()
        v.login("nadia.noc")
        p = v.page
        p.goto(site.url + "/noc/sites/town-orangi")
        expect(p.locator("#problems .problem").first).to_be_visible(timeout=30000)
        p.click("#silence-site")
        expect(p.locator("#value0")).to_have_value("town-orangi")
        expect(p.locator("#preview")).to_contain_text("Orangi Town Office")  # what it would mute, before making it
        p.fill("#hours", "1")
        v.check_a11y()
        p.click("#make-silence")
        expect(p.locator(".flash")).to_contain_text("Silence #")
        expect(p.locator("#silences")).to_contain_text("site=town-orangi")
        p.goto(site.url + "/noc")
        expect(p.locator("#problems")).to_contain_text("muted (silence:", timeout=30000)
        # End it: the page offers it and the alerts are heard again.
        p.goto(site.url + "/noc/silences")
        p.locator("#silences button:text('End now')").first.click()
        expect(p.locator("#silences")).to_contain_text("No silence active")
    finally:
        agents["town-orangi"].start()
    wait_for("Orangi up again", lambda: _state(site.url, "town-orangi") == "up", timeout=60)


def test_device_page_shows_readings_and_a_chart(console, noc) -> None:
    site, _ = noc
    v = console()
    v.login("ehsan.eng")
    p = v.page
    p.goto(site.url + "/noc/sites/town-orangi")
    expect(p.locator("#devices")).to_contain_text("Charge: 9")
    p.click("#devices a:text('town-orangi-ups')")
    expect(p.locator("h1")).to_contain_text("town-orangi-ups")
    expect(p.locator("#device-facts")).to_contain_text("Minutes left")
    expect(p.locator("#device-facts")).to_contain_text("42 min")
    chart = p.locator("#chart svg.chart-svg")
    expect(chart).to_be_visible()
    expect(chart.locator("polyline.line")).to_have_count(1)
    assert "points from" in (chart.get_attribute("aria-label") or "")
    p.select_option("#range", "24h")
    p.select_option("#step", "raw")
    p.click("#chart-form button")
    expect(p.locator("#chart figcaption")).to_contain_text("raw points")
    expect(p.locator("#path")).to_contain_text("Orangi link, data-centre end")
    v.check_a11y()
    v.shot("noc-device")
    # A maintenance window for the device, then ended early.
    p.fill("#w-note", "battery swap")
    p.click("#window-form button[type=submit]")
    expect(p.locator(".flash")).to_contain_text("Maintenance window #")
    expect(p.locator("#windows")).to_contain_text("battery swap")
    p.locator("#windows button:text('End now')").first.click()
    expect(p.locator("#windows")).to_contain_text("over")


def test_phone_width_and_accessibility_of_every_console_page(console, noc) -> None:
    site, _ = noc
    v = console(375)
    v.login("nadia.noc")
    p = v.page
    for path in ("/noc", "/noc/sites/town-orangi", "/noc/devices/radio-orangi", "/noc/outages", "/noc/silences",
                 "/noc/maintenance", "/noc/hygiene", "/noc/oncall", "/noc/notifications"):  # fmt: skip
        v.go(path)
        wide = p.evaluate("document.documentElement.scrollWidth")
        assert wide <= 380, (path, wide, p.evaluate(WIDER))  # nothing forces sideways scrolling on a phone
        v.check_a11y()
    # On either database: no host of these agents reports hygiene, so none is counted healthy.
    v.go("/noc/hygiene")
    expect(p.locator("#host-town-orangi-pc-01 .patches")).to_contain_text("? not reported")
    assert p.inner_text("#count-unpatched") == "0" and int(p.inner_text("#count-unknown")) > 0
    v.go("/noc/outages")
    assert p.locator("#outage-list a").count() > 0  # the earlier tests stopped Orangi's agent
    p.locator("#outage-list a").first.click()
    expect(p.locator("#timeline")).to_contain_text("Outage began")
    expect(p.locator("#timeline")).to_contain_text("Outage over")
    v.check_a11y()
    v.shot("noc-outage-375")
    # Who is called: the shipped routing's groups, on duty now by Karachi's shift, and each chain's next steps.
    v.go("/noc/oncall")
    expect(p.locator("#oncall-network")).to_contain_text("noc-desk")  # on both network shifts
    expect(p.locator("#oncall-power")).to_contain_text("power-eng")
    expect(p.locator("#chain-network-critical")).to_contain_text("noc-lead")
    expect(p.locator("#chain-network-critical li").last).to_contain_text("it-head")
    # What was sent: Orangi's outage (the earlier tests) was told to the network on-call, each row with its result.
    v.go("/noc/notifications")
    rows = p.locator("#notifications tbody tr")
    expect(rows.first).to_be_visible()
    expect(p.locator("#notifications")).to_contain_text("noc-desk")
    states = p.locator("#notifications tbody tr td:nth-child(4)").all_inner_texts()
    assert states and set(states) <= {"pending", "sent", "failed"}, states  # each row's result, in words
    v.go("/noc")
    v.shot("noc-wall-375")
