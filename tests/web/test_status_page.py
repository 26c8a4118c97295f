"""The public status page and the office directory in headless Chromium at 375 px: no login, every channel's
state in words, 90 day bars that fit the screen, nothing wider than the phone, no serious axe-core violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.slow

WIDE = (
    "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 376"
    " || e.getBoundingClientRect().left < -1).map(e => e.tagName + '#' + e.id + '.' + e.className).slice(0, 8)"
)


def test_status_page_on_a_phone(visitor, site) -> None:
    v = visitor(width=375)
    assert v.go("/status").status == 200
    expect(v.page.locator("h1")).to_have_text("Is the complaint service open?")
    expect(v.page.locator("#as-of")).to_contain_text("As of")
    orangi = v.page.locator("#ch-walk-in-orangi")
    expect(orangi.locator("h3")).to_have_text("Orangi walk-in counter")
    # Nothing has reported in this test city: "not monitored" in words and grey bars, never "down".
    expect(orangi.locator(".state")).to_have_text("Not monitored")
    assert orangi.locator("rect.d-none").count() == 90 and v.page.locator("rect.d-down").count() == 0
    expect(v.page.locator("#ch-call-centre-1339 h3")).to_have_text("1339 Call Centre")
    assert v.page.locator("#ch-internal").count() == 0  # the NOC's internal channel is not public
    assert v.page.evaluate("document.documentElement.scrollWidth") <= 375, v.page.evaluate(WIDE)
    v.shot("status-375px")
    v.check_a11y()


def test_directory_on_a_phone(visitor, site) -> None:
    v = visitor(width=375)
    v.go("/status")
    v.page.click("a[href='/directory']")
    expect(v.page.locator("h1")).to_have_text("Offices, counters and departments")
    town = v.page.locator("#town-orangi")
    expect(town).to_contain_text("Orangi UC-2")
    expect(town).to_contain_text("Counter hours: Monday to Saturday, 9:00 to 17:00")
    expect(v.page.locator("body")).not_to_contain_text("10.")  # no network address of the inventory
    assert v.page.evaluate("document.documentElement.scrollWidth") <= 375, v.page.evaluate(WIDE)
    v.shot("directory-375px")
    v.check_a11y()


def test_notice_subscription_form_sends_a_code_first(visitor, site) -> None:
    v = visitor(width=375)
    v.go("/status")
    v.page.click("a[href='/notices/subscribe']")
    v.check_a11y()
    v.page.fill("#address", "0300 5556677")
    v.page.select_option("#town", "orangi")
    v.page.click("main button[type='submit']")
    expect(v.page.locator("#code-sent")).to_contain_text("0300 5556677")
    v.page.fill("#code", "000000")
    v.page.click("main button[type='submit']")
    expect(v.page.locator(".error")).to_contain_text("Wrong or expired code")
    v.check_a11y()


def test_landing_page_links_the_status_page(visitor, site) -> None:
    v = visitor()
    v.go("/")
    v.page.click("a[href='/status']")
    expect(v.page.locator("h1")).to_have_text("Is the complaint service open?")
