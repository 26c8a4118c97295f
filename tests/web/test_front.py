"""The front door: landing page, offline /docs, login (CSRF), role menus, logout, Urdu, a 375 px screen."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.slow


def test_landing_page_links_lodge_track_status_and_login(visitor, site) -> None:
    v = visitor()
    v.go("/")
    expect(v.page.locator("h1")).to_contain_text("Karachi citizen complaints")
    for href in ("/lodge", "/track", "/public/service-delivery", "/login"):
        expect(v.page.locator(f"main a[href='{href}']")).to_be_visible()
    v.check_a11y()
    v.shot("landing")


def test_docs_render_offline(visitor) -> None:
    v = visitor()
    v.go("/docs")
    # Swagger UI builds the page from /openapi.json with local assets only (outside requests are aborted).
    expect(v.page.locator(".swagger-ui .info .title")).to_contain_text("CCIS", timeout=20000)
    expect(v.page.locator(".opblock-summary-path", has_text="/api/v1/complaints").first).to_be_visible()
    v.shot("docs")


def test_login_menu_by_role_and_logout(visitor, site) -> None:
    v = visitor()
    v.go("/login")
    v.check_a11y()
    v.page.fill("#username", "asma.agent")
    v.page.fill("#password", "wrong password")
    v.page.press("#password", "Enter")
    expect(v.page.locator("#login-error")).to_contain_text("Wrong username or password")
    v.login("asma.agent")
    assert v.page.url.endswith("/desk/call")
    menu = v.page.locator("nav.menu a")
    expect(menu).to_have_text(["Phone complaint", "Status inquiry"])
    expect(v.page.locator(".me")).to_contain_text("Asma Siddiqui · Call-centre agent")
    v.logout()
    v.go("/desk/call")
    assert "/login?next=/desk/call" in v.page.url
    # Other roles get other menus.
    v.login("qamar.qc")
    expect(v.page.locator("nav.menu a")).to_have_text(["Queues", "Search", "QC desk", "MIS reports"])
    v.logout()
    v.login("adil.admin")
    expect(v.page.locator("nav.menu a", has_text="Users")).to_be_visible()


def test_login_form_refuses_cross_site_posts(site) -> None:
    """Without the token from the signed cookie, or from another origin, a form post is refused."""
    with httpx.Client(base_url=site.url) as c:
        page = c.get("/login", headers={"accept": "text/html"})
        token = page.text.split('name="csrf" value="')[1].split('"')[0]
        creds = {"username": "asma.agent", "password": "asma.agent password"}
        assert c.post("/login", data={**creds, "csrf": "forged"}).status_code == 403
        evil = c.post("/login", data={**creds, "csrf": token}, headers={"origin": "https://evil.example"})
        assert evil.status_code == 403
        fresh = httpx.post(site.url + "/login", data={**creds, "csrf": token})  # no cookie: a cross-site post
        assert fresh.status_code == 403
        ok = c.post("/login", data={**creds, "csrf": token}, headers={"origin": site.url})
        assert ok.status_code == 303 and ok.headers["location"] == "/desk/call"


def test_urdu_right_to_left_and_a_small_screen(visitor, site) -> None:
    v = visitor(width=375)
    v.login("omar.orangi")
    v.page.click("header button[name='lang'][value='ur']")
    expect(v.page.locator("html")).to_have_attribute("dir", "rtl")
    expect(v.page.locator("html")).to_have_attribute("lang", "ur")
    expect(v.page.locator("h1")).not_to_have_text("Walk-in complaint")
    expect(v.page.locator("label[for='citizen_name']")).to_have_text("شہری کا نام")
    v.shot("counter-urdu-375px")
    # Nothing is wider than the phone-sized screen.
    wide = v.page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 376"
        " || e.getBoundingClientRect().left < -1).map(e => e.tagName + '#' + e.id + '.' + e.className).slice(0, 8)"
    )
    assert v.page.evaluate("document.documentElement.scrollWidth") <= 375, wide
    v.check_a11y()
    v.page.click("header button[name='lang'][value='en']")
    expect(v.page.locator("html")).to_have_attribute("dir", "ltr")
