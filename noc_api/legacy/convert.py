"""One legacy row -> the values of a CCIS complaint, or every reason it cannot be one (a pure function)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from complaint_core.config import CoreConfig
from complaint_core.intake import EMAIL_RE, normalise_cnic, normalise_phone
from complaint_core.model import Channel, ComplaintStatus, GeoPoint, InvalidInput, Priority, StatusKind
from complaint_core.routing import Directory, route
from complaint_core.sla import promised_due, promised_seconds
from noc_api.legacy.mapping import FIELDS, Mapping

MAX_NUMBER = 24  # the width of complaints.tracking_number


@dataclass(frozen=True)
class Converted:
    values: dict[str, Any]  # complaint columns
    events: list[tuple[str, datetime, str | None, str]]  # (action, at, from status, to status)


def _text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)  # a number typed into a spreadsheet cell (phone, CNIC, old number)
    return str(v).strip()


class Converter:
    """Converts rows with one mapping, directory and config (built once per import)."""

    def __init__(self, mapping: Mapping, directory: Directory, config: CoreConfig, tz: str, now: datetime) -> None:
        self.m, self.d, self.cfg, self.now = mapping.spec, directory, config, now
        self.tz = ZoneInfo(self.m.dates.timezone or tz)
        self._phones: dict[str, str | ValueError] = {}  # a citizen's number recurs across an old system's rows

    def phone(self, raw: str) -> str:
        """E.164 of a legacy phone (remembered: parsing a number is the costliest step of a row)."""
        hit = self._phones.get(raw)
        if hit is None:
            try:
                hit = normalise_phone(raw, self.cfg.phone_region)
            except ValueError as exc:
                hit = exc
            if len(self._phones) < 200_000:
                self._phones[raw] = hit
        if isinstance(hit, ValueError):
            raise hit
        return hit

    def field(self, row: dict[str, Any], name: str) -> object:
        column = self.m.columns.get(name)
        value = row.get(column) if column else None
        if _text(value) == "" and name in self.m.defaults:
            return self.m.defaults[name]
        return value

    def label(self, name: str) -> str:
        """The field as the report names it: ``resolved_at ('Disposed On')``."""
        column = self.m.columns.get(name)
        return f"{name} ({column!r})" if column else name

    def translate(self, texts: dict[str, str], name: str) -> str:
        """The CCIS id for a field's legacy value (values.<field>), or the value itself."""
        raw = texts[name]
        table = self.m.values.get(name, {})
        return table.get(raw, table.get(raw.casefold(), raw)) if raw else ""

    def when(self, value: object, name: str, errors: list[str]) -> datetime | None:
        if value is None or _text(value) == "":
            return None
        t: datetime | None = value if isinstance(value, datetime) else None
        if t is None:
            text = _text(value)
            for fmt in self.m.dates.formats:
                try:
                    t = datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
            if t is None and not self.m.dates.formats:
                with contextlib.suppress(ValueError):
                    t = datetime.fromisoformat(text)
            if t is None:
                wanted = " or ".join(self.m.dates.formats) or "ISO 8601 (2019-03-01 14:30)"
                errors.append(f"{self.label(name)} {text!r} is not a date as {wanted}")
                return None
        assert t is not None
        return (t if t.tzinfo else t.replace(tzinfo=self.tz)).astimezone(UTC)

    def convert(self, row: dict[str, Any], file_line: str) -> Converted | list[str]:
        """The complaint's values, or the list of what is wrong with the row."""
        errors: list[str] = []
        f = {name: self.field(row, name) for name in FIELDS}
        txt = {name: _text(value) for name, value in f.items()}
        number = txt["tracking_number"].upper()
        if not number:
            errors.append(f"{self.label('tracking_number')} is empty")
        elif len(number) > MAX_NUMBER:
            errors.append(f"tracking_number {number!r} is longer than {MAX_NUMBER} characters")
        registered = self.when(f["registered_at"], "registered_at", errors)
        if registered is None and not any(e.startswith("registered_at") for e in errors):
            errors.append(f"{self.label('registered_at')} is empty")
        elif registered is not None and registered > self.now + timedelta(days=1):
            errors.append(f"registered_at {registered:%Y-%m-%d} is in the future")
        category_id = self.translate(txt, "category")
        category = self.d.category(category_id) if category_id else None
        if category is None:
            raw = txt["category"]
            errors.append(
                f"category {raw!r} is not mapped (values.category) nor a CCIS category" if raw else "category is empty"
            )
        status_raw = self.translate(txt, "status") or "closed"
        try:
            status = ComplaintStatus(status_raw)
        except ValueError:
            errors.append(f"status {txt['status']!r} is not mapped (values.status) nor a CCIS status")
            status = ComplaintStatus.CLOSED
        channel_raw = self.translate(txt, "channel") or "call_centre"
        try:
            channel = Channel(channel_raw)
            if channel is Channel.INTERNAL:
                errors.append("channel internal is for NOC tickets, not imports")
        except ValueError:
            errors.append(f"channel {channel_raw!r} is not mapped (values.channel) nor a CCIS channel")
            channel = Channel.CALL_CENTRE
        priority_raw = self.translate(txt, "priority")
        try:
            priority = Priority(priority_raw).value if priority_raw else (category.priority if category else "normal")
        except ValueError:
            errors.append(f"priority {priority_raw!r} is not low, normal, high or urgent")
            priority = "normal"
        phone = email = cnic = None
        if txt["phone"]:
            try:
                phone = self.phone(txt["phone"])
            except ValueError as exc:
                errors.append(f"{self.label('phone')} {txt['phone']!r}: {exc}")
        if txt["email"]:
            email = txt["email"]
            if not EMAIL_RE.match(email):
                errors.append(f"email {email!r} is not an e-mail address")
        if txt["cnic"]:
            try:
                cnic = normalise_cnic(txt["cnic"])
            except ValueError as exc:
                errors.append(f"cnic: {exc}")
        point = None
        lat, lon = txt["lat"], txt["lon"]
        if lat or lon:
            try:
                point = GeoPoint(float(lat), float(lon))
                if not (-90 <= point.lat <= 90 and -180 <= point.lon <= 180):
                    raise ValueError
            except ValueError:
                errors.append(f"lat/lon {lat!r}, {lon!r} are not a point on the globe")
                point = None
        resolved = self.when(f["resolved_at"], "resolved_at", errors)
        closed = self.when(f["closed_at"], "closed_at", errors)
        due = self.when(f["due_at"], "due_at", errors)
        for name, t in (("resolved_at", resolved), ("closed_at", closed), ("due_at", due)):
            if t is not None and registered is not None and t < registered:
                errors.append(f"{self.label(name)} {t:%Y-%m-%d %H:%M} UTC is before {self.label('registered_at')}")
        rating = None
        if txt["rating"]:
            try:
                rating = int(txt["rating"])
                if not 1 <= rating <= 5:
                    raise ValueError
            except ValueError:
                errors.append(f"rating {txt['rating']!r} is not 1 to 5")
        town_id = self.translate(txt, "town") or None
        ward = self.translate(txt, "ward") or None
        rt = None
        if category is not None:
            try:
                rt = route(self.d, category_id=category.id, town_id=town_id, ward=ward, point=point)
            except InvalidInput as exc:
                errors += [f"{f} {town_id if f == 'town' else ward!r}: {m}" for f, m in exc.errors]
        if errors:
            return errors
        assert category is not None and registered is not None and rt is not None
        kind = status.kind
        if kind is not StatusKind.OPEN and resolved is None and status is not ComplaintStatus.REJECTED:
            resolved = closed  # an old system that kept one date for both
        if status is ComplaintStatus.CLOSED and closed is None:
            closed = resolved
        promised = promised_seconds(category.promised_hours)
        last = max(t for t in (registered, resolved, closed) if t is not None)
        values: dict[str, Any] = {
            "tracking_number": number,
            "channel": channel.value,
            "status": status.value,
            "kind": kind.value,
            "priority": priority,
            "citizen_name": txt["citizen_name"][:200] or None,
            "phone": phone,
            "email": email,
            "cnic": cnic,
            "address": txt["address"][:300] or None,
            "town_id": rt.town_id,
            "ward": ward,
            "lat": point.lat if point else None,
            "lon": point.lon if point else None,
            "category_id": category.id,
            "parent_category_id": category.parent_id,
            "department_id": rt.department_id,
            "description": txt["description"][:4000] or category.name,
            "assignee": txt["assignee"][:64] or None,
            "reopen_count": 0,
            "escalation_level": 0,
            "sla_warned": False,
            "qc_required": False,
            "duplicate_of": None,
            "channel_data": {"legacy": file_line},
            "promised_seconds": promised,
            "pauses": [],
            "registered_at": registered,
            "due_at": due or promised_due(registered, promised, self.cfg.calendar),
            "updated_at": last,
            "resolved_at": resolved if kind is not StatusKind.OPEN else None,
            "closed_at": closed if kind is StatusKind.CLOSED else None,
            "created_by": "legacy-import",
            "rating": rating,
            "feedback_comment": None,
            "version": 1,
        }
        first = ComplaintStatus.REGISTERED.value if kind is not StatusKind.OPEN else status.value
        events: list[tuple[str, datetime, str | None, str]] = [("import", registered, None, first)]
        if status is ComplaintStatus.REJECTED:
            events.append(("reject", closed or registered, first, status.value))
        elif kind is not StatusKind.OPEN and resolved is not None:
            events.append(("resolve", resolved, first, "resolved"))
            if status is not ComplaintStatus.RESOLVED:
                events.append(
                    (
                        "close" if status is ComplaintStatus.CLOSED else "verify",
                        closed or resolved,
                        "resolved",
                        status.value,
                    )
                )
        return Converted(values, events)
