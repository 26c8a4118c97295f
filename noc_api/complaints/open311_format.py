"""GeoReport v2 wire formats: XML (required by the spec) and JSON (its Spark-convention mapping of the XML).

The same plain values (dicts, lists, strings, numbers, booleans, None) render to either format. A list's element
name in XML comes from its parent's (``services`` -> ``service``), as the spec's examples show.
"""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
FORMATS = ("json", "xml")
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'

# The element of each item in a list, keyed by the list's element name.
ITEM = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(node: ET.Element, value: object) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ET.SubElement(node, key), item)
    elif isinstance(value, list):
        tag = ITEM.get(node.tag, "item")
        for item in value:
            _fill(ET.SubElement(node, tag), item)
    else:
        node.text = _text(value)  # None stays an empty element, as <account_id/> in the spec


def to_xml(root: str, value: object) -> bytes:
    """``value`` under a ``root`` element, with the XML declaration the spec asks for."""
    node = ET.Element(root)
    _fill(node, value)
    return (XML_DECLARATION + ET.tostring(node, encoding="unicode")).encode("utf-8")


def to_json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def render(fmt: str, root: str, value: object) -> tuple[bytes, str]:
    """(body, content type) of ``value`` in ``fmt``; ``root`` names the XML root element."""
    if fmt == "xml":
        return to_xml(root, value), XML_TYPE
    return to_json(value), JSON_TYPE


def errors_body(fmt: str, errors: list[tuple[int, str]]) -> tuple[bytes, str]:
    """The spec's error array, ``[{"code": N, "description": "..."}]`` or ``<errors><error>...``."""
    return render(fmt, "errors", [{"code": code, "description": text} for code, text in errors])


def format_of(path: str) -> str:
    """The format a path asks for (``.json`` or ``.xml``); XML, the spec's required format, otherwise."""
    return "json" if path.rstrip("/").endswith(".json") else "xml"
