"""Plain words for the public: what closed, since when, why, and where else to go. Pure functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

CAUSE_WORDS = {
    "power": "power cut",
    "link": "network link down",
    "switch": "network equipment fault",
    "host": "computer restarting",
    "workstation": "counter computers down",
    "unknown": "cause being checked",
}
# What a citizen does instead, per channel kind (the call centre's number is taken from its name).
ALTERNATIVE = {
    "web": "use the web portal",
    "sms": "send an SMS to the short code",
    "chatbot": "message the WhatsApp line",
    "walk_in": "visit another walk-in counter",
}
PREFERRED = ("call_centre", "web", "sms", "chatbot")  # the alternatives named first
PUBLIC_KINDS = ("call_centre", "web", "chatbot", "sms", "mayor_office", "email", "walk_in")


@dataclass(frozen=True)
class ChannelInfo:
    """A complaint channel as the public sees it."""

    id: str
    name: str
    kind: str
    town_id: str | None  # the town a walk-in counter serves; None: the whole city


def local_time(at: datetime, tz: str, with_date: bool = False) -> str:
    """A time in the city's zone: "13:40", or "1 Dec 13:40"."""
    local = at.astimezone(ZoneInfo(tz))
    return local.strftime("%-d %b %H:%M") if with_date else local.strftime("%H:%M")


def cause_words(cause: str | None) -> str:
    return CAUSE_WORDS.get(cause or "unknown", CAUSE_WORDS["unknown"])


def call_number(name: str) -> str:
    """The number to call from a call centre's name ("1339 Call Centre" -> "1339")."""
    first = name.split()[0] if name.split() else ""
    return first if first.isdigit() else name


def alternatives(down: ChannelInfo, up: list[ChannelInfo]) -> list[str]:
    """Up to two other ways in that are up now, in the order citizens use them."""
    out: list[str] = []
    for kind in PREFERRED:
        for ch in up:
            if ch.kind == kind and ch.id != down.id:
                phrase = f"call {call_number(ch.name)}" if kind == "call_centre" else ALTERNATIVE[kind]
                if phrase not in out:
                    out.append(phrase)
                break
    return out[:2]


def closed_word(kind: str) -> str:
    return "closed" if kind == "walk_in" else "down"


def channel_down_title(ch: ChannelInfo) -> str:
    return f"{ch.name} {closed_word(ch.kind)}"


def channel_down_text(ch: ChannelInfo, since: datetime, cause: str | None, up: list[ChannelInfo], tz: str) -> str:
    """ "Orangi walk-in counter closed since 13:40 — power cut; call 1339 or use the web portal"."""
    text = f"{ch.name} {closed_word(ch.kind)} since {local_time(since, tz)} — {cause_words(cause)}"
    alt = alternatives(ch, up)
    return text + ("; " + " or ".join(alt) if alt else "")


def past_incident_text(ch: ChannelInfo, started: datetime, ended: datetime, cause: str | None, tz: str) -> str:
    """ "Orangi walk-in counter was closed from 1 Dec 13:40 to 14:25 (45 minutes) — power cut"."""
    minutes = max(1, round((ended - started).total_seconds() / 60))
    span = f"{minutes} minute{'s' if minutes != 1 else ''}" if minutes < 120 else f"{minutes / 60:.1f} hours"
    end = local_time(ended, tz, with_date=ended.date() != started.date())
    return (
        f"{ch.name} was {closed_word(ch.kind)} from {local_time(started, tz, with_date=True)} to {end} ({span})"
        f" — {cause_words(cause)}"
    )
