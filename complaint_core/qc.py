"""Quality control: which resolved complaints the QC desk calls back, and what a rating means."""

from __future__ import annotations

import hashlib

POOR_RATING = 2  # a rating of 1 or 2 opens an appeal


def needs_qc(tracking_number: str, *, priority: str, sample_rate: float, reopen_count: int = 0) -> bool:
    """All high/urgent and reopened complaints; otherwise a stable sample of ``sample_rate`` by tracking number.

    Hashing the number (not a random draw) makes the decision reproducible and auditable.
    """
    if priority in ("high", "urgent") or reopen_count > 0:
        return True
    if sample_rate <= 0:
        return False
    bucket = int.from_bytes(hashlib.sha256(tracking_number.encode()).digest()[:4], "big") / 2**32
    return bucket < sample_rate


def is_poor(rating: int) -> bool:
    """Ratings 1-2 are poor and open an appeal."""
    return rating <= POOR_RATING
