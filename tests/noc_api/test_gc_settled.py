"""A started `ccis serve` keeps the garbage collector off its start-up heap (noc_api.system.memory.settle_heap):
what start-up made is frozen out of the collector's passes, and a stream of ingest batches does not set off a
pass per batch. Before, every batch of 500 readings set off one or two passes of the youngest generation, and
about one in eighty a full pass over the whole heap (150 ms on this kind of machine)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from noc_api.accounts.service import issue_site_token
from noc_api.db.engine import make_engine, make_session_factory
from noc_api.db.migrate import upgrade
from noc_api.inventory import load_inventory
from noc_api.inventory.sync import sync_inventory
from tests.noc_api.reporter import batch, device_report
from tests.support import ccis_serve

SITE = "town-orangi"
BATCHES = 200


def _metric(text: str, name: str, labels: str = "") -> float:
    found = re.search(rf"^{name}{re.escape(labels)} (\S+)$", text, re.M)
    assert found, f"{name}{labels} missing from /metrics"
    return float(found.group(1))


def test_start_up_heap_is_frozen_and_batches_do_not_set_off_passes(tmp_path: Path, inventory_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'ccis.db'}"
    engine = make_engine(db_url)
    upgrade(engine)
    inventory = load_inventory(inventory_path)
    with make_session_factory(engine).begin() as s:
        sync_inventory(s, inventory)
        token = issue_site_token(s, SITE)
    engine.dispose()
    devices = [d.id for site in inventory.sites if site.id == SITE for d in site.devices]
    assert devices, f"{SITE} has devices in the shipped inventory"
    readings = [
        {"metric": "if_in_bits_per_second", "value": float(i), "unit": "bits/s", "labels": {"interface": f"eth{i}"}}
        for i in range(50)
    ]
    env = {
        "CCIS_DATABASE_URL": db_url,
        "CCIS_INVENTORY": str(inventory_path),
        "CCIS_STATE_DIR": str(tmp_path / "var"),
        "CCIS_RUN_SCHEDULER": "false",  # only the batches allocate while we count
    }
    with ccis_serve(env, tmp_path / "serve.log") as url, httpx.Client(base_url=url, timeout=60) as http:
        before = http.get("/metrics").text
        assert _metric(before, "ccis_gc_frozen_objects") > 100_000, "start-up's heap is frozen"
        young = _metric(before, "python_gc_collections_total", '{generation="0"}')
        full = _metric(before, "python_gc_collections_total", '{generation="2"}')
        auth = {"Authorization": f"Bearer {token}"}
        for _ in range(BATCHES):
            reports = [device_report(SITE, devices[i % len(devices)], readings=readings) for i in range(10)]
            r = http.post("/api/v1/ingest", json=batch(SITE, reports), headers=auth)
            assert r.status_code == 200, r.text
            assert {x["status"] for x in r.json()["results"]} == {"accepted"}
        after = http.get("/metrics").text
    passes = _metric(after, "python_gc_collections_total", '{generation="0"}') - young
    assert passes < BATCHES / 2, f"{passes:.0f} passes of the youngest generation for {BATCHES} batches"
    assert _metric(after, "python_gc_collections_total", '{generation="2"}') - full <= 1
