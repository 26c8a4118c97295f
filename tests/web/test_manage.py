"""Managers, citizens and administrators in Chromium: the MIS on screen with XLSX and PDF downloads; a citizen
lodges and tracks without login; an administrator adds and disables a user, who then cannot log in; site tokens."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

pytestmark = pytest.mark.slow


def test_manager_reads_the_mis_and_downloads_monthly_xlsx_and_pdf(visitor, site) -> None:
    v = visitor()
    v.login("mehr.mayor")
    v.go("/mis?period=monthly")
    expect(v.page.locator("h1")).to_contain_text("MIS report")
    expect(v.page.locator("#by-town")).to_contain_text("Orangi")
    expect(v.page.locator("#chart-towns svg rect").first).to_be_visible()
    v.check_a11y()
    v.shot("mis-monthly")
    for fmt, check in (("xlsx", lambda b: load_workbook(io.BytesIO(b)).sheetnames), ("pdf", None)):
        with v.page.expect_download() as dl:
            v.page.click(f"#dl-{fmt}")
        data = Path(dl.value.path()).read_bytes()
        assert dl.value.suggested_filename.endswith(f".{fmt}")
        if fmt == "xlsx":
            assert check(data)
        else:
            assert "MIS" in PdfReader(io.BytesIO(data)).pages[0].extract_text()
    # A counter clerk has no MIS.
    c = visitor()
    c.login("omar.orangi")
    assert c.go("/mis").status == 403


def test_citizen_lodges_and_tracks_without_login(visitor, site, tmp_path) -> None:
    v = visitor(width=375)
    v.go("/")
    v.page.click("main a[href='/lodge']")
    v.page.fill("#citizen_name", "Zainab Qureshi")
    v.page.fill("#phone", "0345 9876543")
    v.page.select_option("#category", "water-leakage")
    v.page.select_option("#town", "lyari")
    v.page.fill("#ward", "Lyari UC-3")
    v.page.fill("#description", "Water pipe leaking on the main road for two days")
    assert v.page.evaluate("document.documentElement.scrollWidth") <= 375
    v.check_a11y()
    v.shot("lodge-375px")
    v.page.click("#send")
    expect(v.page.locator("#answer-number")).to_have_text(re.compile(r"KHI-\d{4}-\d{7}"))
    number = v.page.inner_text("#answer-number")
    code = v.page.inner_text("#answer-code")  # shown once here, and sent by SMS
    expect(v.page.locator(".answer")).to_contain_text("Karachi Water and Sewerage Board")
    v.shot("lodged")
    v.page.click("#track-link")
    v.page.fill("#phone", code.lower())  # as a citizen may type it
    v.page.click("#find button")
    expect(v.page.locator("#r-number")).to_have_text(number)
    expect(v.page.locator("#r-status")).to_have_text("Registered")
    expect(v.page.locator("#r-what")).to_contain_text("Water pipe leaking")
    expect(v.page.locator("#r-department")).to_have_text("Karachi Water and Sewerage Board")
    v.check_a11y()
    v.shot("track-375px")


def test_admin_disables_a_user_who_then_cannot_log_in(visitor, site) -> None:
    admin = visitor()
    admin.login("adil.admin")
    admin.go("/admin/users")
    admin.page.fill("#username", "nasir.agent")
    admin.page.fill("#full_name", "Nasir Mehmood")
    admin.page.select_option("#role", "call_centre_agent")
    admin.page.fill("#new-pw", "nasir password")
    admin.page.click("#add-user button[type=submit]")
    expect(admin.page.locator(".flash")).to_contain_text("User nasir.agent added")
    expect(admin.page.locator("#user-nasir\\.agent .state")).to_have_text("Active")
    admin.check_a11y()
    # The new user logs in and works...
    nasir = visitor()
    nasir.page.goto(site.url + "/login")
    nasir.page.fill("#username", "nasir.agent")
    nasir.page.fill("#password", "nasir password")
    nasir.page.press("#password", "Enter")
    expect(nasir.page.locator("h1")).to_have_text("Phone complaint")
    # ...until the administrator disables them: the open session stops and a new login is refused.
    admin.page.click("#user-nasir\\.agent button:text('Disable')")
    expect(admin.page.locator("#user-nasir\\.agent .state")).to_have_text("Disabled")
    admin.shot("admin-users")
    nasir.page.reload()
    assert "/login" in nasir.page.url
    nasir.page.fill("#username", "nasir.agent")
    nasir.page.fill("#password", "nasir password")
    nasir.page.press("#password", "Enter")
    expect(nasir.page.locator("#login-error")).to_be_visible()
    # A password reset shows a new one once.
    admin.page.click("#user-nasir\\.agent button:text('Reset password')")
    expect(admin.page.locator("#new-password code")).to_have_text(re.compile(r".{12,}"))


def test_admin_issues_and_revokes_a_site_token(visitor, site) -> None:
    admin = visitor()
    admin.login("adil.admin")
    admin.go("/admin/tokens")
    admin.page.select_option("#site", "town-orangi")
    admin.page.click("#issue button")
    token = admin.page.inner_text("#new-token code")
    assert token.startswith("ccis_")
    cfg = admin.page.request.get(
        site.url + "/api/v1/agents/town-orangi/config", headers={"authorization": f"Bearer {token}"}
    )
    assert cfg.ok
    row = admin.page.locator("#tokens tr", has_text=token[:12])
    expect(row.locator(".state")).to_have_text("Active")
    admin.check_a11y()
    row.locator("button:text('Revoke')").click()
    expect(admin.page.locator(".flash")).to_contain_text("revoked")
    expect(admin.page.locator("#tokens tr", has_text=token[:12]).locator(".state")).to_contain_text("Revoked")
    admin.shot("admin-tokens")
    again = admin.page.request.get(
        site.url + "/api/v1/agents/town-orangi/config", headers={"authorization": f"Bearer {token}"}
    )
    assert again.status == 401


def test_mayors_office_registers_talk_to_mayor_with_a_map_point(visitor, site) -> None:
    v = visitor()
    v.login("mehr.mayor")
    assert v.page.url.endswith("/desk/mayor")
    p = v.page
    p.fill("#citizen_name", "Haji Abdul Sattar")
    p.fill("#phone", "0312 4445556")
    p.fill("#reference", "Mayor's open court, letter 118")
    p.select_option("#category", "roads-manhole-cover")
    p.fill("#lat", "24.955")  # inside Orangi's boundary: the point decides the town
    p.fill("#lon", "67.0")
    p.fill("#description", "Open manhole in front of the girls' school")
    v.check_a11y()
    p.click("#register")
    expect(p.locator("#answer-number")).to_have_text(re.compile(r"KHI-\d{4}-\d{7}"))
    expect(p.locator(".answer")).to_contain_text("Orangi")
    expect(p.locator(".answer")).to_contain_text("Engineering (Roads and Works)")
    v.shot("talk-to-mayor")
    p.click(".answer a:text('Open the complaint')")
    expect(p.locator("main")).to_contain_text("Talk to Mayor · reference: Mayor's open court, letter 118")
    expect(p.locator("main")).to_contain_text("24.95500, 67.00000")


def test_admin_changes_a_role_and_scope(visitor, site) -> None:
    admin = visitor()
    admin.login("adil.admin")
    admin.go("/admin/users")
    admin.page.fill("#username", "tahir.counter")
    admin.page.fill("#full_name", "Tahir Hussain")
    admin.page.select_option("#role", "counter_operator")
    admin.page.select_option("#town", "lyari")
    admin.page.fill("#new-pw", "tahir password")
    admin.page.click("#add-user button[type=submit]")
    # A counter clerk without a town is refused, with the reason.
    admin.page.select_option("#who", "tahir.counter")
    admin.page.select_option("#c-role", "counter_operator")
    admin.page.click("#change-role button")
    expect(admin.page.locator(".flash")).to_contain_text("needs a site (the counter they work at) or a town")
    admin.page.select_option("#who", "tahir.counter")
    admin.page.select_option("#c-role", "town_head")
    admin.page.select_option("#c-town", "orangi")
    admin.page.click("#change-role button")
    expect(admin.page.locator("#user-tahir\\.counter")).to_contain_text("Head of town")
    expect(admin.page.locator("#user-tahir\\.counter")).to_contain_text("Orangi")
