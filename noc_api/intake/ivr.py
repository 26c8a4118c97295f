"""The IVR's status look-up: the PBX sends the digits the caller keyed; the answer is a short text and digits.

The caller keys the number without the city code and dashes (KHI-2026-0001234 is 20260001234); a legacy number
that is all digits is keyed as it is. ``status_digit`` picks the IVR's recorded prompt, ``promised_digits`` is
the promised date as YYYYMMDD for the IVR to speak.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from complaint_core.services.lookups import complaints
from noc_api.complaints.desk import ComplaintDesk
from noc_api.complaints.open311_requests import NOTES

# One digit per group of statuses, so the IVR needs few recordings.
STATUS_DIGITS = {
    "triage": "1",
    "registered": "1",
    "assigned": "2",
    "in_progress": "2",
    "reassign_requested": "2",
    "waiting_citizen": "3",
    "reopened": "4",
    "escalated": "4",
    "resolved": "5",
    "verified": "5",
    "closed": "6",
    "rejected": "7",
}
NOT_FOUND_DIGIT = "0"


def numbers_for(city_code: str, digits: str) -> list[str]:
    """The tracking numbers keyed digits may stand for."""
    out = [digits]
    if len(digits) == 11:
        out.insert(0, f"{city_code}-{digits[:4]}-{digits[4:]}")
    return out


def status(session: Session, desk: ComplaintDesk, keyed: str) -> dict[str, Any]:
    digits = "".join(ch for ch in keyed if ch.isdigit())
    found = complaints(session, numbers_for(desk.city_code, digits), public_only=True) if digits else []
    row = found[0] if found else None
    if row is None:
        return {
            "found": False,
            "tracking_number": None,
            "status": None,
            "status_digit": NOT_FOUND_DIGIT,
            "promised_date": None,
            "promised_digits": None,
            "text": f"No complaint with the number {' '.join(digits) or 'given'} was found.",
        }
    due = row.due_at.astimezone(ZoneInfo(desk.timezone))
    label = NOTES.get(row.status, row.status).rstrip(".")
    return {
        "found": True,
        "tracking_number": row.tracking_number,
        "status": row.status,
        "status_digit": STATUS_DIGITS.get(row.status, NOT_FOUND_DIGIT),
        "promised_date": due.date().isoformat(),
        "promised_digits": due.strftime("%Y%m%d"),
        "text": f"Complaint {row.tracking_number}: {label}. Promised by {due:%d %B %Y}.",
    }
