"""Location without map tiles: the lodge form draws the towns from the inventory's boundaries and a tap sets the
point (the town follows from the boundary); the complaint page shows the town, the ward and the point on the
towns' outlines. Nothing is fetched from the internet (the visitor's context aborts and fails on any such request)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.slow


def test_citizen_taps_the_town_map_and_the_officer_sees_the_point(visitor, site) -> None:
    v = visitor(width=375)
    v.go("/lodge")
    p = v.page
    p.fill("#citizen_name", "Shazia Parveen")
    p.fill("#phone", "0321 2223334")
    p.select_option("#category", "garbage")
    expect(p.locator("#pick-map .pin")).to_be_hidden()
    p.locator("#pick-map text").filter(has_text=re.compile(r"^Orangi$")).click()
    expect(p.locator("#pick-map .pin")).to_be_visible()
    lat, lon = float(p.input_value("#lat")), float(p.input_value("#lon"))
    assert 24.943 < lat < 24.967 and 66.988 < lon < 67.012  # inside Orangi's boundary in inventory.yaml
    p.fill("#ward", "Orangi UC-1")
    p.fill("#description", "Garbage burning next to the primary school every evening")
    assert p.evaluate("document.documentElement.scrollWidth") <= 375
    v.check_a11y()
    v.shot("lodge-map-375px")
    p.click("#send")
    expect(p.locator("#answer-number")).to_have_text(re.compile(r"KHI-\d{4}-\d{7}"))
    number = p.inner_text("#answer-number")

    head = visitor(width=375)
    head.login("tariq.thead")
    head.go(f"/complaints/{number}")
    where = head.page.locator("#where")
    expect(where.locator(".pin")).to_be_visible()
    expect(where.locator("path.town.here title")).to_have_text("Orangi")
    expect(where.locator("figcaption")).to_contain_text("Orangi, Orangi UC-1")
    expect(head.page.locator("#coords")).to_have_text(f"{lat:.5f}, {lon:.5f}")
    head.check_a11y()
    head.shot("complaint-map-375px")


def test_a_complaint_without_a_point_shows_its_town_and_ward(visitor, site) -> None:
    clerk = visitor()
    clerk.login("omar.orangi")
    clerk.go(f"/complaints/{site.seeded.orangi[0]}")
    where = clerk.page.locator("#where")
    expect(where.locator("path.town.here title")).to_have_text("Orangi")
    expect(where.locator(".pin")).to_be_hidden()
    expect(where.locator("figcaption")).to_contain_text("Orangi, Orangi UC-2: no map point was given")
