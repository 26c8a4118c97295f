from tests.complaints.conftest import Env


def test_register_and_lifecycle(env: Env) -> None:
    c = env.register()
    assert c["tracking_number"].startswith("KHI-") and c["town_id"] == "orangi"
    t = c["tracking_number"]
    env.ok("gro", t, "assign", assignee="lme")
    env.ok("lme", t, "start")
    env.ok("lme", t, "resolve")
    d = env.client.get(f"/api/v1/complaints/{t}", headers=env.h("admin")).json()
    assert d["status"] == "resolved", d
