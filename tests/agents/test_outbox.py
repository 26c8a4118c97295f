"""The durable outbox: delivery through a NOC that refuses, times out and comes back; rejects; the disk budget."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from agents.outbox import Outbox
from agents.sender import Sender
from tests.agents.noc_standin import NocStandIn
from tests.agents.reports import device_report
from tests.peers import free_port

TOKEN = "test-token-0123456789"


@pytest.fixture
def noc() -> Iterator[NocStandIn]:
    n = NocStandIn(free_port(), TOKEN)
    try:
        yield n
    finally:
        n.stop()


async def _drain(outbox: Outbox, port: int, timeout: float = 0.5) -> Sender:
    async with httpx.AsyncClient(timeout=httpx.Timeout(timeout)) as client:
        sender = Sender(client, f"http://127.0.0.1:{port}", "test-site", TOKEN, outbox, max_backoff=0.3)
        await asyncio.wait_for(sender.drain(), 60)  # bounded: the test fails rather than hangs
        return sender


def test_every_report_arrives_exactly_once_through_down_slow_and_back(tmp_path: Path, noc: NocStandIn) -> None:
    outbox = Outbox(tmp_path / "outbox.db")
    ids = []
    for seq in range(1, 1201):  # three batches of at most 500
        r = device_report(seq)
        outbox.add(r)
        ids.append(r.report_id)

    async def scenario() -> Sender:
        task = asyncio.create_task(_drain(outbox, noc.port))
        await asyncio.sleep(1.0)  # NOC down: connection refused, retried with backoff
        assert outbox.depth == 1200
        noc.slow_seconds, noc.slow_requests = 1.5, 2  # back, but the first two answers come too late
        await asyncio.to_thread(noc.start)
        return await task

    sender = asyncio.run(scenario())
    assert outbox.depth == 0
    assert set(noc.stored) == set(ids)  # nothing lost
    assert len(noc.stored) == 1200  # nothing stored twice
    assert noc.duplicates > 0  # the timed-out batches were resent and recognised as duplicates
    assert sender.last_ok_at is not None


def test_rejected_reports_are_moved_aside_not_resent(tmp_path: Path, noc: NocStandIn) -> None:
    outbox = Outbox(tmp_path / "outbox.db")
    reports = [device_report(i) for i in range(1, 11)]
    for r in reports:
        outbox.add(r)
    noc.reject_ids = {reports[3].report_id, reports[7].report_id}
    noc.start()
    asyncio.run(_drain(outbox, noc.port))
    assert outbox.depth == 0
    assert outbox.rejected_total() == 2
    assert len(noc.stored) == 8
    asyncio.run(_drain(outbox, noc.port))
    assert noc.deliveries[reports[3].report_id] == 1  # never sent again


def test_a_batch_the_noc_cannot_read_does_not_block_the_others(tmp_path: Path, noc: NocStandIn) -> None:
    outbox = Outbox(tmp_path / "outbox.db")
    good = [device_report(i) for i in range(1, 4)]
    for r in good:
        outbox.add(r)
    # a report a newer agent wrote that this NOC cannot parse (an unknown field)
    outbox._db.execute(
        "INSERT INTO outbox (report_id, keep, size, body) VALUES ('bad0000001', 0, 20, ?)",
        (zlib.compress(b'{"report_id": 1}'),),
    )
    outbox._reload()
    noc.start()
    asyncio.run(_drain(outbox, noc.port))
    assert set(noc.stored) == {r.report_id for r in good}
    assert outbox.depth == 0 and outbox.rejected_total() == 1


def test_disk_budget_drops_oldest_raw_first_and_keeps_state_changes(tmp_path: Path) -> None:
    probe = device_report(1)
    size = len(zlib.compress(probe.model_dump_json(exclude_none=True).encode(), 6))
    outbox = Outbox(tmp_path / "outbox.db", budget_bytes=size * 10 + size // 2)  # room for about 10 reports
    changes = [device_report(i, state_change=True) for i in (1, 5, 9)]
    raws = [device_report(i) for i in range(1, 13) if i not in (1, 5, 9)]
    for r in sorted(changes + raws, key=lambda r: r.seq):
        outbox.add(r)
    kept = {rid for rid, _ in outbox.peek(100)}
    assert outbox.depth == 10
    assert outbox.dropped_total() == 2
    assert {c.report_id for c in changes} <= kept  # state changes survive
    oldest_raw = sorted(raws, key=lambda r: r.seq)[:2]
    assert not ({r.report_id for r in oldest_raw} & kept)  # the two oldest raw reports went first
    assert outbox.bytes <= outbox.budget


def test_written_reports_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    a = Outbox(path)
    reports = [device_report(a.next_seq()) for _ in range(5)]
    for r in reports:
        a.add(r)
    a.close()
    b = Outbox(path)
    assert [rid for rid, _ in b.peek(10)] == [r.report_id for r in reports]
    assert b.next_seq() == 6  # the sequence keeps rising across restarts


def test_a_report_the_noc_keeps_failing_on_is_moved_aside_after_a_bounded_number_of_500s(
    tmp_path: Path, noc: NocStandIn
) -> None:
    outbox = Outbox(tmp_path / "outbox.db")
    reports = [device_report(seq) for seq in range(1, 41)]
    for r in reports:
        outbox.add(r)
    poison = reports[0].report_id  # the oldest: every batch starts with it
    noc.crash_ids = {poison}
    noc.start()
    sender = asyncio.run(_drain(outbox, noc.port))
    assert outbox.depth == 0, "the outbox was wedged behind the report the NOC fails on"
    assert set(noc.stored) == {r.report_id for r in reports} - {poison}  # everything else arrived
    assert sender.poisoned == 1 and "failed on this report 5 times" in outbox.rejected_reasons()[poison]
    assert noc.batches < 40  # bounded: a few isolating attempts, not one per report forever
