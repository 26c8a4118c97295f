"""CLI collection with netmiko over SSH against fake-switches (a Cisco 2960 model), parsed by ntc-templates."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from collectors.readings import CollectResult, DeviceStatus
from collectors.run import Collectors
from collectors.spec import CredentialRef, DeviceSpec
from tests.peers import ROOT, PeerError, fake_switch

CRED = CredentialRef(id="cli", kind="cli", username_env="T_USER", password_env="T_PASS")


@pytest.fixture(scope="module")
def switch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    work = tmp_path_factory.mktemp("fakesw")
    down = work / "down.txt"
    try:
        with fake_switch(work, "admin", "s3cret", down_file=down) as port:
            yield port, down
    except PeerError as exc:
        pytest.fail(f"fake-switches peer: {exc}")


def collect(port: int, password: str = "s3cret", uplinks: tuple[str, ...] = ("Gi0/1",)) -> CollectResult:
    spec = DeviceSpec(
        id="sw",
        site="t",
        kind="switch",
        address="127.0.0.1",
        collect={"method": "cli", "port": port, "credential": "cli", "timeout": 10, "uplinks": list(uplinks)},
    )
    c = Collectors({"cli": CRED}, env={"T_USER": "admin", "T_PASS": password})
    return asyncio.run(c.collect(spec))


def test_show_version_and_interfaces(switch: tuple[int, Path]) -> None:
    port, down = switch
    down.write_text("")
    r = collect(port)
    assert r.status is DeviceStatus.UP, r.error
    oper = {x.labels["interface"]: x.value for x in r.readings if x.metric == "if_oper_up"}
    assert len(oper) == 26 and oper["Gi0/1"] == 1.0 and oper["Fa0/24"] == 1.0
    up = next(x for x in r.readings if x.metric == "sys_uptime_seconds")
    assert up.value > 0 and up.text  # the IOS version rides along as text


def test_uplink_not_connected_is_down(switch: tuple[int, Path]) -> None:
    port, down = switch
    down.write_text("Gi0/1\n")
    try:
        r = collect(port)
    finally:
        down.write_text("")
    assert r.status is DeviceStatus.DOWN
    assert r.error == "uplink Gi0/1 is down"


def test_wrong_password_is_auth_failed(switch: tuple[int, Path]) -> None:
    r = collect(switch[0], password="wrong")
    assert r.status is DeviceStatus.UNREACHABLE
    assert r.error.startswith("AuthFailed"), r.error


def test_heavy_libraries_load_only_when_needed() -> None:
    code = (
        "import asyncio, sys\n"
        "from collectors.run import Collectors\n"
        "from collectors.spec import DeviceSpec\n"
        "s = DeviceSpec(id='me', site='t', kind='server', address='127.0.0.1', collect={'method': 'psutil'})\n"
        "asyncio.run(Collectors().collect(s))\n"
        "print(sorted(m for m in ('netmiko', 'pysnmp', 'paramiko') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
