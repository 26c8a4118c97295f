"""Agent configuration: the cache, and what --loopback-only may collect."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from agents.config import ConfigUnavailable, get_config, is_local
from agents.wire import AgentConfig
from collectors.spec import DeviceSpec
from tests.agents.noc_standin import NocStandIn, running
from tests.peers import free_port


def dev(address: str, **collect: object) -> DeviceSpec:
    return DeviceSpec(id="d", site="s", kind="server", address=address, collect=collect)


@pytest.mark.parametrize(
    ("spec", "local"),
    [
        (dev("10.10.0.5", method="psutil"), True),
        (dev("127.0.0.1", method="snmp", profile="if-mib"), True),
        (dev("127.8.0.3", method="tcp", port=22), True),
        (dev("::1", method="nut"), True),
        (dev("localhost", method="tcp", port=22), True),
        (dev("10.10.0.5", method="snmp", profile="if-mib"), False),
        (dev("127.0.0.1", method="http", url="http://10.20.0.5/ivr/status"), False),
        (dev("10.20.0.5", method="http", url="http://127.0.0.1:8000/healthz"), True),
        (dev("portal.example", method="tcp", port=443), False),
        (dev("127.0.0.1", method="none"), False),
    ],
)
def test_is_local(spec: DeviceSpec, local: bool) -> None:
    assert is_local(spec) is local


def test_config_is_cached_and_used_when_the_noc_is_away(tmp_path: Path) -> None:
    port = free_port()
    config = AgentConfig(site_id="s", config_id="abc", devices=[dev("127.0.0.1", method="psutil")], credentials=[])
    cache = tmp_path / "config.json"

    async def fetch() -> tuple[AgentConfig, str]:
        async with httpx.AsyncClient(timeout=2) as client:
            return await get_config(client, f"http://127.0.0.1:{port}", "s", "tok", cache)

    with pytest.raises(ConfigUnavailable, match="no cache"):
        asyncio.run(fetch())
    with running(NocStandIn(port, "tok", config)):
        got, source = asyncio.run(fetch())
    assert source == "noc" and got.config_id == "abc"
    got, source = asyncio.run(fetch())  # the NOC is gone now
    assert got == config and source.startswith("cached")
