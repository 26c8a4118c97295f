"""The QC desk in Chromium: a citizen's rating of 1 opens an appeal; a QC officer handles it with a note from
the page (the note lands in the complaint's history); the desk's figures for today, this fortnight and this month
count it; the MIS offers the fortnightly report (1st-15th, 16th-end)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.web.test_workflow import _act, _register

pytestmark = pytest.mark.slow


def test_poor_rating_opens_an_appeal_the_qc_desk_handles_with_a_note(visitor, site) -> None:
    agent, gro, lme = visitor(), visitor(), visitor()
    agent.login("asma.agent")
    number = _register(agent, site, "Garbage dumped on the school's playground")
    gro.login("gul.gro")
    lme.login("latif.lme")
    _act(gro, number, "assign", assignee="latif.lme")
    _act(lme, number, "start")
    _act(lme, number, "resolve", "Lifted")
    citizen = visitor(width=375)
    citizen.go(f"/track/{number}")
    citizen.page.fill("#phone", "0333 5556667")  # the whole number it was lodged with
    citizen.page.click("#find button")
    citizen.page.select_option("#rating", "1")
    citizen.page.fill("#comment", "Only half was lifted, the rest is still there")
    citizen.page.click("#rate button")
    expect(citizen.page.locator("main")).to_contain_text("Your appeal has been opened")

    qc = visitor(width=375)
    qc.login("qamar.qc")
    qc.go("/qc")
    row = qc.page.locator("#appeals tr", has_text=number)
    expect(row).to_contain_text("1 / 5")
    expect(row).to_contain_text("Only half was lifted")
    expect(row).to_contain_text("+923335556667")  # the number to call back
    expect(row).to_contain_text("Rukhsana Bibi")
    today = qc.page.locator("#fig-daily")
    opened_before = int(today.locator("td").nth(6).inner_text())
    assert opened_before >= 1
    expect(qc.page.locator("#fig-fortnightly th")).to_contain_text(re.compile(r"(01|16)-\d\d \w{3} \d{4}"))
    assert qc.page.evaluate("document.documentElement.scrollWidth") <= 375
    qc.check_a11y()
    qc.shot("qc-appeals-375px")
    # A note is required: an empty one is refused by the form itself; a blank one by the server, with the reason.
    note = row.locator("textarea[name='note']")
    note.fill("   ")
    note.evaluate("e => e.removeAttribute('minlength')")
    row.locator("button[type=submit]").click()
    expect(qc.page.locator("#appeals [role=alert]")).to_contain_text("say what was done")
    row = qc.page.locator("#appeals tr", has_text=number)
    row.locator("textarea[name='note']").fill("Called the citizen; LME sent back, rest lifted the same day")
    row.locator("button[type=submit]").click()
    expect(qc.page.locator(".flash")).to_contain_text(f"Appeal on {number} handled.")
    expect(qc.page.locator("#appeals tr", has_text=number)).to_have_count(0)
    expect(qc.page.locator("#appeals-handled tr", has_text=number)).to_contain_text("Qamar Zaman")
    expect(qc.page.locator("#fig-daily td").nth(7)).not_to_have_text("0")  # appeals handled today
    qc.go(f"/complaints/{number}")
    expect(qc.page.locator("#history")).to_contain_text("Appeal handled")
    expect(qc.page.locator("#history")).to_contain_text("rest lifted the same day")
    # Only the QC desk handles appeals: a field officer's post is refused.
    lme.go("/queue")
    token = lme.page.locator("input[name=csrf]").first.get_attribute("value")
    refused = lme.page.request.post(site.url + "/qc/feedback/1/handle", form={"note": "looked", "csrf": token},
                                    headers={"origin": site.url})  # fmt: skip
    assert refused.status == 403
    assert "Your role cannot use this page" in refused.text()


def test_mis_offers_the_fortnightly_report(visitor, site) -> None:
    v = visitor()
    v.login("mehr.mayor")
    v.go("/mis")
    v.page.select_option("#period", "fortnightly")
    v.page.fill("#day", "2026-03-20")
    v.page.click("form.filters button")
    expect(v.page.locator("h1")).to_contain_text("16-31 Mar 2026")
    expect(v.page.locator("#dl-pdf")).to_have_attribute("href", re.compile("period=fortnightly"))
    v.check_a11y()
