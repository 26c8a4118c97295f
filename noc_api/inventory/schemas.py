"""Inventory as the API shows it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class DeviceOut(_Out):
    id: str
    site_id: str
    kind: str
    name: str | None
    role: str | None
    address: str
    method: str
    collect: dict
    depends_on: list


class ChannelOut(_Out):
    id: str
    name: str
    kind: str
    site_id: str | None
    requires: dict


class SiteOut(_Out):
    id: str
    name: str
    kind: str
    town_id: str
    address: str | None
    seats: int
    agent_host: str | None
    uplink: str | None


class SiteDetail(SiteOut):
    devices: list[DeviceOut]
    channels: list[ChannelOut]
