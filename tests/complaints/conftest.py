"""An app on each backend with one staff user per role, and helpers to register and act."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from noc_api.accounts.service import open_session
from noc_api.app import create_app
from noc_api.db import models as m
from noc_api.settings import load_settings

# username -> (role, town, department): the scope each test user has.
STAFF = {
    "agent": ("call_centre_agent", None, None),
    "supervisor": ("call_centre_supervisor", None, None),
    "counter": ("counter_operator", "orangi", None),
    "lme": ("lme", "orangi", "solid-waste"),
    "lme2": ("lme", "orangi", "solid-waste"),
    "gro": ("gro", None, "solid-waste"),
    "dhead": ("department_head", None, "solid-waste"),
    "thead": ("town_head", "orangi", None),
    "director": ("senior_director", None, None),
    "qc": ("qc_officer", None, None),
    "escalation": ("escalation_officer", None, None),
    "mayor": ("mayor_office", None, None),
    "noc": ("noc", None, None),
    "engineer": ("engineer", None, None),
    "admin": ("administrator", None, None),
    "thead-lyari": ("town_head", "lyari", None),
    "gro-kwsb": ("gro", None, "kwsb"),
    "lme-kwsb": ("lme", None, "kwsb"),
    "counter-kwsb": ("counter_operator", None, None),
    "counter-civic": ("counter_operator", None, None),
    "escalation2": ("escalation_officer", None, None),
}
SITES = {"counter-kwsb": "kwsb", "counter-civic": "civic-walkin", "counter": "town-orangi", "agent": "cc-1339"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
# Inside Orangi's boundary box in inventory.yaml.
ORANGI = {"lat": 24.955, "lon": 67.0}


@dataclass
class Env:
    client: TestClient
    app: Any
    headers: dict[str, dict[str, str]]
    tmp: Path
    counter: list[int] = field(default_factory=lambda: [0])

    def h(self, who: str) -> dict[str, str]:
        return self.headers[who]

    def register(self, who: str = "agent", **over: Any) -> dict:
        body = complaint_body(**over)
        r = self.client.post("/api/v1/complaints", json=body, headers=self.h(who))
        assert r.status_code == 201, r.text
        return r.json()

    def act(self, who: str, tracking: str, action: str, **body: Any):
        body.setdefault("note", f"{action} by {who}")
        return self.client.post(f"/api/v1/complaints/{tracking}/actions/{action}", json=body, headers=self.h(who))

    def ok(self, who: str, tracking: str, action: str, **body: Any) -> dict:
        r = self.act(who, tracking, action, **body)
        assert r.status_code == 200, f"{who} {action}: {r.text}"
        return r.json()

    def sessions(self):
        return self.app.state.runtime.sessions


def complaint_body(**over: Any) -> dict:
    body = {
        "channel": "call_centre",
        "category": "garbage",
        "description": "Garbage not lifted for three days near the mosque",
        "citizen_name": "Ayesha Khan",
        "phone": "0300 1234567",
        "town": "orangi",
        "channel_data": {"caller_number": "0300 1234567", "call_ref": "rec-0001"},
    }
    body.update(over)
    return body


def photo_b64(data: bytes = PNG) -> str:
    return base64.b64encode(data).decode()


def make_env(db_url: str, inventory_path: Path, tmp_path: Path, **settings: Any) -> Iterator[Env]:
    base = {
        "database_url": db_url,
        "inventory": inventory_path,
        "env": "test",
        "secret_key": "s" * 32,
        "attachments_dir": tmp_path / "attachments",
        "max_photo_bytes": 4096,
        "qc_sample_rate": 0.0,
        "preventive_maintenance": False,  # the plans' internal tickets are not these tests' subject
    }
    cfg = load_settings(**{**base, **settings})
    app = create_app(cfg)
    with TestClient(app) as client:
        headers = {}
        with app.state.runtime.sessions.begin() as s:
            for name, (role, town, dept) in STAFF.items():
                user = m.User(
                    username=name,
                    full_name=name,
                    password_hash="!",
                    role=role,
                    town_id=town,
                    department_id=dept,
                    site_id=SITES.get(name),
                    email=f"{name}@city.test",
                    active=True,
                )
                s.add(user)
                s.flush()
                headers[name] = {"Authorization": f"Bearer {open_session(s, user, datetime.now(UTC), 3600)}"}
        yield Env(client, app, headers, tmp_path)


@pytest.fixture
def env(db_url: str, inventory_path: Path, tmp_path: Path) -> Iterator[Env]:
    yield from make_env(db_url, inventory_path, tmp_path)
