"""Staff login: argon2-checked password, signed session token, roles enforced."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from complaint_core.roles import Actor, Role
from noc_api.accounts.service import add_user
from noc_api.app import create_app
from noc_api.deps import require_roles
from noc_api.settings import load_settings


@pytest.fixture
def app(db_url: str, inventory_path) -> Iterator[FastAPI]:
    app = create_app(load_settings(database_url=db_url, inventory=inventory_path, env="test", secret_key="k" * 32))

    @app.get("/only-qc")
    def only_qc(actor: Actor = Depends(require_roles(Role.QC_OFFICER))) -> dict:
        return {"who": actor.name}

    with TestClient(app):
        with app.state.runtime.sessions.begin() as s:
            add_user(s, username="qc.one", password="qc password 123", role="qc_officer")
            add_user(s, username="lme.one", password="lme password 123", role="lme", department="kwsb")
        yield app


def test_login_me_and_roles(app: FastAPI) -> None:
    c = TestClient(app)
    assert c.get("/api/v1/auth/me").status_code == 401
    bad = c.post("/api/v1/auth/login", json={"username": "qc.one", "password": "nope"})
    assert bad.status_code == 401 and bad.json()["detail"] == "wrong username or password"
    ok = c.post("/api/v1/auth/login", json={"username": "qc.one", "password": "qc password 123"})
    assert ok.status_code == 200
    token = ok.json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert c.get("/api/v1/auth/me", headers=headers).json()["role"] == "qc_officer"
    assert c.get("/only-qc", headers=headers).json() == {"who": "qc.one"}
    assert c.get("/only-qc").status_code == 200  # the cookie set at login works for pages
    lme = TestClient(app).post("/api/v1/auth/login", json={"username": "lme.one", "password": "lme password 123"})
    r = TestClient(app).get("/only-qc", headers={"Authorization": f"Bearer {lme.json()['access_token']}"})
    assert r.status_code == 403 and "lme" in r.json()["detail"]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert TestClient(app).get("/api/v1/auth/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
