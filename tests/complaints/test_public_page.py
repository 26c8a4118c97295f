"""The public tracking page in headless Chromium against a real `ccis serve`: find, rate (appeal), reopen."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from complaint_core.lifecycle import Command
from complaint_core.roles import Actor
from complaint_core.services.actions import act
from complaint_core.services.registration import register_complaint
from noc_api.complaints.directory import core_config, load_directory
from noc_api.runtime import build
from noc_api.settings import load_settings
from tests.complaints.conftest import complaint_body
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


@pytest.mark.slow
def test_citizen_tracks_rates_and_reopens_in_a_browser(tmp_path: Path, inventory_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    env = {
        "CCIS_DATABASE_URL": f"sqlite:///{tmp_path / 'ccis.db'}",
        "CCIS_INVENTORY": str(inventory_path),
        "CCIS_ENV": "test",
        "CCIS_SECRET_KEY": "p" * 32,
        "CCIS_ATTACHMENTS_DIR": str(tmp_path / "att"),
        "CCIS_RUN_SCHEDULER": "false",
    }
    settings = load_settings(database_url=env["CCIS_DATABASE_URL"], inventory=inventory_path, env="test")
    rt = build(settings)
    now = datetime.now(UTC)
    admin = Actor.system("test")
    with rt.sessions.begin() as s:
        cfg = core_config(settings)
        t = register_complaint(
            s, data=complaint_body(), actor=admin, directory=load_directory(s, "KHI"), now=now, config=cfg
        ).tracking_number
        for a in ("assign", "start", "resolve"):
            act(s, tracking=t, command=Command(a, "done", {"assignee": "lme"}), actor=admin, now=now, config=cfg)
    rt.engine.dispose()
    with ccis_serve(env) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{base}/track/{t}")
            expect(page.locator("#tracking")).to_have_value(t)
            page.fill("#phone", "0300 7654321")  # someone else's number
            page.click("#find button")
            expect(page.locator("#error")).to_contain_text("No complaint with that number and code or phone")
            page.fill("#phone", "0300 1234567")
            page.click("#find button")
            expect(page.locator("#r-status")).to_have_text("Resolved")
            expect(page.locator("#r-history tr")).to_have_count(4)
            page.select_option("#rating", "2")
            page.fill("#comment", "They only moved it to the next street")
            page.click("#rate button")
            expect(page.locator("#done")).to_have_text("Thank you. Your appeal has been opened.")
            page.fill("#words", "The garbage is back the next day")
            page.click("#reopen button")
            expect(page.locator("#done")).to_have_text("Your complaint is open again. We will be in touch.")
            expect(page.locator("#r-status")).to_have_text("Reopened")
            expect(page.locator("#reopen")).to_be_hidden()
        finally:
            browser.close()
