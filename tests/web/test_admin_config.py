"""Administration in Chromium beyond users and site tokens: Open311 client keys (issued once, listed, revoked,
refused by the Open311 endpoint once revoked), and the inventory and alert rules with their problems as the files
on disk are now (a second server on copies of the files, broken by the test)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from noc_api.accounts.service import add_user
from noc_api.runtime import build
from noc_api.settings import load_settings
from tests.support import ccis_serve
from tests.web.conftest import ROOT, Browse, Seeded, Site, password

pytestmark = pytest.mark.slow


def _open311_post(site: Site, key: str) -> httpx.Response:
    """A partner app's post (no browser, no cookie) with a service code the city does not have: a valid key gets
    past the key check to the spec's 404, a bad or revoked one gets its 403."""
    form = {"api_key": key, "service_code": "no-such-service", "description": "test", "lat": "24.9", "long": "67"}
    return httpx.post(site.url + "/open311/v2/requests.json", data=form, timeout=10)


def test_admin_issues_lists_and_revokes_an_open311_key(visitor, site) -> None:
    admin = visitor(width=375)
    admin.login("adil.admin")
    admin.page.click("header nav a[href='/admin/keys']")
    admin.page.fill("#client", "Karachi Citizen App")
    admin.page.fill("#rate", "every now and then")
    admin.page.click("#issue-key button")
    expect(admin.page.locator("#key-error")).to_contain_text("not a rate such as 60/minute")
    admin.page.fill("#rate", "120/minute")
    admin.page.click("#issue-key button")
    key = admin.page.inner_text("#new-key code")
    assert key.startswith("o311_")
    expect(admin.page.locator("#new-key")).to_contain_text("Karachi Citizen App")
    row = admin.page.locator("#keys tr", has_text="Karachi Citizen App")
    expect(row.locator(".state")).to_have_text("Active")
    expect(row).to_contain_text("120/minute")
    assert key not in admin.page.inner_text("#keys")  # listed by its first characters, never whole
    assert admin.page.evaluate("document.documentElement.scrollWidth") <= 375
    admin.check_a11y()
    admin.shot("admin-keys-375px")
    passed = _open311_post(site, key)
    assert passed.status_code == 404 and "no-such-service" in passed.text  # past the key, to the service
    # Shown once: the list page after a reload does not show it again.
    admin.go("/admin/keys")
    assert key not in admin.page.content()
    admin.page.locator("#keys tr", has_text="Karachi Citizen App").get_by_role("button", name="Revoke").click()
    expect(admin.page.locator(".flash")).to_contain_text("The key of Karachi Citizen App is revoked.")
    expect(admin.page.locator("#keys tr", has_text="Karachi Citizen App").locator(".state")).to_contain_text("Revoked")
    refused = _open311_post(site, key)
    assert refused.status_code == 403
    assert "revoked" in refused.text
    # Other roles have no such page.
    clerk = visitor()
    clerk.login("omar.orangi")
    assert clerk.go("/admin/keys").status == 403


@pytest.fixture(scope="module")
def own_files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, Path, Path]]:
    """A server on copies of the inventory, its maintenance plans and the alert rules, which the test may break."""
    tmp = tmp_path_factory.mktemp("admin-files")
    city = tmp / "city"
    city.mkdir()
    shutil.copy(ROOT / "inventory.yaml", city / "inventory.yaml")
    shutil.copy(ROOT / "maintenance.yaml", city / "maintenance.yaml")
    shutil.copytree(ROOT / "alert_rules", tmp / "rules")
    env = {
        "CCIS_DATABASE_URL": f"sqlite:///{tmp / 'ccis.db'}",
        "CCIS_INVENTORY": str(city / "inventory.yaml"),
        "CCIS_ALERT_RULES": str(tmp / "rules"),
        "CCIS_ENV": "test",
        "CCIS_SECRET_KEY": "a" * 32,
        "CCIS_ATTACHMENTS_DIR": str(tmp / "attachments"),
        "CCIS_RUN_SCHEDULER": "false",
    }
    rt = build(load_settings(**{k.removeprefix("CCIS_").lower(): v for k, v in env.items()}))
    with rt.sessions.begin() as s:
        add_user(s, username="adil.admin", password=password("adil.admin"), role="administrator", full_name="Adil")
    rt.engine.dispose()
    screens = tmp_path_factory.mktemp("screenshots")
    with ccis_serve(env) as url:
        yield Site(url, Seeded(), screens, env["CCIS_DATABASE_URL"]), city, tmp / "rules"


def test_admin_reads_the_inventory_and_its_problems(browser, own_files) -> None:
    site, city, _ = own_files
    v = Browse(browser, site, width=375)
    try:
        v.login("adil.admin")
        v.go("/admin/inventory")
        expect(v.page.locator("#inventory-state")).to_contain_text("No problems")
        for what in ("sites", "devices", "channels", "towns"):
            assert int(v.page.inner_text(f"#count-{what}")) > 0, what
        expect(v.page.locator("#inventory-sites")).to_contain_text("Orangi")
        expect(v.page.locator("#inventory-plans")).to_contain_text("half year")
        v.check_a11y()
        v.shot("admin-inventory-375px")
        # A typo in a site's kind: the page names the file, the line and what is wrong.
        text = (city / "inventory.yaml").read_text()
        broken = re.sub(r"kind: town_office", "kind: town_ofice", text, count=1)
        assert broken != text
        line = broken[: broken.index("town_ofice")].count("\n") + 1
        (city / "inventory.yaml").write_text(broken)
        v.go("/admin/inventory")
        expect(v.page.locator("#inventory-state")).to_contain_text("1 problem")
        expect(v.page.locator("#problem-list")).to_contain_text(f"inventory.yaml:{line}:")
        expect(v.page.locator("#problem-list")).to_contain_text("town_ofice")
        v.check_a11y()
        v.shot("admin-inventory-problem")
        (city / "inventory.yaml").write_text(text)
    finally:
        v.close()


def test_admin_reads_the_alert_rules_and_their_problems(browser, own_files) -> None:
    site, _, rules = own_files
    v = Browse(browser, site)
    try:
        v.login("adil.admin")
        v.go("/admin/rules")
        expect(v.page.locator("#rules-state")).to_contain_text("No problems")
        expect(v.page.locator("#routing-state")).to_contain_text("usable")
        assert int(v.page.inner_text("#rule-count")) > 5
        expect(v.page.locator("#rules")).to_contain_text("hosts.yaml:")
        v.check_a11y()
        v.shot("admin-rules")
        (rules / "zz-broken.yaml").write_text("rules:\n  - name: Bad Name\n    severity: loud\n")
        v.go("/admin/rules")
        expect(v.page.locator("#rules-state")).to_contain_text("problem")
        expect(v.page.locator("#problem-list")).to_contain_text("zz-broken.yaml:2:")
        v.check_a11y()
    finally:
        v.close()
