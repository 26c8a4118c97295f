"""The GeoReport v2 shapes, written from the specification's tables (wiki.open311.org/GeoReport_v2), and checks of
a JSON value or an XML document against them: the fields, their order in XML, their types and date formats."""

from __future__ import annotations

import re
from typing import Any
from xml.etree import ElementTree as ET

W3C = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")

SERVICE = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
ATTRIBUTE = ["variable", "code", "datatype", "required", "datatype_description", "order", "description"]
REQUEST = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
CREATED = ["service_request_id", "service_notice", "account_id"]
CREATED_BATCH = ["token", "service_notice", "account_id"]
TOKEN = ["service_request_id", "token"]
ERROR = ["code", "description"]
DISCOVERY = ["changeset", "contact", "key_service", "endpoints"]
ENDPOINT = ["specification", "url", "changeset", "type", "formats"]
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}


def _str_or_none(v: Any) -> bool:
    return v is None or isinstance(v, str)


def check_service(s: dict) -> None:
    assert list(s) == SERVICE, s
    assert isinstance(s["service_code"], str) and isinstance(s["metadata"], bool)
    assert s["type"] in {"realtime", "batch", "blackbox"}


def check_definition(d: dict) -> None:
    assert list(d) == ["service_code", "attributes"] and isinstance(d["service_code"], str)
    orders = [a["order"] for a in d["attributes"]]
    assert len(set(orders)) == len(orders) and all(isinstance(o, int) and o > 0 for o in orders)
    for a in d["attributes"]:
        lists = a["datatype"] in {"singlevaluelist", "multivaluelist"}
        assert list(a) == ATTRIBUTE + (["values"] if lists else []), a
        assert isinstance(a["variable"], bool) and isinstance(a["required"], bool) and a["datatype"] in DATATYPES
        for v in a.get("values", []):
            assert list(v) == ["key", "name"] and isinstance(v["key"], str)


def check_request(r: dict) -> None:
    assert list(r) == REQUEST, r
    assert isinstance(r["service_request_id"], str) and r["status"] in {"open", "closed"}
    for f in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert r[f] is None or W3C.match(r[f]), (f, r[f])
    for f in REQUEST:
        if f not in ("lat", "long"):
            assert _str_or_none(r[f]), (f, r[f])
    assert all(r[f] is None or isinstance(r[f], float) for f in ("lat", "long"))


def check_errors(body: list, status: int) -> None:
    assert isinstance(body, list) and body, body
    for e in body:
        assert list(e) == ERROR and e["code"] == status and isinstance(e["description"], str) and e["description"]


def check_discovery(d: dict) -> None:
    assert list(d) == DISCOVERY
    assert all(list(e) == ENDPOINT for e in d["endpoints"])
    assert {"text/xml", "application/json"} <= set(d["endpoints"][0]["formats"])


def xml_root(body: bytes, root: str) -> ET.Element:
    """Parse an XML answer; it must open with the declaration naming utf-8 and have ``root`` as root element."""
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>'), body[:80]
    node = ET.fromstring(body)
    assert node.tag == root, node.tag
    return node


def xml_items(body: bytes, root: str, item: str, fields: list[str]) -> list[dict[str, str]]:
    """The items of a list document, each with exactly ``fields`` in the spec's order (text or '')."""
    node = xml_root(body, root)
    out = []
    for child in node:
        assert child.tag == item, child.tag
        tags = [c.tag for c in child]
        assert tags[: len(fields)] == fields, tags
        out.append({c.tag: (c.text or "") for c in child})
    return out


def xml_errors(body: bytes, status: int) -> list[str]:
    items = xml_items(body, "errors", "error", ERROR)
    assert items and all(e["code"] == str(status) and e["description"] for e in items)
    return [e["description"] for e in items]
