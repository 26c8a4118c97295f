"""Routing as data (`alert_rules/routing.yaml`): receivers, on-call groups by shift, escalation chains, routes.

`match_route(labels, routing, local_time)` is pure: the first route whose matchers and hours fit wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator

from noc_api.alerting.loader import Problem, _pydantic_problems
from noc_api.alerting.rules import Severity, parse_duration
from noc_api.inventory.yamlmarks import YamlSyntaxError, line_of, load_with_lines
from noc_api.strict import Strict

_HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"


class Receiver(Strict):
    email: list[str] = []
    sms: list[str] = Field(default=[], description="phone numbers in E.164")
    webhook: list[str] = []

    @field_validator("webhook")
    @classmethod
    def _urls(cls, v: list[str]) -> list[str]:
        for url in v:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"webhook {url!r} must be an http(s) URL")
        return v

    @field_validator("sms")
    @classmethod
    def _phones(cls, v: list[str]) -> list[str]:
        import phonenumbers

        for number in v:
            try:
                ok = phonenumbers.is_possible_number(phonenumbers.parse(number, None))
            except phonenumbers.NumberParseException:
                ok = False
            if not ok:
                raise ValueError(f"sms number {number!r} is not a possible E.164 number")
        return v


class Shift(Strict):
    from_: str = Field(alias="from", pattern=_HHMM)
    to: str = Field(pattern=_HHMM)
    receivers: list[str] = Field(min_length=1)


class OnCall(Strict):
    receivers: list[str] = []
    shifts: list[Shift] = []

    @model_validator(mode="after")
    def _someone(self) -> OnCall:
        if not self.receivers and not self.shifts:
            raise ValueError("an on-call group needs 'receivers' or 'shifts'")
        return self


class Step(Strict):
    after: float
    oncall: str

    @field_validator("after", mode="before")
    @classmethod
    def _duration(cls, v: object) -> object:
        return parse_duration(v)  # type: ignore[arg-type]


class RouteMatch(Strict):
    severity: list[Severity] = []
    town: list[str] = []
    site: list[str] = []
    device_kind: list[str] = []
    rule: list[str] = []
    labels: dict[str, str] = {}


class Route(Strict):
    match: RouteMatch = RouteMatch()
    hours: str | None = Field(None, pattern=r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")
    oncall: str | None = None
    escalation: str | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Route:
        if (self.oncall is None) == (self.escalation is None):
            raise ValueError("a route needs exactly one of 'oncall' or 'escalation'")
        return self


class Defaults(Strict):
    group_wait: float = 2.0
    repeat_interval: float = 4 * 3600.0
    ack_link_hours: float = Field(24.0, gt=0)
    max_attempts: int = Field(10, ge=1)
    retry_base: float = 5.0
    retry_cap: float = 600.0

    @field_validator("group_wait", "repeat_interval", "retry_base", "retry_cap", mode="before")
    @classmethod
    def _duration(cls, v: object) -> object:
        return parse_duration(v)  # type: ignore[arg-type]


class Routing(Strict):
    timezone: str = "UTC"
    defaults: Defaults = Defaults()
    receivers: dict[str, Receiver] = Field(min_length=1)
    oncall: dict[str, OnCall] = Field(min_length=1)
    escalations: dict[str, list[Step]] = {}
    routes: list[Route] = Field(min_length=1)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r}") from None
        return v

    def chain(self, route: Route) -> list[Step]:
        """The escalation steps of a route (a plain on-call route is a chain of one)."""
        return list(self.escalations[route.escalation]) if route.escalation else [Step(after=0, oncall=route.oncall)]


def _refs(r: Routing, lines: dict, file: str) -> list[Problem]:
    """Cross-references, Alertmanager's 'undefined receiver used in route' checks."""
    out = []
    for name, oc in r.oncall.items():
        for i, shift in enumerate(oc.shifts):
            out += [
                Problem(file, line_of(lines, ("oncall", name, "shifts", i)), f"oncall.{name}: undefined receiver {x!r}")
                for x in shift.receivers
                if x not in r.receivers
            ]
        out += [
            Problem(file, line_of(lines, ("oncall", name, "receivers")), f"oncall.{name}: undefined receiver {x!r}")
            for x in oc.receivers
            if x not in r.receivers
        ]
    for name, steps in r.escalations.items():
        if not steps:
            out.append(Problem(file, line_of(lines, ("escalations", name)), f"escalations.{name}: no steps"))
        for i, st in enumerate(steps):
            if st.oncall not in r.oncall:
                out.append(
                    Problem(
                        file,
                        line_of(lines, ("escalations", name, i)),
                        f"escalations.{name}[{i}]: undefined on-call group {st.oncall!r}",
                    )
                )
            if i and st.after <= steps[i - 1].after:
                out.append(
                    Problem(
                        file,
                        line_of(lines, ("escalations", name, i)),
                        f"escalations.{name}[{i}]: 'after' must grow along the chain",
                    )
                )
    last = r.routes[-1]
    if last.match != RouteMatch() or last.hours:
        out.append(
            Problem(
                file,
                line_of(lines, ("routes", len(r.routes) - 1)),
                "the last route must match everything ({match: {}} without hours): no alert goes unheard",
            )
        )
    for i, route in enumerate(r.routes):
        if route.oncall and route.oncall not in r.oncall:
            out.append(
                Problem(
                    file,
                    line_of(lines, ("routes", i, "oncall")),
                    f"routes[{i}]: undefined on-call group {route.oncall!r}",
                )
            )
        if route.escalation and route.escalation not in r.escalations:
            out.append(
                Problem(
                    file,
                    line_of(lines, ("routes", i, "escalation")),
                    f"routes[{i}]: undefined escalation {route.escalation!r}",
                )
            )
    return out


def load_routing_text(text: str, file: str) -> tuple[Routing | None, list[Problem]]:
    """The routing and every problem in it (None when it cannot be used)."""
    try:
        data, lines, dups = load_with_lines(text)
    except YamlSyntaxError as exc:
        return None, [Problem(file, exc.line, exc.msg)]
    problems = [Problem(file, ln, msg) for ln, msg in dups]
    try:
        routing = Routing.model_validate(data if data is not None else {})
    except ValidationError as exc:
        return None, problems + _pydantic_problems(file, exc, lines, ())
    problems += _refs(routing, lines, file)
    return (None if problems else routing), problems


def load_routing(path: Path) -> tuple[Routing | None, list[Problem]]:
    """Load ``routing.yaml``; a missing file is a problem (nobody would be told anything)."""
    try:
        return load_routing_text(path.read_text(encoding="utf-8"), str(path))
    except OSError as exc:
        return None, [Problem(str(path), 1, f"cannot read routing: {exc.strerror or exc}")]


def _in_window(window: tuple[str, str], t: time) -> bool:
    start, end = (time.fromisoformat(x) for x in window)
    return start <= t < end if start <= end else (t >= start or t < end)  # wraps past midnight


@dataclass(frozen=True)
class Target:
    """Who a group's notifications go to: the route picked and its escalation chain."""

    route_index: int
    chain: tuple[Step, ...]


def match_route(labels: dict[str, str], routing: Routing, local: datetime) -> Target | None:
    """The first route matching ``labels`` at local time ``local``; None when none does."""
    for i, route in enumerate(routing.routes):
        m = route.match
        if m.severity and labels.get("severity") not in {s.value for s in m.severity}:
            continue
        if any(
            vals and labels.get(key) not in vals
            for key, vals in (("town", m.town), ("site", m.site), ("device_kind", m.device_kind), ("alertname", m.rule))
        ):
            continue
        if any(labels.get(k) != v for k, v in m.labels.items()):
            continue
        if route.hours and not _in_window(tuple(route.hours.split("-")), local.time()):  # type: ignore[arg-type]
            continue
        return Target(i, tuple(routing.chain(route)))
    return None


def receivers_at(routing: Routing, oncall: str, local: datetime) -> list[str]:
    """The receivers of an on-call group on duty at local time ``local``."""
    group = routing.oncall[oncall]
    names = list(group.receivers)
    for shift in group.shifts:
        if _in_window((shift.from_, shift.to), local.time()):
            names += [r for r in shift.receivers if r not in names]
    return names


def local_time(routing: Routing, now: datetime) -> datetime:
    """``now`` in the routing's time zone (shifts and hours are local)."""
    return now.astimezone(ZoneInfo(routing.timezone))
