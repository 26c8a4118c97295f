"""Against a real `ccis serve`: one bad report in a batch is refused on its own (the rest is stored), NaN and
infinite readings are refused, and a report id is scoped by site (one site cannot block another's report)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx

from noc_api.accounts.service import issue_site_token
from noc_api.db.engine import make_engine, make_session_factory
from noc_api.db.migrate import upgrade
from noc_api.inventory import load_inventory
from noc_api.inventory.sync import sync_inventory
from tests.noc_api.reporter import batch, device_report
from tests.support import ccis_serve


def test_bad_reports_are_refused_one_by_one_and_ids_are_per_site(
    db_url: str, inventory_path: Path, tmp_path: Path
) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    with make_session_factory(engine).begin() as s:
        sync_inventory(s, load_inventory(inventory_path))
        orangi, lyari = issue_site_token(s, "town-orangi"), issue_site_token(s, "town-lyari")
    engine.dispose()
    env = {"CCIS_DATABASE_URL": db_url, "CCIS_INVENTORY": str(inventory_path), "CCIS_STATE_DIR": str(tmp_path)}
    with ccis_serve(env, tmp_path / "serve.log") as url:

        def post(token: str, body: dict | str) -> httpx.Response:
            text = body if isinstance(body, str) else json.dumps(body)
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            return httpx.post(f"{url}/api/v1/ingest", content=text, headers=headers, timeout=60)

        good = device_report("town-orangi", "town-orangi-ups", readings=[{"metric": "ups_on_battery", "value": 0}])
        odd = device_report("town-orangi", "town-orangi-sw", readings=[{"metric": "if_oper_up", "value": 1}])
        odd["surprise"] = True  # a field the wire does not know
        nan = device_report("town-orangi", "town-orangi-sw", readings=[{"metric": "if_oper_up", "value": 1.5}])
        # Only the reading's value becomes NaN: a bare "1.5" also turns up inside timestamps ("…:21.5…").
        text = json.dumps(batch("town-orangi", [good, odd, nan]))
        assert text.count('"value": 1.5') == 1
        text = text.replace('"value": 1.5', '"value": NaN')
        r = post(orangi, text)
        assert r.status_code == 200, r.text
        by_id = {x["report_id"]: x for x in r.json()["results"]}
        assert by_id[good["report_id"]]["status"] == "accepted"
        assert by_id[odd["report_id"]]["status"] == "rejected" and "surprise" in by_id[odd["report_id"]]["reason"]
        assert by_id[nan["report_id"]]["status"] == "rejected" and "value" in by_id[nan["report_id"]]["reason"]

        shared = uuid.uuid4().hex
        mine = {**device_report("town-orangi", "town-orangi-ups"), "report_id": shared}
        theirs = {**device_report("town-lyari", "town-lyari-ups"), "report_id": shared}
        assert post(orangi, batch("town-orangi", [mine])).json()["results"][0]["status"] == "accepted"
        assert post(lyari, batch("town-lyari", [theirs])).json()["results"][0]["status"] == "accepted"
        assert post(lyari, batch("town-lyari", [theirs])).json()["results"][0]["status"] == "duplicate"
