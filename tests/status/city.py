"""A real `ccis serve` with the shipped inventory for the status tests: the data centre and Orangi reporting
through the real ingest API, an SMS gateway stand-in and a real SMTP server."""

from __future__ import annotations

from pathlib import Path

import httpx

from noc_api.accounts.service import add_user, issue_site_token
from noc_api.runtime import build
from noc_api.settings import load_settings
from noc_api.status.schemas import StatusOut
from tests.noc_api.server import Reporter

ORANGI = ["radio-orangi", "town-orangi-ups", "town-orangi-sw", "town-orangi-pc-01", "town-orangi-pc-02"]
# What the web portal needs (and what it sits behind), and the data-centre end of Orangi's link.
DC = ["dc-gen-1", "dc-ups-1", "dc-fw-1", "dc-core-sw", "dc-noc-1", "dc-web-portal", "dc-db-1", "dc-sms-gw",
      "radio-orangi-dc"]  # fmt: skip
PASSWORD = "status test password 1"


def status_env(db_url: str, inventory: Path, tmp: Path, **extra: str) -> dict[str, str]:
    """A fast-ticking server: silent after 5 s, sweeps every 0.3 s, the board rebuilt every second."""
    return {
        "CCIS_DATABASE_URL": db_url,
        "CCIS_INVENTORY": str(inventory),
        "CCIS_ENV": "test",
        "CCIS_SECRET_KEY": "status-e2e-secret-0123456789abcdef",
        "CCIS_HEARTBEAT_SECONDS": "1",
        "CCIS_GRACE_HEARTBEATS": "5",  # not 3: a report late by a loaded machine is not a site gone silent
        "CCIS_HEALTH_INTERVAL_SECONDS": "0.3",
        "CCIS_HOLD_DOWN_SECONDS": "1",
        "CCIS_NOTIFY_INTERVAL_SECONDS": "0.5",
        "CCIS_STATUS_INTERVAL_SECONDS": "1",
        "CCIS_PREVENTIVE_MAINTENANCE": "false",
        "CCIS_PUBLIC_PER_ADDRESS": "100000/minute",  # the test polls the public API from one address
        "CCIS_ATTACHMENTS_DIR": str(tmp / "att"),
        **extra,
    }


def prepare(env: dict[str, str]) -> dict[str, str]:
    """Migrate, add an administrator, issue the two sites' tokens."""
    rt = build(load_settings(**{k.removeprefix("CCIS_").lower(): v for k, v in env.items()}))
    with rt.sessions.begin() as s:
        tokens = {site: issue_site_token(s, site) for site in ("town-orangi", "dc-civic")}
        add_user(s, username="admin", password=PASSWORD, role="administrator")
    rt.engine.dispose()
    return tokens


def login(url: str, user: str = "admin") -> httpx.Client:
    c = httpx.Client(base_url=url, timeout=15)
    token = c.post("/api/v1/auth/login", json={"username": user, "password": PASSWORD}).json()["access_token"]
    c.headers["Authorization"] = f"Bearer {token}"
    return c


def reporters(url: str, tokens: dict[str, str]) -> tuple[Reporter, Reporter]:
    dc = Reporter(url, tokens["dc-civic"], "dc-civic", DC)
    dc.readings["radio-orangi-dc"] = lambda: ("up", [{"metric": "radio_link_up", "value": 1}])
    return dc, Reporter(url, tokens["town-orangi"], "town-orangi", ORANGI)


def channel(url: str, cid: str) -> dict:
    doc = httpx.get(url + "/api/v1/status", timeout=10).json()
    # The board is encoded once per copy: it must stay what /docs says (no key missing, none unknown).
    assert StatusOut.model_validate(doc).model_dump(exclude_unset=True) == doc
    return next(c for c in doc["channels"] if c["id"] == cid)
