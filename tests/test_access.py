"""Who may call what: one table decides every operation of the OpenAPI document, and the running app must agree.

A new endpoint without a line here fails `test_every_operation_has_a_decision`; a line that the app does not
honour (a counter clerk allowed to silence the city, a public route that asks for a login) fails
`test_the_app_enforces_the_table`. Scope inside a role (an Orangi clerk and a Lyari complaint) is checked by the
complaint core's matrix and the workspace's browser tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from complaint_core.roles import Role
from noc_api.accounts.service import add_user, open_session
from noc_api.app import create_app
from noc_api.settings import load_settings

PUBLIC, SITE, STAFF, OPEN311 = "public", "site token", "any staff", "open311 key"
SIGNED = "signed webhook"
NOC = {Role.NOC, Role.ENGINEER}
ADMIN: set[Role] = set()  # administrators only (they pass every role check)
QC = {Role.QC_OFFICER, Role.ESCALATION_OFFICER}  # ratings and appeals
MANAGERS = {Role.MAYOR_OFFICE, Role.SENIOR_DIRECTOR, Role.DEPARTMENT_HEAD, Role.TOWN_HEAD, Role.QC_OFFICER, Role.NOC}

# (method, path) -> PUBLIC | SITE | STAFF | OPEN311 | the roles that may (administrators always may).
ACCESS: dict[tuple[str, str], str | set[Role]] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,  # scraped by Prometheus on the NOC network; states and counts, nothing personal
    ("POST", "/api/v1/auth/login"): PUBLIC,
    ("POST", "/api/v1/auth/logout"): PUBLIC,
    ("GET", "/api/v1/auth/me"): STAFF,
    ("GET", "/api/v1/users"): ADMIN,
    ("POST", "/api/v1/users"): ADMIN,
    ("POST", "/api/v1/users/{username}/disable"): ADMIN,
    ("POST", "/api/v1/users/{username}/enable"): ADMIN,
    ("PUT", "/api/v1/users/{username}/password"): ADMIN,
    ("GET", "/api/v1/site-tokens"): ADMIN,
    ("POST", "/api/v1/site-tokens"): ADMIN,
    ("DELETE", "/api/v1/site-tokens/{prefix}"): ADMIN,
    ("GET", "/api/v1/sites"): STAFF,
    ("GET", "/api/v1/sites/{site_id}"): STAFF,
    ("GET", "/api/v1/devices"): STAFF,
    ("GET", "/api/v1/channels"): STAFF,
    ("POST", "/api/v1/ingest"): SITE,
    ("GET", "/api/v1/agents/{site_id}/config"): SITE,
    ("GET", "/api/v1/noc/state"): STAFF,
    ("GET", "/api/v1/noc/outages"): STAFF,
    ("GET", "/api/v1/noc/uptime"): STAFF,
    ("GET", "/api/v1/noc/devices/{device_id}/series"): STAFF,
    ("GET", "/api/v1/noc/maintenance"): STAFF,
    ("POST", "/api/v1/noc/maintenance"): NOC,
    ("DELETE", "/api/v1/noc/maintenance/{window_id}"): NOC,
    ("POST", "/api/v1/noc/maintenance/{window_id}/ticket"): NOC,
    ("GET", "/api/v1/events"): STAFF,
    ("GET", "/api/v1/events/complaints"): STAFF,  # scoped to the viewer (tests/web/test_live_queue.py)
    ("GET", "/noc"): STAFF,
    # The NOC console's pages: any staff reads; only NOC staff act (the forms' posts) or read recipients.
    ("GET", "/noc/live"): STAFF,
    ("GET", "/noc/sites/{code}"): STAFF,
    ("GET", "/noc/devices/{ident}"): STAFF,
    ("GET", "/noc/outages"): STAFF,
    ("GET", "/noc/outages/{outage_id}"): STAFF,
    ("GET", "/noc/silences"): STAFF,
    ("GET", "/noc/maintenance"): STAFF,
    ("GET", "/noc/oncall"): STAFF,
    ("GET", "/noc/hygiene"): STAFF,
    ("GET", "/noc/notifications"): NOC,
    ("POST", "/noc/alerts/{alert_id}/ack"): NOC,
    ("POST", "/noc/silences"): NOC,
    ("POST", "/noc/silences/{silence_id}/expire"): NOC,
    ("POST", "/noc/maintenance"): NOC,
    ("POST", "/noc/maintenance/{window_id}/end"): NOC,
    ("GET", "/api/v1/alerts"): STAFF,
    ("GET", "/api/v1/alerts/rules"): STAFF,
    ("GET", "/api/v1/alerts/{alert_id}"): STAFF,
    ("POST", "/api/v1/alerts/{alert_id}/ack"): NOC,
    ("GET", "/api/v1/alerts/ack"): PUBLIC,  # the signed link's confirmation page: the link is the credential
    ("POST", "/api/v1/alerts/ack"): PUBLIC,
    ("GET", "/api/v1/silences"): STAFF,
    ("POST", "/api/v1/silences"): NOC,
    ("DELETE", "/api/v1/silences/{silence_id}"): NOC,
    ("GET", "/api/v1/notifications"): NOC,
    ("GET", "/api/v1/reports/mis"): MANAGERS,
    ("GET", "/api/v1/reports/maintenance"): MANAGERS,
    ("GET", "/api/v1/maintenance/plans"): STAFF,
    ("GET", "/api/v1/maintenance/tickets"): STAFF,
    ("GET", "/api/v1/maintenance/tickets/{tracking}"): STAFF,
    ("POST", "/api/v1/maintenance/tickets/{tracking}/start"): NOC,
    ("POST", "/api/v1/maintenance/tickets/{tracking}/items/{item_id}"): NOC,
    ("GET", "/api/v1/noc/queues"): STAFF,
    ("GET", "/api/v1/noc/hygiene"): STAFF,
    ("POST", "/api/v1/complaints"): STAFF,  # who may register from which channel: the core's matrix
    ("GET", "/api/v1/complaints"): STAFF,
    ("GET", "/api/v1/complaints/duplicates"): STAFF,
    ("GET", "/api/v1/complaints/qc-queue"): {Role.QC_OFFICER},
    ("GET", "/api/v1/complaints/feedback-queue"): QC,
    ("POST", "/api/v1/complaints/feedback/{feedback_id}/handle"): QC,
    ("GET", "/api/v1/complaints/{tracking}"): STAFF,
    ("PATCH", "/api/v1/complaints/{tracking}"): STAFF,
    ("POST", "/api/v1/complaints/{tracking}/actions/{action}"): STAFF,
    ("POST", "/api/v1/complaints/{tracking}/feedback-link"): STAFF,
    ("GET", "/api/v1/complaints/{tracking}/slip.pdf"): STAFF,
    ("POST", "/api/v1/subscriptions"): STAFF,
    ("POST", "/api/v1/public/complaints"): PUBLIC,
    ("GET", "/api/v1/public/complaints/{tracking}"): PUBLIC,
    ("POST", "/api/v1/public/complaints/{tracking}/reopen"): PUBLIC,
    ("POST", "/api/v1/public/complaints/{tracking}/feedback"): PUBLIC,
    ("POST", "/api/v1/public/subscriptions"): PUBLIC,
    ("POST", "/api/v1/public/subscriptions/confirm"): PUBLIC,
    ("GET", "/api/v1/status"): PUBLIC,  # channel states, uptime, incidents, notices: nothing personal
    ("GET", "/api/v1/directory"): PUBLIC,
    ("GET", "/api/v1/notices"): PUBLIC,
    ("GET", "/api/v1/notices/history"): STAFF,
    ("POST", "/api/v1/notices"): {Role.NOC, Role.ENGINEER, Role.TOWN_HEAD},  # town heads: their town only
    ("POST", "/api/v1/notices/{notice_id}/withdraw"): {Role.NOC, Role.ENGINEER, Role.TOWN_HEAD},
    ("POST", "/api/v1/public/notice-subscriptions"): PUBLIC,
    ("POST", "/api/v1/public/notice-subscriptions/confirm"): PUBLIC,
    ("GET", "/open311/v2/discovery.{fmt}"): PUBLIC,
    ("GET", "/open311/v2/services.{fmt}"): PUBLIC,
    ("GET", "/open311/v2/services/{service_code}.{fmt}"): PUBLIC,
    ("GET", "/open311/v2/requests.{fmt}"): PUBLIC,
    ("POST", "/open311/v2/requests.{fmt}"): OPEN311,
    ("GET", "/open311/v2/requests/{request_id}.{fmt}"): PUBLIC,
    ("GET", "/open311/v2/tokens/{token_id}.{fmt}"): PUBLIC,
    ("POST", "/api/v1/intake/{provider}"): SIGNED,  # the provider's HMAC of the body (tests/intake)
    ("POST", "/api/v1/intake/ivr/status"): SIGNED,  # the PBX's HMAC of the body
}


# Where the role is checked in the use case, after the body: a body that passes validation.
BODIES = {("POST", "/api/v1/complaints/feedback/{feedback_id}/handle"): {"note": "called the citizen back"}}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[Role, str]]]:
    """The app on SQLite with one user per role; (client, role -> bearer token)."""
    tmp = tmp_path_factory.mktemp("access")
    settings = load_settings(
        database_url=f"sqlite:///{tmp / 'ccis.db'}", env="test", state_dir=tmp, run_scheduler=False
    )
    app = create_app(settings)
    with TestClient(app) as client:
        tokens: dict[Role, str] = {}
        with app.state.runtime.sessions.begin() as s:
            for role in Role:
                user = add_user(
                    s,
                    username=f"u-{role.value.replace('_', '-')}",
                    password="access password 1",
                    role=role.value,
                    town="orangi",
                    department="kwsb",
                )
                tokens[role] = open_session(s, user, datetime.now(UTC), 3600)
        client.cookies.clear()
        yield client, tokens


def _operations(client: TestClient) -> set[tuple[str, str]]:
    spec = client.get("/openapi.json").json()
    return {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}


def test_every_operation_has_a_decision(app) -> None:
    client, _ = app
    ops = _operations(client)
    assert sorted(ops - ACCESS.keys()) == [], "decide who may call these (add them to ACCESS)"
    assert sorted(ACCESS.keys() - ops) == [], "these are in ACCESS but not in the app"


def _call(client: TestClient, method: str, path: str, token: str | None) -> int:
    url = re.sub(r"\{[^}]+\}", "1", path)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = BODIES.get((method, path), {}) if method in {"POST", "PUT", "PATCH"} else None
    return client.request(method, url, headers=headers, json=body).status_code


def test_the_app_enforces_the_table(app) -> None:
    client, tokens = app
    wrong = []
    for (method, path), who in sorted(ACCESS.items(), key=lambda kv: kv[0][1]):
        if path == "/api/v1/events":
            continue  # a stream: its login check is covered by the NOC wall tests
        if path == "/api/v1/events/complaints":
            continue  # a stream: its login and scope are checked by tests/web/test_live_queue.py
        anonymous = _call(client, method, path, None)
        if who == PUBLIC:
            if anonymous in (401, 403):
                wrong.append(f"{method} {path}: public, but anonymous got {anonymous}")
            continue
        if who == OPEN311:  # the key travels in the form; the spec's answer for a missing key is 400 or 403
            if anonymous not in (400, 403):
                wrong.append(f"{method} {path}: {who}, but anonymous got {anonymous}")
            continue
        if who == SIGNED:  # no session: an unsigned call is 401, or 404 while the line has no secret
            if anonymous not in (401, 404):
                wrong.append(f"{method} {path}: {who}, but an unsigned call got {anonymous}")
            continue
        if anonymous != 401:
            wrong.append(f"{method} {path}: {who}, but anonymous got {anonymous}")
        if who == SITE:
            staff = _call(client, method, path, tokens[Role.ADMINISTRATOR])
            if staff not in (401, 403):
                wrong.append(f"{method} {path}: {who} only, but a staff session got {staff}")
            continue
        for role, token in tokens.items():
            allowed = who == STAFF or role == Role.ADMINISTRATOR or role in who
            got = _call(client, method, path, token)
            if allowed and got in (401, 403):
                wrong.append(f"{method} {path}: {role.value} may, but got {got}")
            if not allowed and got != 403:
                wrong.append(f"{method} {path}: {role.value} may not, but got {got}")
    assert wrong == [], "\n".join(wrong)
