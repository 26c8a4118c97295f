"""Every role x action through the HTTP API: allowed in scope, refused otherwise (403, or 404 when unseen)."""

from __future__ import annotations

from tests.complaints.conftest import Env

ACTIONS = (
    "register",
    "view",
    "edit",
    "assign",
    "start",
    "request_reassign",
    "wait_citizen",
    "resume",
    "resolve",
    "reject",
    "route",
    "close",
    "verify",
    "reopen",
    "qc_queue",
    "subscribe",
    "remark",
    "note",
    "qc_call",
    "feedback_queue",
)
# The expected matrix, written out (not derived from the policy module it checks).
ALLOWED = {
    "agent": {"register", "view", "edit", "subscribe"},
    "supervisor": {"register", "view", "edit", "subscribe", "remark", "route", "note"},
    "counter": {"register", "view", "edit"},
    "lme": {"view", "start", "request_reassign", "wait_citizen", "resume", "resolve", "note"},
    "gro": {"view", "edit", "assign", "reject", "route", "remark", "close", "note"},
    "dhead": {"view", "edit", "assign", "reject", "close", "subscribe", "note"},
    "thead": {"view", "edit", "assign", "reject", "close", "subscribe", "note"},
    "director": {"view", "assign", "reject", "route", "remark", "close", "subscribe", "note"},
    "qc": {"view", "verify", "reopen", "close", "qc_queue", "qc_call", "note", "feedback_queue"},
    "escalation": {"view", "assign", "start", "wait_citizen", "resume", "resolve", "reject", "note", "feedback_queue"},
    "mayor": {"register", "view", "subscribe"},
    "noc": {"register", "view", "edit", "assign", "start", "resolve", "close", "reject", "note"},
    "engineer": {"view", "start", "wait_citizen", "resume", "resolve", "request_reassign", "note"},
    "admin": set(ACTIONS),
}
REGISTER_AS = {"counter": "walk_in", "mayor": "mayor_office", "noc": "internal"}
ESCALATED_PATH = {  # the escalation officer works a twice-reopened complaint himself
    "assign": [],
    "resolve": [],
    "reject": [],
    "note": [],
    "start": ["assign"],
    "wait_citizen": ["assign", "start"],
    "resume": ["assign", "start", "wait_citizen"],
}
CHANNEL_DATA = {
    "call_centre": {"caller_number": "03001234567", "call_ref": "r-1"},
    "walk_in": {"counter": "walk-in-orangi", "operator": "counter"},
    "mayor_office": {"reference": "TTM-1"},
    "internal": {"source_ref": "outage-9"},
}
STATE_FOR = {  # the status an action is legal from
    "assign": "registered",
    "reject": "registered",
    "view": "registered",
    "edit": "registered",
    "start": "assigned",
    "request_reassign": "assigned",
    "wait_citizen": "in_progress",
    "resume": "waiting_citizen",
    "resolve": "in_progress",
    "close": "resolved",
    "verify": "resolved",
    "reopen": "resolved",
    "route": "triage",
    "remark": "registered",
    "note": "assigned",
    "qc_call": "in_progress",
}
PATH = {
    "assigned": ["assign"],
    "in_progress": ["assign", "start"],
    "waiting_citizen": ["assign", "start", "wait_citizen"],
    "resolved": ["assign", "start", "resolve"],
    "escalated": ["assign", "start", "resolve", "reopen", "assign", "start", "resolve", "reopen"],
}


def _prepare(env: Env, who: str, action: str) -> str:
    internal = who in ("noc", "engineer")
    state = STATE_FOR[action]
    if who == "escalation" and action in ESCALATED_PATH:
        state = "escalated"
    body = (
        {"channel": "internal", "category": "noc-power", "channel_data": CHANNEL_DATA["internal"]} if internal else {}
    )
    if state == "triage":
        body |= {"town": None}
    t = env.register("admin", **body)["tracking_number"]
    assignee = "engineer" if internal else "lme"
    for step in PATH.get(state, []):
        env.ok("admin", t, step, assignee=assignee)
    if state == "escalated":
        for step in ESCALATED_PATH[action]:
            env.ok("escalation", t, step, assignee="escalation")
    return t


def _try(env: Env, who: str, action: str) -> int:
    c, h = env.client, env.h(who)
    if action == "register":
        channel = REGISTER_AS.get(who, "call_centre")
        extra = {"category": "noc-power"} if channel == "internal" else {}
        body = {"channel": channel, "channel_data": CHANNEL_DATA[channel], **extra}
        from tests.complaints.conftest import complaint_body

        return c.post("/api/v1/complaints", json=complaint_body(**body), headers=h).status_code
    if action == "qc_queue":
        return c.get("/api/v1/complaints/qc-queue", headers=h).status_code
    if action == "feedback_queue":
        return c.get("/api/v1/complaints/feedback-queue", headers=h).status_code
    if action == "subscribe":
        sub = {"medium": "email", "address": f"{who}@city.test", "event": "new", "town": "orangi"}
        return c.post("/api/v1/subscriptions", json=sub, headers=h).status_code
    t = _prepare(env, who, action)
    if action == "view":
        return c.get(f"/api/v1/complaints/{t}", headers=h).status_code
    if action == "edit":
        v = c.get(f"/api/v1/complaints/{t}", headers=env.h("admin")).json()["version"]
        return c.patch(
            f"/api/v1/complaints/{t}", json={"version": v, "changes": {"address": "x"}}, headers=h
        ).status_code
    params = {
        "assignee": "engineer" if who in ("noc", "engineer") else "lme",
        "reason": "insufficient_information",
        "department_id": "solid-waste",
        "town_id": "lyari" if action == "remark" else "orangi",
        "reached": True,
    }
    if action == "remark":
        del params["department_id"]
    return env.act(who, t, action, **params).status_code


def test_every_role_and_action_in_scope(env: Env) -> None:
    wrong = []
    for who, allowed in ALLOWED.items():
        for action in ACTIONS:
            code = _try(env, who, action)
            ok = code in (200, 201)
            if ok != (action in allowed) or (not ok and code not in (403, 404)):
                wrong.append(f"{who} {action}: {code} (expected {'allowed' if action in allowed else 'refused'})")
    assert not wrong, "\n".join(wrong)


def test_out_of_scope_is_refused(env: Env) -> None:
    """A Lyari complaint of KW&SB: Orangi's town head, solid-waste staff and the NOC cannot see or act on it."""
    t = env.register("agent", town="lyari", category="water-leakage")["tracking_number"]
    for who in ("counter", "lme", "gro", "dhead", "thead", "noc", "engineer"):
        assert env.client.get(f"/api/v1/complaints/{t}", headers=env.h(who)).status_code == 404, who
        assert env.act(who, t, "assign", assignee="lme").status_code == 404, who
    env.ok("gro-kwsb", t, "assign", assignee="lme-kwsb")  # KW&SB's own GRO may
    assert env.client.get(f"/api/v1/complaints/{t}", headers=env.h("thead-lyari")).status_code == 200
    assert env.client.get("/api/v1/complaints").status_code == 401
    r = env.client.post("/api/v1/complaints", json={"channel": "walk_in"}, headers=env.h("agent"))
    assert r.status_code == 422  # validation first; the channel check follows for valid input
    from tests.complaints.conftest import complaint_body

    body = complaint_body(channel="walk_in", channel_data=CHANNEL_DATA["walk_in"])
    r = env.client.post("/api/v1/complaints", json=body, headers=env.h("agent"))
    assert r.status_code == 403 and "may not register walk_in" in r.json()["detail"]
