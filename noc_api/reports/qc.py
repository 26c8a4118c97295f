"""QC figures for the QC centre's daily, fortnightly and monthly reports to the Mayor: verification calls and
their outcomes, call-backs on open complaints, citizens' ratings and the appeals poor ratings opened."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from complaint_core.services.figures import qc_counts

OUTCOMES = ("verified", "failed", "unreachable")


def qc_figures(session: Session, *, start: datetime, end: datetime) -> dict[str, Any]:
    """Calls, ratings and appeals of [start, end); the open appeals are counted as of ``end``."""
    counts = qc_counts(session, start=start, end=end)
    totals = dict.fromkeys(("verified", "failed_verification", "unreachable", "callbacks", "callbacks_reached"), 0)
    officers: dict[str, dict[str, Any]] = {}
    for officer, purpose, outcome, reached, n in counts.calls:
        mine = officers.setdefault(
            officer, {"officer": officer, "calls": 0, **dict.fromkeys(OUTCOMES, 0), "callbacks": 0}
        )
        mine["calls"] += n
        if purpose == "callback":
            totals["callbacks"] += n
            totals["callbacks_reached"] += n if reached else 0
            mine["callbacks"] += n
            continue
        key = "failed_verification" if outcome == "failed" else outcome
        totals[key] += n
        mine[outcome] += n
    attempted = totals["verified"] + totals["failed_verification"]
    ratings = counts.ratings
    rated = sum(ratings.values())
    return {
        **totals,
        "verification_calls": attempted + totals["unreachable"],
        "satisfaction_percent": round(100 * totals["verified"] / attempted, 1) if attempted else None,
        "ratings": rated,
        "average_rating": round(sum(k * v for k, v in ratings.items()) / rated, 2) if rated else None,
        "ratings_by_score": {str(k): ratings.get(k, 0) for k in range(1, 6)},
        "appeals_opened": counts.appeals_opened,
        "appeals_handled": counts.appeals_handled,
        "appeals_open": counts.appeals_open,
        "by_officer": sorted(officers.values(), key=lambda r: (-r["calls"], r["officer"])),
    }
