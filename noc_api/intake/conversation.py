"""The short dialogue of the SMS, WhatsApp and chatbot lines, as a pure function of (state, message).

    citizen: hi                      -> the numbered categories
    citizen: 2  (or "garbage")       -> which town? (number, name, ward, or a shared location)
    citizen: Orangi UC-1             -> describe the problem
    citizen: heap of garbage ...     -> registered: KHI-2026-0001234, promised by ...
    citizen: STATUS KHI-2026-0001234 -> state and promised date (and, once resolved, "reply 1-5 to rate")
    citizen: 4                       -> the rating is recorded

``step`` decides; the caller performs the action (register, look up, rate) and words the answer with the
``*_text`` functions, so the dialogue is tested without a database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

IDLE, CATEGORY, LOCATION, DESCRIPTION, RATING = "idle", "category", "location", "description", "rating"
TRACKING = re.compile(r"\b([A-Z]{2,5}-\d{4}-\d{1,7}|[A-Z0-9][A-Z0-9/\-]{3,23})\b")
STATUS_WORDS = ("STATUS", "TRACK")
CANCEL_WORDS = {"CANCEL", "STOP", "RESET", "END"}
HELP_WORDS = {"HELP", "MENU", "?"}
_STOP = {"and", "the", "not", "no", "or", "of", "in", "low", "cover"}
HELP = (
    "Send any message to lodge a complaint. STATUS <number> tells its state, RATE <number> <1-5> rates a "
    "resolved one, CANCEL starts over."
)


@dataclass(frozen=True)
class Choice:
    id: str
    name: str
    words: frozenset[str] = frozenset()  # extra words that pick it ("UC-1" for a ward, say)


@dataclass(frozen=True)
class Menu:
    """What the dialogue offers: numbered categories and towns; sub-categories and wards are found by words."""

    categories: tuple[Choice, ...]  # numbered from 1
    sub_categories: tuple[Choice, ...] = ()
    towns: tuple[Choice, ...] = ()  # numbered from 1
    wards: tuple[tuple[str, str], ...] = ()  # (ward, town id)


@dataclass(frozen=True)
class Inbound:
    text: str
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Action:
    kind: str  # register | status | rate
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Turn:
    state: str
    data: dict[str, Any]
    reply: str | None = None  # None: the action's result words the reply
    action: Action | None = None


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.casefold()) if w not in _STOP}


def _name_words(choice: Choice) -> set[str]:
    return {w for w in _words(choice.name) | _words(choice.id.replace("-", " ")) if len(w) >= 4} | set(choice.words)


def match_category(menu: Menu, text: str) -> Choice | None:
    """A category by its number in the menu, or the one whose name shares most words with the text."""
    t = text.strip()
    if t.isdigit():
        n = int(t)
        return menu.categories[n - 1] if 1 <= n <= len(menu.categories) else None
    said = _words(t) | {w.rstrip("s") for w in _words(t)}
    best, score = None, 0
    for c in (*menu.categories, *menu.sub_categories):  # a sub-category must match more words to win
        s = len(_name_words(c) & said)
        if s > score:
            best, score = c, s
    return best


def match_place(menu: Menu, text: str) -> tuple[str | None, str | None]:
    """(town id, ward) from a town number, a ward name ("Orangi UC-1") or a town name; (None, None) if neither."""
    t = text.strip()
    if t.isdigit():
        n = int(t)
        return (menu.towns[n - 1].id, None) if 1 <= n <= len(menu.towns) else (None, None)
    folded = " ".join(re.findall(r"[a-z0-9]+", t.casefold()))
    for ward, ward_town in menu.wards:
        if " ".join(re.findall(r"[a-z0-9]+", ward.casefold())) in folded:
            return ward_town, ward
    for town in menu.towns:
        if " ".join(re.findall(r"[a-z0-9]+", town.name.casefold())) in folded:
            return town.id, None
    return None, None


def category_menu(menu: Menu) -> str:
    items = "; ".join(f"{i} {c.name}" for i, c in enumerate(menu.categories, 1))
    return f"What is the complaint about? Reply with a number or a word: {items}."


def town_menu(menu: Menu) -> str:
    items = "; ".join(f"{i} {t.name}" for i, t in enumerate(menu.towns, 1))
    return (
        f"Where is it? Reply with your town's number or name, your ward (as Orangi UC-1), or share a location: {items}."
    )


def _tracking(text: str) -> str | None:
    m = TRACKING.search(text.upper())
    return m.group(1) if m else None


def step(state: str, data: dict[str, Any], msg: Inbound, menu: Menu) -> Turn:
    """The next state, what to remember, the reply (or the action whose result is the reply)."""
    text = msg.text.strip()
    head = text.split(maxsplit=1)[0].upper().rstrip(":") if text else ""
    if head in CANCEL_WORDS:
        return Turn(IDLE, {}, "Cancelled. Send any message to start a new complaint.")
    if head in HELP_WORDS:
        return Turn(state, data, HELP)
    if head in STATUS_WORDS:
        number = _tracking(text[len(head) :])
        if not number:
            return Turn(state, data, "Send STATUS and the complaint number, as STATUS KHI-2026-0001234.")
        return Turn(state, data, action=Action("status", {"tracking": number, "then": state}))
    if head == "RATE":
        m = re.match(r"RATE\s+(\S+)\s+([1-5])\b\s*(.*)$", text, re.IGNORECASE | re.DOTALL)
        if not m:
            return Turn(state, data, "Send RATE, the complaint number and 1 to 5, as RATE KHI-2026-0001234 4.")
        rating = {"tracking": m.group(1).upper(), "rating": int(m.group(2)), "comment": m.group(3).strip() or None}
        return Turn(IDLE if state == RATING else state, {} if state == RATING else data, action=Action("rate", rating))
    if state == RATING:
        m = re.match(r"^([1-5])\b\s*(.*)$", text, re.DOTALL)
        if m:
            args = {"tracking": data["tracking"], "rating": int(m.group(1)), "comment": m.group(2).strip() or None}
            return Turn(IDLE, {}, action=Action("rate", args))
        state, data = IDLE, {}  # not a rating: a new conversation
    if state == CATEGORY:
        chosen = match_category(menu, text)
        if chosen is None:
            return Turn(CATEGORY, data, "Sorry, I did not find that. " + category_menu(menu))
        return Turn(LOCATION, {"category": chosen.id}, f"{chosen.name}. " + town_menu(menu))
    if state == LOCATION:
        if msg.lat is not None and msg.lon is not None:
            return Turn(DESCRIPTION, data | {"lat": msg.lat, "lon": msg.lon}, "Thank you. Now describe the problem.")
        town, ward = match_place(menu, text)
        if town is None:
            return Turn(LOCATION, data, "Sorry, I did not find that place. " + town_menu(menu))
        return Turn(DESCRIPTION, data | {"town": town, "ward": ward}, "Thank you. Now describe the problem.")
    if state == DESCRIPTION:
        if len(text) < 5:
            return Turn(DESCRIPTION, data, "Please describe the problem in a few words.")
        return Turn(IDLE, {}, action=Action("register", data | {"description": text}))
    # Idle: a new complaint; a first message naming the problem skips the category question.
    chosen = match_category(menu, text) if not text.isdigit() else None
    if chosen is not None:
        return Turn(LOCATION, {"category": chosen.id}, f"{chosen.name}. " + town_menu(menu))
    return Turn(CATEGORY, {}, "Assalam-o-Alaikum. " + category_menu(menu))


def status_text(number: str, label: str | None, due: datetime | None, rateable: bool) -> str:
    """The answer to STATUS (no personal data: the same as the public tracking page)."""
    if label is None:
        return f"No complaint {number} was found. Check the number and send STATUS <number> again."
    when = f" Promised by {due:%d %b %Y}." if due else ""
    rate = " Reply 1 to 5 to rate how it was resolved." if rateable else ""
    return f"Complaint {number}: {label}.{when}{rate}"
