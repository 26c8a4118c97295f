"""`ccis demo` against a real `ccis serve` with the shipped inventory: within its bounded run every site is up on
the NOC state and complaints are lodged through the real API; it stops by itself. Both databases."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from noc_api.accounts.service import add_user
from noc_api.runtime import build
from noc_api.settings import load_settings
from tests.status.city import PASSWORD, login, status_env
from tests.support import CCIS, ROOT, ccis_serve, stop, wait_for


def test_demo_brings_the_city_to_life(db_url: str, inventory_path: Path, tmp_path: Path) -> None:
    env = status_env(db_url, inventory_path, tmp_path, CCIS_HEARTBEAT_SECONDS="2")
    rt = build(load_settings(**{k.removeprefix("CCIS_").lower(): v for k, v in env.items()}))
    with rt.sessions.begin() as s:
        add_user(s, username="admin", password=PASSWORD, role="administrator")
    sites = [s.id for s in rt.inventory.sites]
    rt.engine.dispose()
    with ccis_serve(env, tmp_path / "serve.log") as url:
        log = (tmp_path / "demo.log").open("wb")
        cmd = [CCIS, "demo", "--noc", url, "--state-dir", str(tmp_path / "demo"), "--minutes", "3", "--period", "1"]
        demo = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
        try:
            admin = login(url)

            def states() -> dict[str, str]:
                return {s["id"]: s["state"] for s in admin.get("/api/v1/noc/state").json()["sites"]}

            # Up, or degraded while its UPS carries a load-shedding hour or its radio fades in the rain.
            seen = wait_for("every site reporting", lambda: (st := states()) and set(st.values()) <= {"up", "degraded"}
                            and st, timeout=90)  # fmt: skip
            assert set(seen) == set(sites) and "up" in seen.values(), seen
            wait_for(
                "a complaint lodged",
                lambda: [c for c in admin.get("/api/v1/complaints").json() if c["channel"] != "internal"],
            )
            assert demo.poll() is None, (tmp_path / "demo.log").read_text()
        finally:
            stop(demo)
            log.close()
    # A refused token or login is logged as "<what>: 401 <detail>" (a bare "401" may be part of a port number).
    refused = re.findall(r"^ccis demo: .*: 401 .*$", (tmp_path / "demo.log").read_text(), re.MULTILINE)
    assert refused == [], refused


def test_demo_talks_to_loopback_only() -> None:
    out = subprocess.run([CCIS, "demo", "--noc", "http://10.10.0.4:8000", "--minutes", "0.1"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert out.returncode != 0 and "not on this host's loopback" in out.stderr
