"""Live queue pages: a complaint registered in the viewer's scope appears on their open queue page without a
reload (Server-Sent Events); one outside it never reaches them, neither on the page nor on the wire. The page
works the same with JavaScript off, without the live part."""

from __future__ import annotations

import json

import httpx
import pytest
from playwright.sync_api import expect

from tests.web.conftest import Site, password

pytestmark = pytest.mark.slow


def _register(site: Site, token: str, town: str, ward: str, description: str) -> str:
    body = {"channel": "call_centre", "category": "garbage", "town": town, "ward": ward, "description": description,
            "citizen_name": "Live Caller", "phone": "0300 7778889",
            "channel_data": {"caller_number": "0300 7778889", "call_ref": f"rec-live-{town}"}}  # fmt: skip
    r = httpx.post(site.url + "/api/v1/complaints", json=body, headers={"authorization": f"Bearer {token}"})
    assert r.status_code == 201, r.text
    return r.json()["tracking_number"]


def _token(site: Site, username: str) -> str:
    r = httpx.post(site.url + "/api/v1/auth/login", json={"username": username, "password": password(username)})
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def test_a_new_complaint_in_scope_arrives_on_the_open_queue_page(visitor, site) -> None:
    clerk = visitor(width=375)
    clerk.login("omar.orangi")
    clerk.go("/queue")
    expect(clerk.page.locator("h1")).to_have_text("My town")
    expect(clerk.page.locator("#live-state")).to_have_text("Live: new complaints appear here")
    agent = _token(site, "asma.agent")
    lyari = _register(site, agent, "lyari", "Lyari UC-2", "Garbage heap outside the Lyari market, live test")
    orangi = _register(site, agent, "orangi", "Orangi UC-3", "Garbage heap behind the Orangi clinic, live test")
    # Events come in the order complaints were registered: once Orangi's is shown, Lyari's would have been too.
    expect(clerk.page.locator("#live-news")).to_contain_text(orangi)
    expect(clerk.page.locator("#queue-rows")).to_contain_text(orangi)
    expect(clerk.page.locator("#queue-rows tr", has_text=orangi)).to_contain_text("Orangi UC-3")
    assert lyari not in clerk.page.content()
    assert clerk.page.evaluate("document.documentElement.scrollWidth") <= 375
    clerk.check_a11y()
    clerk.shot("queue-live-375px")
    # The Lyari clerk's page got Lyari's and not Orangi's (registered before they opened it: nothing live).
    other = visitor()
    other.login("lubna.lyari")
    other.go("/queue")
    expect(other.page.locator("#queue-rows")).to_contain_text(lyari)
    assert orangi not in other.page.content()


def test_the_stream_never_carries_a_complaint_outside_the_viewers_scope(site) -> None:
    clerk, agent = _token(site, "omar.orangi"), _token(site, "asma.agent")
    seen: list[dict] = []
    headers = {"authorization": f"Bearer {clerk}", "accept": "text/event-stream"}
    with httpx.stream("GET", site.url + "/api/v1/events/complaints", headers=headers, timeout=30) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        lines = r.iter_lines()
        while next(lines) != ": listening":  # the stream's starting mark is taken: what follows is new
            pass
        lyari = _register(site, agent, "lyari", "Lyari UC-3", "Open drain in Lyari, stream test")
        orangi = _register(site, agent, "orangi", "Orangi UC-1", "Open drain in Orangi, stream test")
        event = None
        for line in lines:
            if line.startswith("event: "):
                event = line.removeprefix("event: ")
            elif line.startswith("data: ") and event == "complaint":
                seen.append(json.loads(line.removeprefix("data: ")))
                if seen[-1]["tracking_number"] == orangi:
                    break
    numbers = [e["tracking_number"] for e in seen]
    assert orangi in numbers and lyari not in numbers
    assert all(e["town_id"] == "orangi" for e in seen)
    # Without a login there is no stream.
    assert httpx.get(site.url + "/api/v1/events/complaints").status_code == 401


def test_queue_page_works_without_javascript(browser, site) -> None:
    ctx = browser.new_context(java_script_enabled=False)
    try:
        p = ctx.new_page()
        p.goto(site.url + "/login")
        p.fill("#username", "omar.orangi")
        p.fill("#password", password("omar.orangi"))
        p.click("main button[type=submit]")
        p.goto(site.url + "/queue")
        expect(p.locator("#queue-rows")).to_contain_text(site.seeded.orangi[0])
        expect(p.locator("#live")).to_be_hidden()  # the live part is there only when a script can run it
        p.select_option("#f-status", "registered")
        p.click("form.filters button[type=submit]")
        expect(p.locator("#queue-rows")).to_contain_text("KHI-")
    finally:
        ctx.close()
