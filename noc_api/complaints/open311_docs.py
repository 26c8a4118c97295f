"""What each Open311 GeoReport v2 call answers, as models for /docs (wiki.open311.org/GeoReport_v2).

The bodies are rendered by format (XML or JSON) in open311_format.py; these models say what is in them so a
partner reading /docs sees the spec's fields. The same fields are in the XML, under the element the spec names.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class Endpoint(BaseModel):
    specification: str
    url: str
    changeset: str
    type: Literal["production", "test"]
    formats: list[str]


class Discovery(BaseModel):
    changeset: str
    contact: str
    key_service: str
    endpoints: list[Endpoint]


class Service(BaseModel):
    service_code: str
    service_name: str
    description: str
    metadata: bool = Field(description="true when the service has attributes (GET services/{code} lists them)")
    type: Literal["realtime", "batch", "blackbox"]
    keywords: str
    group: str


class AttributeValue(BaseModel):
    key: str
    name: str


class Attribute(BaseModel):
    variable: bool
    code: str
    datatype: Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
    required: bool
    datatype_description: str
    order: int
    description: str
    values: list[AttributeValue] = []


class ServiceDefinition(BaseModel):
    service_code: str
    attributes: list[Attribute]


class ServiceRequest(BaseModel):
    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str | None = None
    service_name: str | None = None
    service_code: str | None = None
    description: str | None = None
    agency_responsible: str | None = None
    service_notice: str | None = None
    requested_datetime: str | None = None
    updated_datetime: str | None = None
    expected_datetime: str | None = None
    address: str | None = None
    address_id: str | None = None
    zipcode: str | None = None
    lat: float | None = None
    long: float | None = None
    media_url: str | None = None


class RequestCreated(BaseModel):
    """The answer to POST requests: the id at once, or a token to look it up later (batch)."""

    service_request_id: str | None = None
    token: str | None = None
    service_notice: str | None = None
    account_id: str | None = None


class RequestToken(BaseModel):
    service_request_id: str | None
    token: str


class Open311Error(BaseModel):
    code: int
    description: str


def documented(model: Any, what: str) -> dict[int | str, dict[str, Any]]:  # noqa: ANN401 - a model or list[model]
    """OpenAPI ``responses`` for an Open311 call: ``model`` in JSON (and the same fields in XML), errors as the spec's
    error array."""
    xml = {"application/xml": {"schema": {"type": "string"}}}
    return {
        200: {"model": model, "description": what, "content": xml},
        "4XX": {"model": list[Open311Error], "description": "The spec's error array", "content": xml},
    }
