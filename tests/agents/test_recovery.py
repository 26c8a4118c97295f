"""After the agent<->NOC link returns the agent sends within seconds: the back-off toward an unreachable NOC is
capped, and a new report cuts the pause short. Through the real `ccis agent` process and the NOC stand-in
(refusing while stopped). The restore -> first accepted batch time itself is measured by
bench/bench_agent_recovery.py; here the agent's own planned pauses are checked, never the wall clock."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx

from agents.outbox import Outbox
from agents.sender import Sender
from tests.agents.noc_standin import NocStandIn
from tests.agents.reports import device_report
from tests.agents.test_agent_process import TOKEN, agent_factory, make_config  # noqa: F401
from tests.peers import free_port
from tests.support import wait_for

CAP_SECONDS = 5.0


def scrape(port: int) -> dict[str, float]:
    """The agent's send metrics from its /metrics."""
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    found = re.findall(r"^(ccis_agent_send_(?:retry_seconds|attempts_total)) (\S+)$", text, re.M)
    return {name: float(value) for name, value in found}


def test_back_off_toward_an_unreachable_noc_stays_under_five_seconds(tmp_path: Path, agent_factory) -> None:  # noqa: F811
    port, metrics_port = free_port(), free_port()
    noc = NocStandIn(port, TOKEN, make_config(port))
    state = tmp_path / "state"
    noc.start()
    try:
        agent_factory(port, state, "--metrics-port", str(metrics_port))
        wait_for("first reports at the NOC", lambda: len(noc.stored) >= 5)
        noc.stop()  # the NOC goes away: connections are refused
        pauses: list[float] = []
        attempts: list[float] = []

        def long_enough() -> bool:
            m = scrape(metrics_port)
            pauses.append(m["ccis_agent_send_retry_seconds"])
            attempts.append(m["ccis_agent_send_attempts_total"])
            # an uncapped exponential back-off (0.5, 1, 2, 4, 8, 16 s ...) is past 5 s after its fifth failure
            return attempts[-1] - attempts[0] >= 8

        wait_for("eight failed sends while the NOC is away", long_enough, timeout=120)
        assert max(pauses) <= CAP_SECONDS, pauses
        assert max(pauses) > 0, "the agent never planned a retry"
        before = len(noc.stored)
        noc.start()  # the link returns
        wait_for("a batch accepted after the restore", lambda: len(noc.stored) > before, timeout=60)
        wait_for("the sender out of back-off", lambda: scrape(metrics_port)["ccis_agent_send_retry_seconds"] == 0)
    finally:
        noc.stop()


def test_a_new_report_cuts_the_pause_short(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.db")
    outbox.add(device_report(1))
    port = free_port()  # nothing listens: every send is refused

    async def scenario() -> tuple[int, float]:
        async with httpx.AsyncClient(timeout=2) as client:
            # a first pause of 40 s or more: only the new report can explain a quick second attempt
            sender = Sender(
                client, f"http://127.0.0.1:{port}", "test-site", TOKEN, outbox, first_backoff=40, probe_backoff=60
            )
            task = asyncio.create_task(sender.drain())
            try:
                for _ in range(400):  # bounded (20 s): the first attempt fails, then the pause begins
                    if sender.retry_in > 0:
                        break
                    await asyncio.sleep(0.05)
                planned, tried = sender.retry_in, sender.attempts
                await asyncio.to_thread(outbox.add, device_report(2))
                sender.wake.set()
                for _ in range(400):  # bounded (20 s), well under the planned pause
                    if sender.attempts > tried:
                        break
                    await asyncio.sleep(0.05)
                return sender.attempts - tried, planned
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)

    extra, planned = asyncio.run(scenario())
    outbox.close()
    assert planned >= 40, planned
    assert extra >= 1, "the new report did not cut the pause short"
