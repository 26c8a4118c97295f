"""A complaint through the roles in Chromium: GRO bulk-assigns, the field officer starts and resolves with a
photo, QC verifies, the GRO closes; another is reopened twice by the citizen and reaches the escalation officer."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.web.test_desks import PNG

pytestmark = pytest.mark.slow


def _act(v, number: str, action: str, note: str | None = None, **fields: str) -> None:
    v.go(f"/complaints/{number}")
    form = v.page.locator(f"#act-{action}")
    for name, value in fields.items():
        el = form.locator(f"[name='{name}']")
        if el.evaluate("e => e.tagName") == "SELECT":
            el.select_option(value)
        else:
            el.set_input_files(value) if name == "photo" else el.fill(value)
    if note is not None:
        form.locator("textarea[name='note']").fill(note)
    form.locator("button[type=submit]").click()
    expect(v.page.locator(".flash")).to_contain_text("Done")


def _register(v, site, description: str) -> str:
    r = v.page.request.post(
        site.url + "/api/v1/complaints",
        headers={"origin": site.url},  # as the page's own script would send it
        data={"channel": "call_centre", "category": "garbage", "town": "orangi", "ward": "Orangi UC-3",
              "description": description, "citizen_name": "Rukhsana Bibi", "phone": "0333 5556667",
              "channel_data": {"caller_number": "0333 5556667", "call_ref": "rec-flow"}},
    )  # fmt: skip
    assert r.status == 201, r.text()
    return r.json()["tracking_number"]


def test_registration_to_closed_through_the_roles(visitor, site, tmp_path) -> None:
    photo = tmp_path / "done.png"
    photo.write_bytes(PNG)
    agent = visitor()
    agent.login("asma.agent")
    number = _register(agent, site, "Overflowing bins at the bus stop")
    # GRO: department queue, tick and assign in bulk.
    gro = visitor()
    gro.login("gul.gro")
    gro.go("/queue?view=unassigned")
    gro.page.check(f"#pick-{number}")
    gro.page.select_option("#assignee", "latif.lme")
    gro.check_a11y()
    gro.shot("queue-gro-unassigned")
    gro.page.click("#bulk-assign")
    expect(gro.page.locator(".flash")).to_contain_text("Assigned 1 to Latif Khan")
    # Field officer: my queue -> the complaint page offers only start and request reassignment.
    lme = visitor()
    lme.login("latif.lme")
    expect(lme.page.locator("table.list")).to_contain_text(number)
    lme.go(f"/complaints/{number}")
    expect(lme.page.locator("aside form h2")).to_have_text(["Start work", "Ask the GRO to reassign", "Note"])
    _act(lme, number, "start")
    _act(lme, number, "resolve", "Bins emptied and area washed", photo=str(photo))
    expect(lme.page.locator(".photos img")).to_have_count(1)
    # QC: the call-back list has it; verify.
    qc = visitor()
    qc.login("qamar.qc")
    qc.go("/qc")
    row = qc.page.locator(f"#qc-{number}")
    expect(row).to_contain_text("+923335556667")
    qc.check_a11y()
    qc.shot("qc-desk")
    row.locator("button:text('Verify (QC)')").click()
    expect(qc.page.locator(".flash")).to_contain_text("Done")
    expect(qc.page.locator(f"#qc-{number}")).to_have_count(0)
    # GRO closes it; the page shows the whole history with names and roles.
    _act(gro, number, "close")
    expect(gro.page.locator("h1 .status")).to_have_text("Closed")
    history = gro.page.locator("#history li")
    expect(history).to_have_count(6)
    for who in ("Gul Mohammad", "Latif Khan", "Qamar Zaman"):
        expect(gro.page.locator("#history")).to_contain_text(who)
    expect(gro.page.locator("aside form[id^='act-'] h2")).to_have_text(["Note"])  # closed: only a note is left
    gro.check_a11y()
    gro.shot("complaint-closed")
    # Search by the words of the description, within the GRO's department.
    gro.go("/desk/inquiry?q=bus+stop+bins")
    expect(gro.page.locator("table.list")).to_contain_text(number)


def test_reopened_twice_by_the_citizen_reaches_the_escalation_officer(visitor, site) -> None:
    number = site.seeded.orangi[1]
    gro, lme, citizen = visitor(), visitor(), visitor(width=375)
    gro.login("gul.gro")
    lme.login("latif.lme")

    def resolve_once(note: str) -> None:
        _act(gro, number, "assign", assignee="latif.lme")
        _act(lme, number, "start")
        _act(lme, number, "resolve", note)

    def citizen_reopens(words: str, status: str) -> None:
        citizen.go(f"/track/{number}")
        citizen.page.fill("#phone", "0300 1111222")  # the seeded citizen's whole number
        citizen.page.click("#find button")
        expect(citizen.page.locator("#r-status")).to_have_text("Resolved")
        citizen.page.fill("#words", words)
        citizen.page.click("#reopen button")
        expect(citizen.page.locator("#r-status")).to_have_text(status)

    resolve_once("Heap removed")
    citizen_reopens("The heap is back the next morning", "Reopened")
    resolve_once("Heap removed again, container placed")
    citizen_reopens("Still there, nobody came", "Escalated")
    citizen.shot("track-escalated-375px")
    esc = visitor()
    esc.login("esha.escalation")
    expect(esc.page.locator("h1")).to_have_text("Escalated")
    expect(esc.page.locator("table.list")).to_contain_text(number)
    esc.check_a11y()
    esc.shot("queue-escalated")
    esc.go(f"/complaints/{number}")
    expect(esc.page.locator("main")).to_contain_text("Reopened")
    _act(esc, number, "resolve", "Visited with the town head; daily lifting scheduled")
    expect(esc.page.locator("h1 .status")).to_have_text("Resolved")


def test_gro_corrects_the_citizens_details_and_a_stale_form_is_refused(visitor, site) -> None:
    agent = visitor()
    agent.login("asma.agent")
    number = _register(agent, site, "Garbage heap behind the school")
    gro, other = visitor(), visitor()
    gro.login("gul.gro")
    other.login("gul.gro")  # the same complaint open in a second tab, before the first one saves
    other.go(f"/complaints/{number}")
    gro.go(f"/complaints/{number}")
    gro.page.locator("#edit").evaluate("f => f.closest('details').open = true")
    gro.page.fill("#edit-address", "Street 4, near Government Boys School")
    gro.page.fill("#edit-ward", "Orangi UC-5")
    gro.check_a11y()
    gro.page.click("#edit button[type=submit]")
    expect(gro.page.locator(".flash")).to_contain_text("Saved.")
    expect(gro.page.locator("#edit-address")).to_have_value("Street 4, near Government Boys School")
    expect(gro.page.locator("#history")).to_contain_text("Gul Mohammad")
    # The second tab still holds the old version: its save is refused, and what the first saved stays.
    other.page.locator("#edit").evaluate("f => f.closest('details').open = true")
    other.page.fill("#edit-citizen_name", "Rukhsana B.")
    other.page.click("#edit button[type=submit]")
    expect(other.page.locator(".flash")).to_contain_text("Not saved:")
    expect(other.page.locator("#edit-citizen_name")).to_have_value("Rukhsana Bibi")
    expect(other.page.locator("#edit-ward")).to_have_value("Orangi UC-5")
    # Nothing to change is said so, not recorded.
    gro.page.locator("#edit").evaluate("f => f.closest('details').open = true")
    gro.page.click("#edit button[type=submit]")
    expect(gro.page.locator(".flash")).to_contain_text("Nothing changed.")
