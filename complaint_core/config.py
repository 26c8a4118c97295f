"""Knobs of the complaint core, passed in by the server (built from its settings)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from complaint_core.attachments import AttachmentStore, NoStore
from complaint_core.sla import ROUND_THE_CLOCK, Calendar, EscalationPolicy


@dataclass(frozen=True)
class CoreConfig:
    attachments: AttachmentStore = field(default_factory=NoStore)  # the server gives its store of files
    max_photo_bytes: int = 5 * 1024 * 1024
    qc_sample_rate: float = 0.1
    calendar: Calendar = ROUND_THE_CLOCK
    escalation: EscalationPolicy = field(default_factory=EscalationPolicy)
    duplicate_radius_m: float = 250.0
    duplicate_days: int = 7
    public_base_url: str = "http://127.0.0.1:8000"
    phone_region: str = "PK"
    feedback_link: str = ""  # "{base}/track/{tracking}?t={token}" built by the server, or empty
    tz: str = "UTC"  # the city's zone: every time a citizen reads (SMS, slip, tracking page) is in it
    reopen_after_close: timedelta = timedelta(days=7)  # a citizen may reopen a closed complaint this long
    code_key: bytes = b""  # keys the citizens' tracking codes (complaint_core.access); empty: no codes

    def local(self, at: datetime) -> str:
        """``at`` as a citizen reads it: day, month, year, time and the zone's abbreviation (PKT)."""
        return at.astimezone(ZoneInfo(self.tz)).strftime("%d %b %Y %H:%M %Z")
