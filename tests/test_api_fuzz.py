"""Schemathesis against a real `ccis serve`: generated requests for every documented operation, as a logged-in
administrator (who may reach every route) and anonymously; no answer may be a 5xx, and every documented answer
must match its schema. Bounded: a few examples per operation, no shrinking."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from noc_api.accounts.service import add_user
from noc_api.db.engine import make_engine, make_session_factory
from noc_api.db.migrate import upgrade
from noc_api.inventory import load_inventory
from noc_api.inventory.sync import sync_inventory
from tests.support import ccis_serve

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "fuzzing password 1"
# Routes whose answers are streams or binary files: fuzzed for 5xx only (no JSON body to validate).
STREAMS = {"/api/v1/events", "/api/v1/events/complaints"}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A real server with an administrator; (base URL, bearer token)."""
    tmp = tmp_path_factory.mktemp("fuzz")
    yield from _serve(_database(request, tmp), tmp)


@pytest.fixture
def untouched(db_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """As ``live``, but a server of its own: the fuzzer, as administrator, may have logged its session out."""
    yield from _serve(db_url, tmp_path)


def _serve(url: str, tmp: Path) -> Iterator[tuple[str, str]]:
    engine = make_engine(url)
    upgrade(engine)
    with make_session_factory(engine).begin() as s:
        sync_inventory(s, load_inventory(ROOT / "inventory.yaml"))
        add_user(s, username="fuzz.admin", password=PASSWORD, role="administrator")
    engine.dispose()
    env = {
        "CCIS_DATABASE_URL": url,
        "CCIS_INVENTORY": str(ROOT / "inventory.yaml"),
        "CCIS_STATE_DIR": str(tmp / "var"),
        "CCIS_ATTACHMENTS_DIR": str(tmp / "attachments"),
        "CCIS_RUN_SCHEDULER": "false",
        "CCIS_COMPLAINT_STREAM_SECONDS": "2",  # a stream's answer ends soon enough to be checked
    }
    with ccis_serve(env, tmp / "serve.log", args=("--log-level", "warning")) as base:
        login = httpx.post(
            f"{base}/api/v1/auth/login", json={"username": "fuzz.admin", "password": PASSWORD}, timeout=120
        )
        yield base, login.json()["access_token"]


def _database(request: pytest.FixtureRequest, tmp: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp / 'ccis.db'}"
    return request.getfixturevalue("module_postgres")


def test_no_input_gives_a_server_error(live: tuple[str, str]) -> None:
    base, token = live
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        checks = [not_a_server_error]
        if operation.path not in STREAMS:
            checks.append(response_schema_conformance)

        @given(case=operation.as_strategy())
        @settings(
            max_examples=4,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def probe(case) -> None:
            for headers in ({"Authorization": f"Bearer {token}"}, {}):
                response = case.call(base_url=base, headers=headers, timeout=30)
                case.validate_response(response, checks=checks)  # noqa: B023 (called before the loop moves on)

        try:
            probe()
        except Exception as exc:  # collect every operation's failure, then report them together
            failures.append(f"{operation.label}: {str(exc).strip()[:1500]}")
    assert operations > 40, f"only {operations} operations in the OpenAPI document"
    assert not failures, "\n\n".join(failures)


# The extremes an independent probe found giving 500s: every integer, date and string parameter of every operation
# is tried at them (generated from the OpenAPI document, so a new route is covered the day it lands).
HUGE_INTS = ("9223372036854775808", "-9223372036854775809", "2147483648", "18446744073709551616")
FAR_DATES = ("9999-12-31", "0001-01-01")
FAR_TIMES = ("9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00-14:00")


def _extremes(schema: dict) -> tuple[str, ...]:
    kinds = [schema, *schema.get("anyOf", [])]
    if any(k.get("type") == "integer" for k in kinds):
        return HUGE_INTS
    if any(k.get("format") == "date" for k in kinds):
        return FAR_DATES
    if any(k.get("format") == "date-time" for k in kinds):
        return FAR_TIMES
    if any(k.get("type") == "string" for k in kinds):
        return ("x" * 10_000, "%00", "\u202e\U0001f600" * 50)
    return ()


def test_extreme_parameters_get_a_clear_4xx(live: tuple[str, str]) -> None:
    base, token = live
    spec = httpx.get(f"{base}/openapi.json").json()
    auth = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    tried = 0
    with httpx.Client(base_url=base, headers=auth, timeout=60) as client:
        for path, ops in spec["paths"].items():
            for method, op in ops.items():
                if method != "get" or path in STREAMS:
                    continue  # bodies are fuzzed above; a GET's parameters are all here
                params = op.get("parameters", [])
                for p in params:
                    for value in _extremes(p.get("schema", {})):
                        url, query = path, {}
                        for other in params:  # the other path parameters get a plain value
                            if other["in"] == "path":
                                url = url.replace("{" + other["name"] + "}", value if other is p else "1")
                        if p["in"] == "query":
                            query[p["name"]] = value
                        elif p["in"] != "path":
                            continue
                        tried += 1
                        try:
                            r = client.get(url.replace("{fmt}", "json"), params=query)
                        except httpx.HTTPError as exc:  # the server hung up: as bad as a 500
                            failures.append(f"GET {url} {str(query)[:80]} -> {exc!r}")
                            continue
                        spec_errors = path.startswith("/open311/")  # the spec's error document, XML or JSON
                        if r.status_code >= 500 or not (spec_errors or "json" in r.headers.get("content-type", "")):
                            failures.append(f"GET {url} {query or ''} -> {r.status_code}: {r.text[:200]}")
    assert tried > 50
    assert not failures, "\n".join(failures)


def _deep(n: int) -> dict:
    node: dict = {"leaf": 1}
    for _ in range(n):
        node = {"n": node}
    return node


def test_bodies_too_big_too_deep_or_not_finite_get_a_clear_4xx(untouched: tuple[str, str]) -> None:
    base, token = untouched
    auth = {"Authorization": f"Bearer {token}"}
    complaint = {"channel": "web", "category": "garbage", "town": "orangi", "description": "Garbage not lifted",
                 "citizen_name": "Ayesha Khan", "phone": "0300 1234567"}  # fmt: skip
    # Each probe is a valid complaint but for one field, so the answer is about that field.
    ok = httpx.post(f"{base}/api/v1/complaints", json=complaint, headers=auth, timeout=60)
    assert ok.status_code == 201, ok.text
    refused = {
        "citizen_name": {"citizen_name": "N" * 100_000},
        "address": {"address": "A" * 301},
        "ward": {"ward": "W" * 101},
        "email": {"email": "e" * 200 + "@example.pk"},
        "channel_data": {"channel_data": _deep(900)},
    }
    for field, change in refused.items():
        r = httpx.post(f"{base}/api/v1/complaints", json={**complaint, **change}, headers=auth, timeout=60)
        assert r.status_code == 422 and field in r.text, f"a bad {field}: {r.status_code} {r.text[:300]}"
        if field != "channel_data":  # the public form takes no channel_data at all
            public = {k: v for k, v in {**complaint, **change}.items() if k != "channel"}
            r = httpx.post(f"{base}/api/v1/public/complaints", json=public, timeout=60)
            assert r.status_code == 422 and field in r.text, f"public, a bad {field}: {r.status_code} {r.text[:300]}"
    probes = [
        ("/api/v1/users", {"username": "u" * 100_000, "password": "a long password 1", "role": "noc"}),
        ("/api/v1/alerts/2147483648/ack", {"comment": "x"}),
        ("/api/v1/alerts/9223372036854775808/ack", {"comment": "x"}),
    ]
    for path, body in probes:
        r = httpx.post(f"{base}{path}", json=body, headers=auth, timeout=60)
        assert 400 <= r.status_code < 500 and r.headers["content-type"].startswith("application/json"), (
            f"POST {path}: {r.status_code} {r.text[:300]}"
        )
    # Not-finite readings are not JSON: a report carrying NaN or Infinity is refused on its own (with the site's
    # own token, so it is the value that is refused, not the caller), never stored.
    issued = httpx.post(f"{base}/api/v1/site-tokens", json={"site_id": "dc-civic"}, headers=auth, timeout=60)
    assert issued.status_code == 201, issued.text
    agent = {"Authorization": f"Bearer {issued.json()['token']}", "content-type": "application/json"}
    now = "2026-12-01T10:00:00+00:00"
    for n, word in enumerate(("NaN", "Infinity", "-Infinity")):
        report = {"report_id": f"odd-{n}", "site_id": "dc-civic", "kind": "device", "made_at": now, "seq": n,
                  "device": {"device_id": "dc-core-sw", "status": "up", "collected_at": now,
                             "readings": [{"metric": "host_cpu_ratio", "value": 12345.5}]}}  # fmt: skip
        text = json.dumps({"site_id": "dc-civic", "agent_clock": now, "reports": [report]}).replace("12345.5", word)
        r = httpx.post(f"{base}/api/v1/ingest", content=text.encode(), headers=agent, timeout=60)
        assert r.status_code == 200, (word, r.text)
        [result] = r.json()["results"]
        assert result["status"] == "rejected" and "value" in result["reason"], (word, result)
