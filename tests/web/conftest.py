"""The pages against a real `ccis serve`, in headless Chromium (Debian's), one server for the whole package.

Every request to a host other than 127.0.0.1 is aborted and recorded: a page reaching for a CDN fails its test.
axe-core (npm, package-lock.json) is injected to check accessibility; screenshots go under pytest's tmp dir.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from complaint_core.roles import Actor
from complaint_core.services.registration import register_complaint
from noc_api.accounts.service import add_user
from noc_api.complaints.directory import load_directory
from noc_api.runtime import build
from noc_api.settings import load_settings
from tests.support import ccis_serve

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_PATH = "/__test__/axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# username -> (role, town, department, full name); every password is "<username> password".
STAFF = {
    "asma.agent": ("call_centre_agent", None, None, "Asma Siddiqui"),
    "omar.orangi": ("counter_operator", "orangi", None, "Omar Farooq"),
    "lubna.lyari": ("counter_operator", "lyari", None, "Lubna Baloch"),
    "latif.lme": ("lme", "orangi", "solid-waste", "Latif Khan"),
    "gul.gro": ("gro", None, "solid-waste", "Gul Mohammad"),
    "tariq.thead": ("town_head", "orangi", None, "Tariq Jamil"),
    "qamar.qc": ("qc_officer", None, None, "Qamar Zaman"),
    "esha.escalation": ("escalation_officer", None, None, "Esha Rizvi"),
    "mehr.mayor": ("mayor_office", None, None, "Mehr Ali"),
    "adil.admin": ("administrator", None, None, "Adil Shah"),
}


def password(username: str) -> str:
    return f"{username} password"


@dataclass
class Seeded:
    orangi: list[str] = field(default_factory=list)
    lyari: list[str] = field(default_factory=list)


@dataclass
class Site:
    url: str
    seeded: Seeded
    screens: Path
    db_url: str


def _seed(settings: Any) -> Seeded:
    rt = build(settings)
    out = Seeded()
    now = datetime.now(UTC)
    with rt.sessions.begin() as s:
        for name, (role, town, dept, full) in STAFF.items():
            add_user(s, username=name, password=password(name), role=role, town=town, department=dept, full_name=full)
        cfg = rt.desk.config
        directory = load_directory(s, "KHI")
        for town, ward, phone in (("orangi", "Orangi UC-2", "0300 1111222"), ("lyari", "Lyari UC-1", "0300 3333444")):
            for i in range(2):
                body = {
                    "channel": "call_centre", "category": "garbage", "town": town, "ward": ward,
                    "description": f"Garbage heap number {i + 1} in {town} not lifted for a week",
                    "citizen_name": "Seeded Citizen", "phone": phone,
                    "channel_data": {"caller_number": phone, "call_ref": f"seed-{town}-{i}"},
                }  # fmt: skip
                done = register_complaint(
                    s, data=body, actor=Actor.system("seed"), directory=directory, now=now, config=cfg
                )
                getattr(out, town).append(done.tracking_number)
    rt.engine.dispose()
    return out


@pytest.fixture(scope="package")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("web")
    env = {
        "CCIS_DATABASE_URL": f"sqlite:///{tmp / 'ccis.db'}",
        "CCIS_INVENTORY": str(ROOT / "inventory.yaml"),
        "CCIS_ENV": "test",
        "CCIS_SECRET_KEY": "w" * 32,
        "CCIS_ATTACHMENTS_DIR": str(tmp / "attachments"),
        "CCIS_RUN_SCHEDULER": "false",
        "CCIS_QC_SAMPLE_RATE": "1.0",  # every resolution goes to the QC desk
    }
    settings = load_settings(**{k.removeprefix("CCIS_").lower(): v for k, v in env.items()})
    seeded = _seed(settings)
    screens = tmp_path_factory.mktemp("screenshots")
    with ccis_serve(env) as url:
        yield Site(url, seeded, screens, env["CCIS_DATABASE_URL"])


@pytest.fixture(scope="package")  # stopped after tests/web: other modules start their own Playwright
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


class Browse:
    """One visitor's browser context: local-only network, login, accessibility check, screenshots."""

    def __init__(self, browser: Any, site: Site, width: int = 1280) -> None:
        self.site = site
        self.blocked: list[str] = []
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15000)

    def _route(self, route: Any) -> None:
        url = urlsplit(route.request.url)
        host = url.hostname
        if url.path == AXE_PATH:  # served as if from the site: the pages' CSP (script-src 'self') stays on
            route.fulfill(path=str(AXE), content_type="text/javascript")
        elif host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def go(self, path: str) -> Any:
        return self.page.goto(self.site.url + path)

    def login(self, username: str) -> None:
        self.go("/login")
        self.page.fill("#username", username)
        self.page.fill("#password", password(username))
        self.page.press("#password", "Enter")
        self.page.wait_for_url(lambda u: "/login" not in u)

    def logout(self) -> None:
        self.page.click("header form[action='/logout'] button")
        self.page.wait_for_url(self.site.url + "/")

    def check_a11y(self) -> None:
        """No serious or critical axe-core violation on the current page."""
        if not AXE.exists():
            if shutil.which("npm") is None and os.environ.get("CI") != "true":
                pytest.skip("axe-core missing and npm absent: install npm and run `make .venv/.installed`")
            raise AssertionError(f"{AXE} missing: run `npm ci`")
        self.page.add_script_tag(url=self.site.url + AXE_PATH)
        result = self.page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
        detail = [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:5]) for v in bad]
        assert not bad, f"{self.page.url}: {detail}"

    def shot(self, name: str) -> Path:
        path = self.site.screens / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        self.context.close()
        assert not self.blocked, f"requests left the machine: {self.blocked}"


@pytest.fixture
def visitor(browser: Any, site: Site) -> Iterator[Any]:
    """A factory of browser contexts, closed (and checked for outside requests) after the test."""
    made: list[Browse] = []

    def make(width: int = 1280) -> Browse:
        b = Browse(browser, site, width)
        made.append(b)
        return b

    yield make
    for b in made:
        b.close()
