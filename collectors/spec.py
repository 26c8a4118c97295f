"""What a collector is told about a device: plain, typed values shared by the inventory, the NOC and the agent."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class DeviceKind(StrEnum):
    WORKSTATION = "workstation"
    RADIO = "radio"
    SWITCH = "switch"
    ROUTER = "router"
    FIREWALL = "firewall"
    UPS = "ups"
    GENERATOR = "generator"
    PBX = "pbx"
    SERVER = "server"
    IP_PHONE = "ip_phone"
    PRINTER = "printer"


class Method(StrEnum):
    """How a device is collected."""

    SNMP = "snmp"
    CLI = "cli"
    PSUTIL = "psutil"
    NUT = "nut"
    TCP = "tcp"
    HTTP = "http"
    NONE = "none"  # passive: known only through what depends on it or its site's silence


class CredentialKind(StrEnum):
    SNMP_V2C = "snmp_v2c"
    SNMP_V3 = "snmp_v3"
    CLI = "cli"
    NUT = "nut"
    HTTP = "http"


class CredentialRef(BaseModel):
    """A named credential. Secrets are never inline: each ``*_env`` names the variable that holds them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    kind: CredentialKind
    community_env: str | None = None
    user: str | None = None
    username_env: str | None = None
    password_env: str | None = None
    auth_protocol: str | None = Field(None, pattern="^(md5|sha|sha224|sha256|sha384|sha512)$")
    auth_key_env: str | None = None
    priv_protocol: str | None = Field(None, pattern="^(des|3des|aes|aes128|aes192|aes256)$")
    priv_key_env: str | None = None


class Store(BaseModel):
    """A directory of call recordings on the agent's own host (``collectors.recordings`` reads it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=32)
    path: str = Field(min_length=1, max_length=500)


class CollectSpec(BaseModel):
    """How to collect one device."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    method: Method
    profile: str | None = None  # SNMP profile (ups-rfc1628, if-mib, radio-ubiquiti-airmax...) or CLI platform
    credential: str | None = None
    port: int | None = Field(None, ge=1, le=65535)
    url: str | None = None  # http probes
    ups: str | None = None  # NUT ups name
    interval: float = Field(30.0, gt=0, le=86400)
    timeout: float = Field(2.0, gt=0, le=120)
    processes: tuple[str, ...] = ()  # psutil: processes a counter workstation needs
    uplinks: tuple[str, ...] = ()  # switch interfaces whose loss cuts the site
    # The agent's own host only (psutil): workstation hygiene and call-recording stores (collectors.local)
    hygiene: bool = False
    stores: tuple[Store, ...] = ()


class DeviceSpec(BaseModel):
    """One device as an agent collects it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    site: str
    kind: DeviceKind
    address: str
    collect: CollectSpec
