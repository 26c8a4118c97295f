"""SNMP profiles: data files (collectors/profiles/*.yaml) mapping OIDs to catalogue metrics. A new vendor is a file.

A profile lists scalars (one GET), tables (GETBULK of exactly the listed columns, every row whatever its index),
derived values (computed from other metrics), status rules (the worst matching rule sets the device status) and
required metrics (a collection that yields none of them is not "up": a radio without readings is blind).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from collectors.metrics import CATALOGUE
from collectors.readings import DeviceStatus

PROFILE_DIR = Path(__file__).parent / "profiles"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Match(_Strict):
    """A condition on a value: in a set, above, below (all given must hold)."""

    in_: tuple[float, ...] | None = Field(None, alias="in")
    gt: float | None = None
    lt: float | None = None

    def test(self, value: float) -> bool:
        """True when ``value`` satisfies every condition given."""
        if self.in_ is not None and value not in self.in_:
            return False
        if self.gt is not None and not value > self.gt:
            return False
        return not (self.lt is not None and not value < self.lt)


def _known_metric(name: str) -> str:
    if name not in CATALOGUE:
        raise ValueError(f"unknown metric {name!r} (add it to collectors/metrics.py)")
    return name


class Scalar(_Strict):
    oid: str
    metric: str
    scale: float = 1.0
    unit: str = ""
    enum: dict[int, str] | None = None
    text: str | None = None  # "mac" or "string": an OctetString kept as text, value 1

    _m = field_validator("metric")(_known_metric)


class Column(Match):
    oid: str
    metric: str
    scale: float = 1.0
    unit: str = ""
    counter: int | None = Field(None, ge=32, le=64)  # 32 or 64: a rate is computed (modulus 2**counter)
    sum: str | None = None  # "in_out": columns with the same metric are added per row
    ratio_of: str | None = None  # value / this column's value
    minus: str | None = None  # value - this column's value in the same row (SNR = signal - noise floor)
    missing: tuple[float, ...] = ()  # raw values that mean "no value" (MikroTik reports an absent SNR as 0)
    text: str | None = None  # "mac" or "string": the value kept as text, reading value 1
    only_type: str | None = None  # keep rows whose type_column equals this OID
    # one value for the table, without labels: mean, first, min, max or sum over the rows
    aggregate: str | None = Field(None, pattern="^(mean|first|min|max|sum)$")
    per_row: bool = False  # with aggregate: the labelled value of every row as well

    _m = field_validator("metric")(_known_metric)


INDEX_PARTS = {"mac": 6, "interface": 1, "radio": 1, "row": 1}


class Table(_Strict):
    label: str
    name_column: str | None = None
    type_column: str | None = None
    # How the row index reads, e.g. [mac, interface] for a registration table indexed by the peer's MAC and the
    # local interface: the mac part labels the row (under ``label``), every other part becomes its own label.
    index: tuple[str, ...] = ()
    columns: tuple[Column, ...]

    @field_validator("index")
    @classmethod
    def _known_parts(cls, parts: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [p for p in parts if p not in INDEX_PARTS]
        if unknown:
            raise ValueError(f"unknown index part {unknown[0]!r} (known: {', '.join(INDEX_PARTS)})")
        return parts

    def oids(self) -> list[str]:
        """Every column OID the walk must ask for, each once, in a stable order."""
        out: list[str] = []
        for oid in [self.name_column, self.type_column, *(c.oid for c in self.columns)]:
            out.extend([oid] if oid and oid not in out else [])
        for c in self.columns:
            for extra in (c.ratio_of, c.minus):
                if extra and extra not in out:
                    out.append(extra)
        return out


class Derived(Match):
    """A metric computed from others; skipped when the device already gave it (the vendor's own column wins)."""

    metric: str
    from_: str | None = Field(None, alias="from")
    difference: tuple[str, str] | None = None
    unit: str = ""

    _m = field_validator("metric")(_known_metric)


class StatusRule(Match):
    metric: str
    status: DeviceStatus
    reason: str
    uplink: bool = False  # only rows whose label is one of CollectSpec.uplinks


class Required(_Strict):
    """When a collection yields none of ``any_of`` (and no rule found the device down), it gets this status."""

    any_of: tuple[str, ...] = Field(min_length=1)
    status: DeviceStatus
    reason: str

    @field_validator("any_of")
    @classmethod
    def _known(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_known_metric(n) for n in names)


class Profile(_Strict):
    name: str
    scalars: tuple[Scalar, ...] = ()
    tables: tuple[Table, ...] = ()
    derived: tuple[Derived, ...] = ()
    status: tuple[StatusRule, ...] = ()
    required: tuple[Required, ...] = ()


def parse_profile(text: str, source: str = "<profile>") -> Profile:
    """Parse and validate one profile's YAML text."""
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"{source}: a profile is a mapping")
    return Profile.model_validate(data)


@cache
def load_profile(name: str, directory: Path = PROFILE_DIR) -> Profile:
    """The profile ``name`` from ``directory`` (cached: profiles are read once per process)."""
    path = directory / f"{name}.yaml"
    if not path.is_file():
        raise ValueError(f"no SNMP profile {name!r} in {directory}")
    return parse_profile(path.read_text(), str(path))
