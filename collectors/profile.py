"""SNMP profiles: data files (collectors/profiles/*.yaml) mapping OIDs to catalogue metrics. A new vendor is a file.

A profile lists scalars (one GET), tables (one GETBULK for exactly the listed columns), derived values
(computed from other metrics) and status rules (the worst matching rule sets the device status).
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
    only_type: str | None = None  # keep rows whose type_column equals this OID
    aggregate: str | None = Field(None, pattern="^(mean|first)$")  # one value for the table, no label

    _m = field_validator("metric")(_known_metric)


class Table(_Strict):
    label: str
    name_column: str | None = None
    type_column: str | None = None
    columns: tuple[Column, ...]

    def oids(self) -> list[str]:
        """Every column OID the walk must ask for, each once, in a stable order."""
        out: list[str] = []
        for oid in [self.name_column, self.type_column, *(c.oid for c in self.columns)]:
            out.extend([oid] if oid and oid not in out else [])
        for c in self.columns:
            if c.ratio_of and c.ratio_of not in out:
                out.append(c.ratio_of)
        return out


class Derived(Match):
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


class Profile(_Strict):
    name: str
    scalars: tuple[Scalar, ...] = ()
    tables: tuple[Table, ...] = ()
    derived: tuple[Derived, ...] = ()
    status: tuple[StatusRule, ...] = ()


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
