"""The NOC wall in headless Chromium: a site turns red live (Server-Sent Events) when its link drops, and the
engineer acknowledges the outage's alert from the wall with a comment."""

from __future__ import annotations

from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

from noc_api.accounts.service import add_user, issue_site_token
from noc_api.runtime import build
from noc_api.settings import load_settings
from tests.noc_api.reporter import batch, device_report, heartbeat
from tests.support import ccis_serve

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def test_site_turns_red_on_the_wall(inventory_path: Path, tmp_path: Path) -> None:
    env = {
        "CCIS_DATABASE_URL": f"sqlite:///{tmp_path / 'wall.db'}",
        "CCIS_INVENTORY": str(inventory_path),
        "CCIS_ENV": "test",
        "CCIS_HEALTH_INTERVAL_SECONDS": "0.3",
        "CCIS_SSE_POLL_SECONDS": "0.3",
    }
    rt = build(load_settings(**{k.removeprefix("CCIS_").lower(): v for k, v in env.items()}))
    with rt.sessions.begin() as s:
        token = issue_site_token(s, "dc-civic")
        add_user(s, username="wall.noc", password="wall password 1", role="noc")
    rt.engine.dispose()
    with ccis_serve(env, tmp_path / "serve.log") as url, sync_playwright() as pw:
        agent = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"})
        up = [{"metric": "radio_link_up", "value": 1}]
        agent.post(
            "/api/v1/ingest",
            json=batch("dc-civic", [heartbeat("dc-civic"), device_report("dc-civic", "radio-orangi-dc", readings=up)]),
        )
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            login = page.request.post(
                url + "/api/v1/auth/login", data={"username": "wall.noc", "password": "wall password 1"}
            )
            assert login.ok, login.text()
            page.goto(url + "/noc")
            page.wait_for_selector("#live:text('live')", timeout=15000)
            assert page.get_attribute("#site-town-orangi", "data-state") != "down"
            down = [{"metric": "radio_link_up", "value": 0}]
            r = agent.post(
                "/api/v1/ingest", json=batch("dc-civic", [device_report("dc-civic", "radio-orangi-dc", "down", down)])
            )
            assert r.status_code == 200
            page.wait_for_selector("#site-town-orangi[data-state=down]", timeout=20000)  # live, without reloading
            assert page.text_content("#site-town-orangi .words") == "down"  # in words as well as colour
            color = page.eval_on_selector("#site-town-orangi", "e => getComputedStyle(e).backgroundColor")
            assert color == "rgb(179, 38, 30)"
            page.wait_for_selector("#outages:has-text('Orangi link, data-centre end')", timeout=20000)
            # The shipped rules fire on the outage; the engineer acknowledges it from the wall.
            page.wait_for_selector("#problems .ack-form button", timeout=20000)
            page.fill("#problems .ack-form input[name=comment]", "radio team on the way")
            page.click("#problems .ack-form button")
            page.wait_for_selector("#problems .acked:text('acknowledged by wall.noc')", timeout=20000)
            assert "radio team on the way" in page.inner_text("#problems")
            acked = page.request.get(url + "/api/v1/alerts?state=firing").json()
            assert any(a["acked_by"] == "wall.noc" for a in acked)
        finally:
            browser.close()
