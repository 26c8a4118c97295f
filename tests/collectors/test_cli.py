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
    (work / "errors.txt").write_text("Fa0/3 1234 0\nGi0/2 0 56\n")
    try:
        with fake_switch(work, "admin", "s3cret", down_file=down, errors_file=work / "errors.txt") as port:
            yield port, down
    except PeerError as exc:
        pytest.fail(f"fake-switches peer: {exc}")


def collect(
    port: int, password: str = "s3cret", uplinks: tuple[str, ...] = ("Gi0/1",), times: int = 1
) -> CollectResult:
    spec = DeviceSpec(
        id="sw",
        site="t",
        kind="switch",
        address="127.0.0.1",
        collect={"method": "cli", "port": port, "credential": "cli", "timeout": 10, "uplinks": list(uplinks)},
    )
    c = Collectors({"cli": CRED}, env={"T_USER": "admin", "T_PASS": password})

    async def run() -> CollectResult:
        for _ in range(times):
            result = await c.collect(spec)
        return result

    return asyncio.run(run())


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


def test_port_error_totals_from_show_interfaces(switch: tuple[int, Path]) -> None:
    port, down = switch
    down.write_text("")
    r = collect(port, times=2)  # the second poll has the first's totals: a rate per port
    assert r.status is DeviceStatus.UP, r.error
    ins = {x.labels["interface"]: x.value for x in r.readings if x.metric == "if_in_errors_total"}
    outs = {x.labels["interface"]: x.value for x in r.readings if x.metric == "if_out_errors_total"}
    assert len(ins) == 26 and ins["Fa0/3"] == 1234.0 and ins["Gi0/1"] == 0.0
    assert outs["Gi0/2"] == 56.0
    rates = {x.labels["interface"]: x.value for x in r.readings if x.metric == "if_errors_per_second"}
    assert len(rates) == 26 and rates["Fa0/3"] == 0.0  # counted long ago: 0/s, and the total still shows it


def test_a_cli_poll_never_loads_netmiko_into_the_agent(switch: tuple[int, Path]) -> None:
    code = (
        "import asyncio, sys\n"
        "from collectors.run import Collectors\n"
        "from collectors.spec import CredentialRef, DeviceSpec\n"
        "cred = CredentialRef(id='cli', kind='cli', username_env='U', password_env='P')\n"
        f"s = DeviceSpec(id='sw', site='t', kind='switch', address='127.0.0.1', collect={{'method': 'cli', "
        f"'port': {switch[0]}, 'credential': 'cli', 'timeout': 10}})\n"
        "r = asyncio.run(Collectors({'cli': cred}, env={'U': 'admin', 'P': 's3cret'}).collect(s))\n"
        "print(r.status.value, sorted(m for m in ('netmiko', 'paramiko', 'textfsm') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "up []", out.stdout + out.stderr
