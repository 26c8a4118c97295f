"""Conformance with an independent Open311 client: the `georeport` library from PyPI (GETs, JSON and XML) and a
form-encoded POST as the spec's example sends it, against a real `ccis serve`, with a key from `ccis open311`."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx
from georeport import GeoReport

from tests.complaints import open311_shapes as shape
from tests.support import CCIS, ROOT, ccis_serve

JURISDICTION = "karachi.gov.pk"


def _ccis(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CCIS, *args], env={**os.environ, **env}, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def _as_list(x: object) -> list:
    """xmltodict gives one item as a dict and several as a list: a client's quirk, not ours."""
    return x if isinstance(x, list) else [x]


def test_georeport_client_and_spec_post_against_ccis_serve(db_url: str, inventory_path: Path, tmp_path: Path) -> None:
    env = {
        "CCIS_DATABASE_URL": db_url,
        "CCIS_INVENTORY": str(inventory_path),
        "CCIS_SECRET_KEY": "c" * 32,
        "CCIS_ATTACHMENTS_DIR": str(tmp_path / "att"),
        "CCIS_RUN_SCHEDULER": "false",
        "CCIS_OPEN311_JURISDICTION_ID": JURISDICTION,
    }
    issued = _ccis(env, "open311", "issue-key", "--client", "fixmystreet-pk")
    assert issued.returncode == 0, issued.stderr
    key = issued.stdout.strip()
    assert key.startswith("o311_") and "shown once" in issued.stderr
    with ccis_serve(env, log=tmp_path / "serve.log") as url:
        endpoint = f"{url}/open311/v2"
        discovered = httpx.get(f"{endpoint}/discovery.json").json()
        assert discovered["endpoints"][0]["url"].endswith("/open311/v2")  # on CCIS_PUBLIC_BASE_URL
        # POST exactly as the spec's example request: form-encoded, attributes as attribute[code]=value.
        body = (
            f"api_key={key}&jurisdiction_id={JURISDICTION}&service_code=garbage-burning&lat=24.9551&long=67.0003"
            "&address_string=1234+5th+street&email=smit333%40sfgov.edu&device_id=tt222111&account_id=123456"
            "&first_name=john&last_name=smith&phone=111111111&description=A+large+fire+of+rubbish"
            "&media_url=http%3A%2F%2Ffarm3.static.flickr.com%2F2002%2F2212426634_5ed477a060.jpg"
            "&attribute[ward]=Orangi+UC-1&attribute[town]=orangi"
        )
        headers = {"content-type": "application/x-www-form-urlencoded; charset=utf-8"}
        r = httpx.post(f"{endpoint}/requests.xml", content=body, headers=headers)
        assert r.status_code == 200, r.text
        (made,) = shape.xml_items(r.content, "service_requests", "request", shape.CREATED)
        rid = made["service_request_id"]
        r = httpx.post(f"{endpoint}/requests.json", content=body.replace("garbage-burning", "drains"), headers=headers)
        assert r.status_code == 200, r.text
        drains = r.json()[0]["service_request_id"]

        for fmt in ("json", "xml"):
            client = GeoReport(endpoint, jurisdiction=JURISDICTION, api_key=key, output_format=fmt)
            services = _as_list(client.get_service_list())
            assert {"garbage-burning", "drains", "water-leakage"} <= {s["service_code"] for s in services}
            assert all(list(s) == shape.SERVICE for s in services)
            definition = client.get_service_definition("garbage-burning")
            attrs = _as_list(definition["attributes"] if fmt == "json" else definition["attributes"]["attribute"])
            assert [a["code"] for a in attrs] == ["promise", "town", "ward"]
            found = _as_list(client.get_service_requests(service_request_id=f"{rid},{drains}"))
            assert {x["service_request_id"] for x in found} == {rid, drains}
            assert all(list(x) == shape.REQUEST for x in found)
            burning = _as_list(client.get_service_requests(service_code="garbage-burning", status="open"))
            assert [x["service_request_id"] for x in burning] == [rid]
            one = client.get_service_request(rid)
            assert one["status"] == "open" and one["service_name"] == "Garbage burning"
            assert one["address"] == "Orangi UC-1, Orangi, Karachi" and str(one["lat"]) == "24.955"
            assert shape.W3C.match(one["expected_datetime"]) and one["expected_datetime"].endswith("+05:00")
            assert "smith" not in str(one) and "111111111" not in str(one)

        # The key is revoked one by one from the command line; the next POST is refused with the spec's 403.
        listed = _ccis(env, "open311", "list-keys")
        key_id = listed.stdout.split("\t")[0]
        assert "fixmystreet-pk" in listed.stdout and "active" in listed.stdout and key not in listed.stdout
        assert _ccis(env, "open311", "revoke-key", key_id).returncode == 0
        r = httpx.post(f"{endpoint}/requests.json", content=body, headers=headers)
        assert r.status_code == 403 and r.json()[0]["code"] == 403
        assert "revoked" in _ccis(env, "open311", "list-keys").stdout
