"""Open311 GeoReport v2 in the app, on both databases: every endpoint in JSON and XML against the spec's shapes,
every error path in the spec's error form, the filters and window, what is published, keys and batch tokens."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from complaint_core.roles import Actor, Role
from complaint_core.services.registration import register_complaint
from noc_api.complaints.directory import load_directory
from noc_api.complaints.partner_keys import issue_key, revoke_key
from tests.complaints import open311_shapes as shape
from tests.complaints.conftest import Env, complaint_body, make_env

V2 = "/open311/v2"
FORM = {
    "service_code": "garbage",
    "lat": "24.95512",
    "long": "67.00049",
    "first_name": "John",
    "last_name": "Smith",
    "phone": "111111111",  # the spec's own example: not a number the city can text
    "email": "smit333@sfgov.edu",
    "device_id": "tt222111",
    "account_id": "123456",
    "description": "A large heap of garbage; call me on 0300-1234567 or mail ayesha@example.pk",
    "media_url": "http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg",
}


def _key(env: Env, client: str = "city-app", rate: str | None = None) -> tuple[int, str]:
    with env.sessions().begin() as s:
        row, key = issue_key(s, client=client, rate=rate, now=datetime.now(UTC))
        return row.id, key


@pytest.fixture
def o311(db_url: str, inventory_path: Path, tmp_path: Path) -> Iterator[Env]:
    yield from make_env(db_url, inventory_path, tmp_path, run_scheduler=False)


def test_discovery_services_and_definitions_in_both_formats(o311: Env) -> None:
    c = o311.client
    for path in (f"{V2}/discovery.json", "/open311/discovery.json"):
        r = c.get(path)
        assert r.status_code == 200 and r.headers["content-type"] == "application/json; charset=utf-8"
        shape.check_discovery(r.json())
        assert r.json()["endpoints"][0]["url"].endswith("/open311/v2")
    node = shape.xml_root(c.get(f"{V2}/discovery.xml").content, "discovery")
    assert [e.tag for e in node] == shape.DISCOVERY
    assert [f.text for f in node.find("endpoints/endpoint/formats")] == ["text/xml", "application/json"]

    services = c.get(f"{V2}/services.json").json()
    for s in services:
        shape.check_service(s)
    codes = {s["service_code"] for s in services}
    assert {"garbage", "garbage-burning", "water-leakage"} <= codes and not any(x.startswith("noc-") for x in codes)
    burning = next(s for s in services if s["service_code"] == "garbage-burning")
    assert burning["group"] == "Garbage collection" and "Solid Waste" in burning["keywords"]
    r = c.get(f"{V2}/services.xml")
    assert r.headers["content-type"] == "text/xml; charset=utf-8"
    xml = shape.xml_items(r.content, "services", "service", shape.SERVICE)
    assert [x["service_code"] for x in xml] == [s["service_code"] for s in services]
    assert {x["metadata"] for x in xml} == {"true"}

    d = c.get(f"{V2}/services/garbage.json").json()
    shape.check_definition(d)
    by_code = {a["code"]: a for a in d["attributes"]}
    assert by_code["promise"]["variable"] is False and "24 hours" in by_code["promise"]["description"]
    assert {"key": "orangi", "name": "Orangi"} in by_code["town"]["values"]
    assert {"key": "Orangi UC-1", "name": "Orangi UC-1"} in by_code["ward"]["values"]
    node = shape.xml_root(c.get(f"{V2}/services/garbage.xml").content, "service_definition")
    assert node.findtext("service_code") == "garbage"
    attrs = node.findall("attributes/attribute")
    assert [a.findtext("code") for a in attrs] == ["promise", "town", "ward"]
    assert attrs[1].find("values/value/key") is not None and attrs[0].find("values") is None


def test_post_then_read_back_in_json_and_xml_publishing_only_public_data(o311: Env) -> None:
    c = o311.client
    _, key = _key(o311)
    r = c.post(f"{V2}/requests.json", data={**FORM, "api_key": key, "attribute[ward]": "Orangi UC-2"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json; charset=utf-8", r.text
    (made,) = r.json()
    assert list(made) == shape.CREATED and made["account_id"] == "123456"
    rid = made["service_request_id"]
    assert rid.startswith("KHI-") and "/track/" + rid in made["service_notice"]

    r = c.post(f"{V2}/requests.xml", data={**FORM, "api_key": key, "lat": "", "long": "", "address_string": "St 4"})
    (xml_made,) = shape.xml_items(r.content, "service_requests", "request", shape.CREATED)
    assert xml_made["service_request_id"].startswith("KHI-") and xml_made["account_id"] == "123456"

    (one,) = c.get(f"{V2}/requests/{rid}.json").json()
    shape.check_request(one)
    assert one["status"] == "open" and one["service_code"] == "garbage" and one["service_name"] == "Garbage collection"
    assert one["agency_responsible"] == "Solid Waste Management, Orangi"
    assert one["address"] == "Orangi UC-2, Orangi, Karachi"
    assert (one["lat"], one["long"]) == (24.955, 67.0)  # rounded: about 100 m
    assert one["requested_datetime"].endswith("+05:00") and one["media_url"] == FORM["media_url"]
    text = str(one)
    for private in ("John", "Smith", "111111111", "smit333", "0300-1234567", "ayesha@example.pk", "tt222111"):
        assert private not in text, private
    assert "[number removed]" in one["description"] and "[address removed]" in one["description"]
    (xml_one,) = shape.xml_items(
        c.get(f"{V2}/requests/{rid}.xml").content, "service_requests", "request", shape.REQUEST
    )
    assert xml_one["service_request_id"] == rid and xml_one["lat"] == "24.955" and xml_one["zipcode"] == ""

    # The free-text phone is stored as given; no SMS is queued for a number the city cannot text.
    detail = c.get(f"/api/v1/complaints/{rid}", headers=o311.h("admin")).json()
    assert detail["phone"] is None and detail["channel_data"]["phone_given"] == "111111111"
    assert detail["citizen_name"] == "John Smith" and detail["channel_data"]["open311_client"] == "city-app"
    # A Pakistani number is the citizen's phone: it gets the registration SMS and works for tracking.
    r = c.post(f"{V2}/requests.json", data={**FORM, "api_key": key, "phone": "0300 7654321"})
    pk = c.get(f"/api/v1/complaints/{r.json()[0]['service_request_id']}", headers=o311.h("admin")).json()
    assert pk["phone"] == "+923007654321"


def _register_at(env: Env, when: datetime, **over) -> str:
    rt = env.app.state.runtime
    with rt.sessions.begin() as s:
        return register_complaint(
            s,
            data=complaint_body(**over),
            actor=Actor("staff", "agent", Role.CALL_CENTRE_AGENT),
            directory=load_directory(s, "KHI"),
            now=when,
            config=rt.desk.config,
        ).tracking_number


def test_get_requests_filters_window_and_paging(o311: Env) -> None:
    c = o311.client
    now = datetime.now(UTC).replace(microsecond=0)
    old = _register_at(o311, now - timedelta(days=120))
    recent = [_register_at(o311, now - timedelta(days=d), phone=f"0300 12345{d:02d}") for d in (1, 2, 3)]
    water = _register_at(o311, now - timedelta(hours=5), category="water-leakage", phone="0300 1112223")
    o311.ok("admin", recent[0], "reject", reason="duplicate", duplicate_of=recent[1])

    ids = [x["service_request_id"] for x in c.get(f"{V2}/requests.json").json()]
    assert ids == [water, *recent] and old not in ids  # newest first, the last 90 days by default
    got = c.get(f"{V2}/requests.json", params={"service_request_id": f"{old}, {water}", "status": "closed"}).json()
    assert {x["service_request_id"] for x in got} == {old, water}  # ids override every other argument
    assert [x["service_request_id"] for x in c.get(f"{V2}/requests.json", params={"status": "closed"}).json()] == [
        recent[0]
    ]
    closed = c.get(f"{V2}/requests/{recent[0]}.json").json()[0]
    assert closed["status"] == "closed" and recent[1] in closed["status_notes"]
    both = c.get(f"{V2}/requests.json", params={"status": "open,closed"}).json()
    assert len(both) == 4
    assert [
        x["service_request_id"] for x in c.get(f"{V2}/requests.json", params={"service_code": "water-leakage"}).json()
    ] == [water]
    two = c.get(f"{V2}/requests.json", params={"service_code": "garbage,water-leakage", "page_size": "2", "page": "2"})
    assert [x["service_request_id"] for x in two.json()] == recent[1:]
    window = {
        "start_date": (now - timedelta(days=130)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end_date": (now - timedelta(days=100)).isoformat(),
    }
    assert [x["service_request_id"] for x in c.get(f"{V2}/requests.json", params=window).json()] == [old]
    xml = shape.xml_items(
        c.get(f"{V2}/requests.xml", params={"status": "open"}).content, "service_requests", "request", shape.REQUEST
    )
    assert [x["service_request_id"] for x in xml] == [water, *recent[1:]]
    # A "+" left unencoded in the query string arrives as a space; it is read back as the offset it was.
    plus = (now - timedelta(days=2, hours=1)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    r = c.get(f"{V2}/requests.json?start_date={plus}")
    assert r.status_code == 200 and [x["service_request_id"] for x in r.json()] == [water, *recent[:2]]


ERRORS = [
    # (method, path, params or form, status, words in the description)
    ("GET", "/services/teleport", {}, 404, "service_code teleport not found"),
    ("GET", "/requests/KHI-1999-0000001", {}, 404, "not found"),
    ("GET", "/tokens/nope", {}, 404, "token nope not found"),
    ("GET", "/requests", {"start_date": "yesterday"}, 400, "w3c datetime"),
    ("GET", "/requests", {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, 400, "90 days"),
    ("GET", "/requests", {"start_date": "2026-03-01T00:00:00Z", "end_date": "2026-02-01T00:00:00Z"}, 400, "after"),
    ("GET", "/requests", {"status": "pending"}, 400, "status must be open or closed"),
    ("GET", "/requests", {"end_date": "0001-01-02T00:00:00Z"}, 400, "within years 1 to 9999"),
    ("GET", "/requests", {"service_code": "teleport"}, 404, "service_code teleport not found"),
    ("GET", "/requests", {"page_size": "5000"}, 400, "page_size"),
    ("GET", "/services", {"jurisdiction_id": "lahore.gov.pk"}, 404, "jurisdiction_id lahore.gov.pk not found"),
    ("GET", "/nothing-here", {}, 404, "not a GeoReport v2 resource"),
    ("PUT", "/services", {}, 400, "PUT is not allowed"),
    ("POST", "/requests", {"service_code": "garbage", "lat": "1", "long": "2"}, 403, "api_key is missing"),
    ("POST", "/requests", {"api_key": "o311_forged", "service_code": "garbage"}, 403, "invalid or revoked"),
    ("POST", "/requests", {"api_key": "KEY", "lat": "24.9", "long": "67"}, 400, "service_code was not provided"),
    ("POST", "/requests", {"api_key": "KEY", "service_code": "teleport", "lat": "1", "long": "2"}, 404, "teleport"),
    ("POST", "/requests", {"api_key": "KEY", "service_code": "noc-power", "lat": "1", "long": "2"}, 404, "noc-power"),
    ("POST", "/requests", {"api_key": "KEY", "service_code": "garbage"}, 400, "a location is required"),
    ("POST", "/requests", {"api_key": "KEY", "service_code": "garbage", "lat": "24.9"}, 400, "must both be sent"),
    ("POST", "/requests", {"api_key": "KEY", "service_code": "garbage", "lat": "91", "long": "0"}, 400, "within"),
    ("POST", "/requests", {"api_key": "KEY", "service_code": "garbage", "lat": "x", "long": "y"}, 400, "numbers"),
    (
        "POST",
        "/requests",
        {"api_key": "KEY", "service_code": "garbage", "address_string": "x", "attribute[town]": "atlantis"},
        400,
        "attribute[town]: atlantis is not one of its values",
    ),
    (
        "POST",
        "/requests",
        {"api_key": "KEY", "service_code": "garbage", "address_id": "7", "description": "x" * 4001},
        400,
        "longer than 4000",
    ),
    (
        "POST",
        "/requests",
        {"api_key": "KEY", "service_code": "garbage", "address_id": "7", "media_url": "javascript:alert(1)"},
        400,
        "media_url",
    ),
    (
        "POST",
        "/requests",
        {"api_key": "KEY", "service_code": "garbage", "address_id": "7", "jurisdiction_id": "lahore.gov.pk"},
        404,
        "jurisdiction_id",
    ),
]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_every_error_is_the_spec_error_array(db_url: str, inventory_path: Path, tmp_path: Path, fmt: str) -> None:
    for env in make_env(db_url, inventory_path, tmp_path, run_scheduler=False, open311_jurisdiction_id="kmc.gov.pk"):
        _, key = _key(env)
        for method, path, args, status, words in ERRORS:
            url = f"{V2}{path}.{fmt}"
            args = {k: (key if v == "KEY" else v) for k, v in args.items()}
            sent = {"data": args} if method == "POST" else {"params": args}
            r = env.client.request(method, url, **sent)
            assert r.status_code == status, (method, path, r.text)
            if fmt == "json":
                assert r.headers["content-type"] == "application/json; charset=utf-8"
                shape.check_errors(r.json(), status)
                described = " ".join(e["description"] for e in r.json())
            else:
                assert r.headers["content-type"] == "text/xml; charset=utf-8"
                described = " ".join(shape.xml_errors(r.content, status))
            assert words in described, (path, described)
        # An unknown format is answered in XML, the format every GeoReport client reads.
        r = env.client.get(f"{V2}/services.csv")
        assert r.status_code == 404 and "use .xml or .json" in " ".join(shape.xml_errors(r.content, 404))
        # Our own jurisdiction_id is accepted.
        assert env.client.get(f"{V2}/services.{fmt}", params={"jurisdiction_id": "kmc.gov.pk"}).status_code == 200


def test_keys_revoked_one_by_one_and_rate_limited_each(o311: Env) -> None:
    c = o311.client
    first_id, first = _key(o311, "app-one", rate="3/minute")
    _, second = _key(o311, "app-two")
    form = {**FORM, "service_code": "drains"}
    assert [c.post(f"{V2}/requests.json", data={**form, "api_key": first}).status_code for _ in range(3)] == [200] * 3
    r = c.post(f"{V2}/requests.json", data={**form, "api_key": first})
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1 and "3/minute" in r.json()[0]["description"]
    assert c.post(f"{V2}/requests.json", data={**form, "api_key": second}).status_code == 200  # its own budget
    with o311.sessions().begin() as s:
        revoke_key(s, key_id=first_id, now=datetime.now(UTC))
    r = c.post(f"{V2}/requests.xml", data={**form, "api_key": first})
    assert r.status_code == 403 and "revoked" in shape.xml_errors(r.content, 403)[0]
    assert c.post(f"{V2}/requests.json", data={**form, "api_key": second}).status_code == 200
    # The api_key may also come in the query string, as some clients send it.
    assert c.post(f"{V2}/requests.json", params={"api_key": second}, data=form).status_code == 200


def test_batch_mode_answers_a_token_that_resolves_to_the_id(db_url: str, inventory_path: Path, tmp_path: Path) -> None:
    for env in make_env(db_url, inventory_path, tmp_path, run_scheduler=False, open311_request_type="batch"):
        _, key = _key(env)
        assert {s["type"] for s in env.client.get(f"{V2}/services.json").json()} == {"batch"}
        (made,) = env.client.post(f"{V2}/requests.json", data={**FORM, "api_key": key}).json()
        assert list(made) == shape.CREATED_BATCH
        (found,) = env.client.get(f"{V2}/tokens/{made['token']}.json").json()
        assert list(found) == shape.TOKEN and found["token"] == made["token"]
        assert found["service_request_id"].startswith("KHI-")
        (xml,) = shape.xml_items(
            env.client.get(f"{V2}/tokens/{made['token']}.xml").content, "service_requests", "request", shape.TOKEN
        )
        assert xml == found
