"""The agent's scheduling: a device that hangs never holds back the others; every result carries its cycle time."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import httpx

from agents.agent import Agent
from agents.wire import AgentConfig
from collectors.spec import DeviceSpec
from tests.agents.noc_standin import NocStandIn, running
from tests.peers import free_port

TOKEN = "scheduler-token-0123456789"


def test_a_hanging_device_does_not_delay_the_others(tmp_path: Path) -> None:
    silent = socket.socket()  # accepts TCP connections (kernel backlog) and never answers an HTTP request
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    port = free_port()
    config = AgentConfig(
        site_id="s",
        config_id="c",
        heartbeat_seconds=0.5,
        devices=[
            DeviceSpec(
                id="fast", site="s", kind="server", address="127.0.0.1", collect={"method": "psutil", "interval": 0.2}
            ),
            DeviceSpec(
                id="hung",
                site="s",
                kind="server",
                address="127.0.0.1",
                collect={
                    "method": "http",
                    "url": f"http://127.0.0.1:{silent.getsockname()[1]}/",
                    "interval": 0.2,
                    "timeout": 8,
                },
            ),
        ],  # fmt: skip
        credentials=[],
    )
    noc = NocStandIn(port, TOKEN, config)

    def reports(device: str) -> list[dict]:
        return [r for r in list(noc.stored.values()) if (r.get("device") or {}).get("device_id") == device]

    async def scenario() -> None:
        stop = asyncio.Event()
        async with httpx.AsyncClient(timeout=5) as client:
            agent = Agent(site="s", noc=f"http://127.0.0.1:{port}", token=TOKEN, state_dir=tmp_path, client=client)
            task = asyncio.create_task(agent.run(stop))
            try:
                for _ in range(300):  # bounded: at most 30 s
                    if len(reports("fast")) >= 8:
                        break
                    await asyncio.sleep(0.1)
            finally:
                stop.set()
                await asyncio.wait_for(task, 20)

    try:
        with running(noc):
            asyncio.run(scenario())
    finally:
        silent.close()
    fast = reports("fast")
    assert len(fast) >= 8
    # the hung device's first cycle was still waiting on its 8 s timeout the whole time the fast one reported
    assert len(reports("hung")) <= 1
    assert all(r["device"]["duration_ms"] > 0 for r in fast)
