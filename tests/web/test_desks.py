"""The call-centre and counter desks in Chromium: register by phone (keyboard only) and read the number back;
register a walk-in with a photo and print the slip; the counter file; an Orangi clerk never sees Lyari."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

pytestmark = pytest.mark.slow
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_phone_complaint_keyboard_first_with_caller_history(visitor, site) -> None:
    v = visitor()
    v.login("asma.agent")
    p = v.page
    expect(p.locator("#caller_number")).to_be_focused()
    # The caller rang before: their earlier complaints appear as soon as the number is typed (JS enhancement).
    p.keyboard.type("0300 1111222")
    p.keyboard.press("Tab")
    expect(p.locator("#earlier")).to_contain_text(site.seeded.orangi[0])
    p.keyboard.type("rec-2026-7781")
    p.keyboard.press("Tab")
    p.keyboard.type("Nadia Hussain")
    p.keyboard.press("Tab")
    p.select_option("#category", "garbage")  # a keyboard select: focus then choose
    expect(p.locator("#duplicates")).to_contain_text("same phone and category")
    p.select_option("#town", "orangi")
    p.fill("#ward", "Orangi UC-2")
    p.fill("#description", "Garbage dumped beside the school gate")
    v.check_a11y()
    v.shot("call-desk-typing")
    p.focus("#register")
    p.keyboard.press("Enter")
    expect(p.locator("#answer-number")).to_have_text(re.compile(r"KHI-\d{4}-\d{7}"))
    number = p.inner_text("#answer-number")
    expect(p.locator("#answer-due")).to_have_text(re.compile(r"\d{1,2} \w{3} \d{4}, \d{2}:\d{2}"))
    expect(p.locator("#answer-code")).to_have_text(re.compile(r"^[0-9A-Z]{4}-[0-9A-Z]{4}$"))  # read out with the number
    expect(p.locator(".answer")).to_contain_text("Solid Waste Management")
    v.shot("call-desk-answer")
    # A caller asks later: find it by phone and by number.
    p.goto(site.url + "/desk/inquiry")
    p.fill("#q", "03001111222")
    p.press("#q", "Enter")
    expect(p.locator("table.list")).to_contain_text(number)
    p.fill("#q", number)
    p.press("#q", "Enter")
    expect(p.locator("table.list tbody tr")).to_have_count(1)
    v.check_a11y()
    v.shot("inquiry")


def test_phone_desk_without_javascript(browser, site) -> None:
    """The form and the caller look-up work with JavaScript off (progressive enhancement)."""
    ctx = browser.new_context(java_script_enabled=False)
    try:
        p = ctx.new_page()
        p.goto(site.url + "/login")
        p.fill("#username", "asma.agent")
        p.fill("#password", "asma.agent password")
        p.click("main button[type=submit]")
        p.fill("#caller_number", "0300 3333444")
        p.click("#lookup")
        expect(p.locator("#earlier")).to_contain_text(site.seeded.lyari[0])
        p.fill("#call_ref", "rec-nojs")
        p.fill("#citizen_name", "No Script")
        p.select_option("#category", "street-lighting")
        p.select_option("#town", "lyari")
        p.fill("#description", "Street light off for a month")
        p.click("#register")
        expect(p.locator("#answer-number")).to_have_text(re.compile(r"KHI-\d{4}-\d{7}"))
        # A mistake is shown next to its field, with what was typed kept.
        p.fill("#caller_number", "12")
        p.fill("#call_ref", "rec-bad")
        p.fill("#citizen_name", "Bad Number")
        p.select_option("#category", "drains")
        p.fill("#description", "Drain blocked")
        p.click("#register")
        expect(p.locator("#form-errors")).to_be_visible()
        expect(p.locator("#err-caller_number")).to_contain_text("not a valid PK number")
        expect(p.locator("#description")).to_have_value("Drain blocked")
    finally:
        ctx.close()


def test_counter_registers_walk_in_with_photo_and_prints_the_slip(visitor, site, tmp_path) -> None:
    photo = tmp_path / "heap.png"
    photo.write_bytes(PNG)
    v = visitor()
    v.login("omar.orangi")
    p = v.page
    expect(p.locator("#counter-name")).to_have_text("Orangi walk-in counter")
    p.fill("#citizen_name", "Bilal Ahmed")
    p.fill("#phone", "0321 7654321")
    p.select_option("#category", "garbage-burning")
    p.select_option("#town", "orangi")
    p.fill("#ward", "Orangi UC-1")
    p.fill("#description", "Garbage burnt every night behind the market")
    p.set_input_files("#photos", str(photo))
    v.check_a11y()
    p.click("#register")
    expect(p.locator("#answer-number")).to_have_text(re.compile(r"KHI-\d{4}-\d{7}"))
    number = p.inner_text("#answer-number")
    v.shot("counter-answer")
    # The slip is one click away: a PDF with the number.
    href = p.get_attribute("#print-slip", "href")
    pdf = p.request.get(site.url + href)
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert number in PdfReader(io.BytesIO(pdf.body())).pages[0].extract_text()
    # The complaint page shows the photo and who registered it where.
    p.click(".answer a:text('Open the complaint')")
    expect(p.locator(".photos img")).to_have_count(1)
    img = p.request.get(site.url + p.get_attribute(".photos img", "src"))
    assert img.ok and img.headers["content-type"] == "image/png" and img.body() == PNG
    p.wait_for_function("document.querySelector('.photos img').naturalWidth === 1")
    expect(p.locator("main")).to_contain_text("walk-in-orangi")
    expect(p.locator("#history")).to_contain_text("Omar Farooq")
    # The counter file lists today's complaints at this counter, printable.
    p.goto(site.url + "/desk/counter/file")
    expect(p.locator("#counter-file")).to_contain_text(number)
    expect(p.locator("#counter-file")).to_contain_text("Bilal Ahmed")
    v.check_a11y()
    p.emulate_media(media="print")
    v.shot("counter-file-print")


def test_orangi_clerk_never_sees_a_lyari_complaint(visitor, site) -> None:
    v = visitor()
    v.login("omar.orangi")
    p = v.page
    lyari, orangi = site.seeded.lyari[0], site.seeded.orangi[0]
    for path in ("/queue?view=town", "/queue?view=overdue", "/queue?view=unassigned", "/desk/counter/file"):
        p.goto(site.url + path)
        expect(p.locator("main")).not_to_contain_text(lyari)
    p.goto(site.url + "/queue?view=town")
    expect(p.locator("main")).to_contain_text(orangi)
    p.goto(site.url + "/desk/inquiry?q=03003333444")  # the Lyari citizen's phone
    expect(p.locator("main")).not_to_contain_text(lyari)
    response = p.goto(site.url + f"/complaints/{lyari}")
    assert response.status == 404
    expect(p.locator("main")).not_to_contain_text("Seeded Citizen")
    assert p.request.get(site.url + f"/api/v1/complaints/{lyari}/slip.pdf").status == 404
    # ... while the Lyari clerk does see it.
    v2 = visitor()
    v2.login("lubna.lyari")
    v2.go(f"/complaints/{lyari}")
    expect(v2.page.locator("h1")).to_contain_text(lyari)
