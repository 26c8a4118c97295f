"""The alert rule language: strict pydantic models of one `alert_rules/*.yaml` file (unknown keys are errors).

A rule selects what it watches (a metric, or the state of devices, sites, channels or outages, narrowed by device
kind, site, town and labels) and says when it holds (threshold with hysteresis, state equals, rate of change,
absence for a duration). No expressions are evaluated: every condition is a typed field.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from collectors.metrics import CATALOGUE
from collectors.spec import DeviceKind
from noc_api.health.model import Cause, Scope, State
from noc_api.strict import Strict

_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration(text: str | int | float) -> float:
    """Seconds in ``"90s"``, ``"5m"``, ``"1h30m"`` (a bare number is seconds); ValueError otherwise."""
    if isinstance(text, bool):
        raise ValueError("a duration like 30s, 5m or 1h30m is needed")
    if isinstance(text, int | float):
        if text < 0:
            raise ValueError("a duration cannot be negative")
        return float(text)
    m = _DURATION.match(text.strip())
    if not text.strip() or not m:
        raise ValueError(f"bad duration {text!r}: use e.g. 30s, 5m, 1h30m")
    h, mi, s = (int(g or 0) for g in m.groups())
    return float(h * 3600 + mi * 60 + s)


Duration = Annotated[float, Field(ge=0)]


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """Higher is more severe (groups take their most severe alert's severity)."""
        return {"info": 0, "warning": 1, "critical": 2}[self.value]


class Target(StrEnum):
    DEVICE = "device"
    SITE = "site"
    CHANNEL = "channel"
    OUTAGE = "outage"


class Selector(Strict):
    """What a rule watches: exactly one of ``metric`` or ``state_of``, narrowed by the other fields."""

    metric: str | None = None
    state_of: Target | None = None
    device_kind: list[DeviceKind] = []
    site: list[str] = []
    town: list[str] = []
    channel_kind: list[str] = []
    outage_scope: list[Scope] = []
    cause: list[Cause] = []
    labels: dict[str, str] = {}  # sample labels that must be equal
    labels_regex: dict[str, str] = {}  # sample labels that must fully match the regex

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, v: str | None) -> str | None:
        if v is not None and v not in CATALOGUE:
            raise ValueError(f"unknown metric {v!r} (see collectors/metrics.py)")
        return v

    @field_validator("labels_regex")
    @classmethod
    def _regexes_compile(cls, v: dict[str, str]) -> dict[str, str]:
        for key, pattern in v.items():
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"label {key!r}: bad regex {pattern!r}: {exc}") from None
        return v

    @model_validator(mode="after")
    def _one_subject(self) -> Selector:
        if (self.metric is None) == (self.state_of is None):
            raise ValueError("give exactly one of 'metric' or 'state_of'")
        if self.state_of is not None and (self.labels or self.labels_regex):
            raise ValueError("'labels' select metric samples; a state_of selector has none")
        return self


class Condition(Strict):
    """When a selected value is a problem: exactly one kind of test."""

    above: float | None = None
    clear_below: float | None = None  # hysteresis: once firing, stays until the value drops below this
    below: float | None = None
    clear_above: float | None = None
    equals: float | None = None
    state: list[str] | None = None
    rate_below: float | None = None  # change per minute, e.g. -3 for "signal falling 3 dB a minute"
    rate_above: float | None = None
    absent_for: float | None = None  # seconds with no sample
    per: str = Field("device", pattern="^(device|city)$")  # absence of each device's sample, or of any at all

    @field_validator("absent_for", mode="before")
    @classmethod
    def _duration(cls, v: object) -> object:
        return None if v is None else parse_duration(v)  # type: ignore[arg-type]

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        tests = [
            n
            for n in ("above", "below", "equals", "state", "rate_below", "rate_above", "absent_for")
            if getattr(self, n) is not None
        ]
        if len(tests) != 1:
            raise ValueError(
                f"give exactly one test of above/below/equals/state/rate_below/rate_above/absent_for "
                f"(got {', '.join(tests) or 'none'})"
            )
        if self.clear_below is not None and (self.above is None or self.clear_below > self.above):
            raise ValueError("'clear_below' needs 'above' and must not exceed it (hysteresis)")
        if self.clear_above is not None and (self.below is None or self.clear_above < self.below):
            raise ValueError("'clear_above' needs 'below' and must not be under it (hysteresis)")
        return self

    @property
    def kind(self) -> str:
        """The one test this condition makes."""
        for n in ("above", "below", "equals", "state", "rate_below", "rate_above", "absent_for"):
            if getattr(self, n) is not None:
                return n
        return "none"


class Rule(Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    select: Selector
    when: Condition
    for_: float = Field(0.0, alias="for")
    keep_firing_for: float | None = None  # flap damping: stay firing this long after the condition clears
    severity: Severity
    labels: dict[str, str] = {}
    summary: str = Field(min_length=1)
    description: str = ""
    runbook: str | None = Field(None, pattern=r"^https?://\S+$")

    @field_validator("for_", "keep_firing_for", mode="before")
    @classmethod
    def _duration(cls, v: object) -> object:
        return None if v is None else parse_duration(v)  # type: ignore[arg-type]

    @model_validator(mode="after")
    def _condition_fits_selector(self) -> Rule:
        kind = self.when.kind
        if self.select.state_of is not None and kind != "state":
            raise ValueError(f"a state_of selector needs a 'state' test, not {kind!r}")
        if self.select.metric is not None and kind == "state":
            raise ValueError("a 'state' test needs a state_of selector, not a metric")
        if self.select.state_of is not None:
            allowed = {"open"} if self.select.state_of == Target.OUTAGE else {s.value for s in State}
            bad = [s for s in self.when.state or [] if s not in allowed]
            if bad:
                raise ValueError(f"unknown state {bad[0]!r} for {self.select.state_of}: one of {sorted(allowed)}")
        return self


class RuleDefaults(Strict):
    keep_firing_for: float = 120.0

    @field_validator("keep_firing_for", mode="before")
    @classmethod
    def _duration(cls, v: object) -> object:
        return parse_duration(v)  # type: ignore[arg-type]


class RuleFile(Strict):
    defaults: RuleDefaults = RuleDefaults()
    rules: list[Rule] = Field(min_length=1)
