"""The contract's commands as a newcomer runs them: `ccis serve` on a real port, tokens, users."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.noc_api.test_inventory_validation import BASE
from tests.support import free_port

CCIS = [sys.executable, "-m", "ccis.cli"]


def env_for(tmp_path: Path, inventory: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "CCIS_DATABASE_URL": f"sqlite:///{tmp_path / 'ccis.db'}",
        "CCIS_INVENTORY": str(inventory),
        **extra,
    }


def test_serve_answers_with_the_city(tmp_path: Path, inventory_path: Path) -> None:
    port = free_port()
    env = env_for(tmp_path, inventory_path, CCIS_PORT=str(port))
    started = time.monotonic()
    proc = subprocess.Popen(
        [*CCIS, "serve", "--log-level", "warning"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = started + 60
        while True:
            assert proc.poll() is None, proc.stdout.read()
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "server did not answer within 60 s"
                time.sleep(0.1)
        print(f"first answer after {time.monotonic() - started:.2f} s")
        assert r.status_code == 200 and r.json()["inventory"]["sites"] == 24
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/sites", timeout=10).status_code == 401  # staff only
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_serve_refuses_a_broken_inventory(tmp_path: Path, workers: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        BASE.replace(
            "town: orangi\n    devices:\n      - {id: radio-orangi",
            "town: lyari\n    devices:\n      - {id: radio-orangi",
        )
    )
    port = free_port()
    res = subprocess.run(
        [*CCIS, "serve", "--workers", workers],  # with workers, a process of its own checks and migrates
        env=env_for(tmp_path, bad, CCIS_PORT=str(port)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 1
    assert f"{bad}:" in res.stderr and "unknown town 'lyari'" in res.stderr
    assert not (tmp_path / "ccis.db").exists()  # nothing was started or created


def test_wrong_setting_stops_the_command(tmp_path: Path, inventory_path: Path) -> None:
    res = subprocess.run(
        [*CCIS, "db", "upgrade"],
        env=env_for(tmp_path, inventory_path, CCIS_PORT="http"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 1 and "CCIS_PORT" in res.stderr


def test_tokens_and_users_commands(tmp_path: Path, inventory_path: Path) -> None:
    env = env_for(tmp_path, inventory_path)
    assert subprocess.run([*CCIS, "db", "upgrade"], env=env, capture_output=True, timeout=60).returncode == 0
    out = tmp_path / "orangi.token"
    res = subprocess.run(
        [*CCIS, "tokens", "issue", "--site", "town-orangi", "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 0, res.stderr
    assert out.read_text().startswith("ccis_") and (out.stat().st_mode & 0o777) == 0o600
    res = subprocess.run(
        [*CCIS, "tokens", "issue", "--site", "nowhere"], env=env, capture_output=True, text=True, timeout=60
    )
    assert res.returncode == 1 and "unknown site 'nowhere'" in res.stderr
    res = subprocess.run(
        [*CCIS, "users", "add", "gro.orangi", "--role", "gro", "--department", "kwsb", "--password-stdin"],
        input="a long enough password\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 0, res.stderr
    res = subprocess.run(
        [*CCIS, "users", "add", "x1", "--role", "gro", "--password-stdin"],
        input="a long enough password\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 1 and "needs --department" in res.stderr
