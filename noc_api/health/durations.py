"""One way to say how long something lasted, used by outage tickets, the outage API and the MIS alike, so a
72 s outage reads "1 min 12 s" everywhere (never "1 min" here and "2 channel-minutes" there)."""

from __future__ import annotations


def format_duration(seconds: float) -> str:
    """'45 s', '1 min 12 s', '2 h 28 min', '3 d 4 h': exact to the second under an hour, then to the minute,
    from a day to the hour (each rounded to the unit it ends on)."""
    total = round(max(0.0, seconds))
    if total < 60:
        return f"{total} s"
    if total < 3600:
        mins, secs = divmod(total, 60)
        return f"{mins} min {secs} s" if secs else f"{mins} min"
    minutes = round(seconds / 60)
    if minutes < 24 * 60:
        hours, mins = divmod(minutes, 60)
        return f"{hours} h {mins} min"
    days, hours = divmod(round(seconds / 3600), 24)
    return f"{days} d {hours} h"
