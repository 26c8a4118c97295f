"""The shape of inventory.yaml, as strict pydantic models (unknown keys are errors)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Union

from pydantic import Field

from collectors.spec import CollectSpec, CredentialRef, DeviceKind
from complaint_core.model import Channel as ComplaintChannel
from noc_api.strict import Strict

Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=64)]


class SiteKind(StrEnum):
    DATA_CENTRE = "data_centre"
    CALL_CENTRE = "call_centre"
    QC_CENTRE = "qc_centre"
    TOWN_OFFICE = "town_office"
    AGENCY_OFFICE = "agency_office"


ChannelKind = ComplaintChannel  # the complaint channels are the core's: one list for the inventory and the complaints


class AnyOf(Strict):
    any: list[Id] = Field(min_length=1)


# A dependency is a device id (needed) or {any: [...]} (redundant paths: down only when all are down).
Dependency = Union[Id, AnyOf]  # noqa: UP007  (pydantic reads the union order)


class Requirement(Strict):
    """What a channel needs: all / any / at least N of devices, sites or nested requirements."""

    all: list[Union[Id, Requirement]] | None = None  # noqa: UP007
    any: list[Union[Id, Requirement]] | None = None  # noqa: UP007
    at_least: int | None = Field(None, ge=1)
    of: list[Union[Id, Requirement]] | None = None  # noqa: UP007

    def refs(self) -> list[str]:
        """Every id this requirement names, nested ones included."""
        out: list[str] = []
        for items in (self.all, self.any, self.of):
            for item in items or []:
                out.extend(item.refs() if isinstance(item, Requirement) else [item])
        return out


class Town(Strict):
    id: Id
    name: str
    zone: str | None = None
    wards: list[str] = []
    boundary: list[tuple[float, float]] | None = None  # polygon of (lat, lon) for GPS routing


class Department(Strict):
    id: Id
    name: str
    city_wide: bool = False  # an agency (KBCA, KW&SB) takes its categories wherever they are
    head: str | None = None
    phone: str | None = None
    email: str | None = None


class SubCategory(Strict):
    id: Id
    name: str
    promised_hours: int | None = Field(None, ge=1)


class Category(Strict):
    id: Id
    name: str
    department: Id
    promised_hours: int = Field(ge=1)
    priority: str = Field("normal", pattern="^(low|normal|high|urgent)$")
    sub_categories: list[SubCategory] = []


class Device(Strict):
    id: Id
    kind: DeviceKind
    name: str | None = None
    address: str
    collect: CollectSpec
    depends_on: list[Dependency] = []
    role: str | None = None  # e.g. "radio-dc-end", "counter"


class Site(Strict):
    id: Id
    name: str
    kind: SiteKind
    town: Id
    address: str | None = None
    seats: int = Field(0, ge=0)
    agent_host: Id | None = None  # the device the site agent runs on
    uplink: Id | None = None  # the data-centre-side device that sees this site's link
    hours: str | None = None  # public counter hours, when they differ from the city's ``counter_hours``
    phone: str | None = None  # the office's public phone number
    devices: list[Device] = []


class Channel(Strict):
    id: Id
    name: str
    kind: ChannelKind
    site: Id | None = None
    requires: Requirement


class City(Strict):
    code: str = Field(pattern=r"^[A-Z]{2,5}$")
    name: str
    timezone: str = "Asia/Karachi"
    counter_hours: str = "Monday to Saturday, 9:00 to 17:00"  # walk-in counters' public hours


class Inventory(Strict):
    version: int = Field(ge=1, le=1)
    city: City
    credentials: list[CredentialRef] = []
    departments: list[Department] = Field(min_length=1)
    towns: list[Town] = Field(min_length=1)
    categories: list[Category] = []
    sites: list[Site] = []
    channels: list[Channel] = []

    def devices(self) -> list[tuple[Site, Device]]:
        """Every device with its site, in file order."""
        return [(site, dev) for site in self.sites for dev in site.devices]
