"""Knobs of the complaint core, passed in by the server (built from its settings)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from complaint_core.sla import ROUND_THE_CLOCK, Calendar, EscalationPolicy


@dataclass(frozen=True)
class CoreConfig:
    attachments_dir: Path = Path("var/attachments")
    max_photo_bytes: int = 5 * 1024 * 1024
    qc_sample_rate: float = 0.1
    calendar: Calendar = ROUND_THE_CLOCK
    escalation: EscalationPolicy = field(default_factory=EscalationPolicy)
    duplicate_radius_m: float = 250.0
    duplicate_days: int = 7
    public_base_url: str = "http://127.0.0.1:8000"
    phone_region: str = "PK"
    feedback_link: str = ""  # "{base}/track/{tracking}?t={token}" built by the server, or empty
