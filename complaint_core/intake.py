"""Checking what a citizen or an agent gives at registration: every problem at once, values normalised."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import phonenumbers

from complaint_core.model import CHANNEL_FIELDS, Channel, GeoPoint, InvalidInput, Priority

PHONE_REGIONS = ("PK", "IN")  # Karachi's callers, and the Indian cities whose workflow this follows
CNIC_RE = re.compile(r"^(\d{5})-?(\d{7})-?(\d)$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}


def normalise_phone(raw: str, default_region: str = "PK") -> str:
    """E.164 form of a Pakistani or Indian number; ValueError saying why otherwise."""
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not a phone number ({exc})") from None
    region = phonenumbers.region_code_for_number(number)
    if region not in PHONE_REGIONS:
        raise ValueError(f"only Pakistani or Indian numbers are accepted (got region {region or 'unknown'})")
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"not a valid {region} number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_cnic(raw: str) -> str:
    """A Pakistani CNIC as 12345-1234567-1; ValueError otherwise."""
    m = CNIC_RE.match(raw.strip())
    if not m:
        raise ValueError("CNIC must be 13 digits, as 12345-1234567-1")
    return "-".join(m.groups())


def sniff_photo(data: bytes) -> str | None:
    """The image type by content (magic bytes), not by the name the client gave; None if not a photo."""
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_photo(name: str, data: bytes, max_bytes: int) -> list[tuple[str, str]]:
    """Errors for one attachment: too big, empty or not a JPEG/PNG/WebP by content."""
    if not data:
        return [(name, "empty file")]
    if len(data) > max_bytes:
        return [(name, f"{len(data)} bytes is over the limit of {max_bytes} bytes")]
    if sniff_photo(data) is None:
        return [(name, "not a photo: only JPEG, PNG or WebP content is accepted")]
    return []


# The stored columns' sizes (adapters/orm.py): a longer value is the citizen's or the client's mistake, told as
# such, never a database error.
TEXT_LIMITS = {"citizen_name": 200, "email": 200, "address": 300, "ward": 100}
CHANNEL_DATA_MAX_DEPTH = 4  # a channel's own fields (caller number, call reference, counter): flat in practice
CHANNEL_DATA_MAX_BYTES = 8192


def channel_data_problem(data: object) -> str | None:
    """Why ``data`` cannot be a complaint's channel_data (stored with it and read back on every view), if it cannot:
    an object, nested at most CHANNEL_DATA_MAX_DEPTH deep, at most CHANNEL_DATA_MAX_BYTES as JSON."""
    if data is None:
        return None
    if not isinstance(data, dict):
        return "must be an object"
    level: list[dict | list] = [data]
    depth = 0
    while level:  # breadth first, so a 900-deep value costs no recursion
        depth += 1
        if depth > CHANNEL_DATA_MAX_DEPTH:
            return f"nested more than {CHANNEL_DATA_MAX_DEPTH} deep"
        level = [v for node in level for v in (node.values() if isinstance(node, dict) else node)
                 if isinstance(v, dict | list)]  # fmt: skip
    try:
        size = len(json.dumps(data, allow_nan=False, default=str).encode())
    except ValueError:
        return "numbers must be finite"
    if size > CHANNEL_DATA_MAX_BYTES:
        return f"{size} bytes as JSON is over the limit of {CHANNEL_DATA_MAX_BYTES}"
    return None


def size_problems(values: dict[str, Any]) -> list[tuple[str, str]]:
    """The fields of a registration (raw, or an Intake's) over the sizes CCIS stores."""
    found = [(name, f"at most {most} characters") for name, most in TEXT_LIMITS.items()
             if isinstance(values.get(name), str) and len(values[name]) > most]  # fmt: skip
    problem = channel_data_problem(values.get("channel_data"))
    return found + ([("channel_data", problem)] if problem else [])


@dataclass
class Intake:
    """A registration, normalised."""

    channel: Channel
    category_id: str
    description: str
    sub_category_id: str | None = None
    citizen_name: str | None = None
    phone: str | None = None
    email: str | None = None
    cnic: str | None = None
    address: str | None = None
    town_id: str | None = None
    ward: str | None = None
    point: GeoPoint | None = None
    priority: Priority | None = None
    channel_data: dict[str, Any] = field(default_factory=dict)
    photos: list[tuple[str, bytes]] = field(default_factory=list)  # (filename, content)


def validate_intake(raw: dict[str, Any], *, max_photo_bytes: int, default_region: str = "PK") -> Intake:
    """Build an Intake from raw fields, raising InvalidInput with every problem found."""
    errors: list[tuple[str, str]] = []
    try:
        channel = Channel(raw.get("channel") or "")
    except ValueError:
        raise InvalidInput([("channel", f"must be one of {', '.join(c.value for c in Channel)}")]) from None
    internal = channel is Channel.INTERNAL
    text: dict[str, Any] = {k: (raw.get(k) or "").strip() if isinstance(raw.get(k), str) else raw.get(k) for k in raw}
    for name in ("category", "description") + (() if internal else ("citizen_name", "phone")):
        if not text.get(name):
            errors.append((name, "required"))
    if len(text.get("description") or "") > 4000:
        errors.append(("description", "at most 4000 characters"))
    errors += size_problems(text)
    if any(name == "channel_data" for name, _ in errors):
        raise InvalidInput(errors)  # nothing below may read a value this big or deep
    extra = dict(raw.get("channel_data") or {})
    for name in CHANNEL_FIELDS[channel]:
        if not extra.get(name) and not (name == "email" and text.get("email")):
            errors.append((f"channel_data.{name}", f"required for channel {channel.value}"))
    phone = email = cnic = None
    if text.get("phone"):
        try:
            phone = normalise_phone(text["phone"], default_region)
        except ValueError as exc:
            errors.append(("phone", str(exc)))
    if channel is Channel.CALL_CENTRE and extra.get("caller_number"):
        try:
            extra["caller_number"] = normalise_phone(str(extra["caller_number"]), default_region)
        except ValueError as exc:
            errors.append(("channel_data.caller_number", str(exc)))
    email = text.get("email") or extra.get("email") or None
    if email and not EMAIL_RE.match(email):
        errors.append(("email", "not an email address"))
    if text.get("cnic"):
        try:
            cnic = normalise_cnic(text["cnic"])
        except ValueError as exc:
            errors.append(("cnic", str(exc)))
    point = None
    lat, lon = raw.get("lat"), raw.get("lon")
    if (lat is None) != (lon is None):
        errors.append(("lat" if lat is None else "lon", "give both lat and lon, or neither"))
    elif lat is not None and lon is not None:
        try:
            point = GeoPoint(float(lat), float(lon))
            if not (-90 <= point.lat <= 90 and -180 <= point.lon <= 180):
                errors.append(("lat", "outside the globe"))
        except (TypeError, ValueError):
            errors.append(("lat", "lat and lon must be numbers"))
    priority = None
    if raw.get("priority"):
        try:
            priority = Priority(raw["priority"])
        except ValueError:
            errors.append(("priority", f"must be one of {', '.join(p.value for p in Priority)}"))
    photos = [(p[0], p[1]) for p in raw.get("photos") or []]
    for i, (_, data) in enumerate(photos):
        errors += check_photo(f"photos[{i}]", data, max_photo_bytes)
    if errors:
        raise InvalidInput(errors)
    return Intake(
        channel=channel,
        category_id=text["category"],
        sub_category_id=text.get("sub_category") or None,
        description=text["description"],
        citizen_name=text.get("citizen_name") or None,
        phone=phone,
        email=email,
        cnic=cnic,
        address=text.get("address") or None,
        town_id=text.get("town") or None,
        ward=text.get("ward") or None,
        point=point,
        priority=priority,
        channel_data=extra,
        photos=photos,
    )
