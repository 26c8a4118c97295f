"""The public status document, built from the health state (channel intervals, outages, maintenance windows) and
the current notices, and the per-process cache that serves it.

The leader's scheduler job builds the document and stores it (``status_snapshots``); every process answers from
the copy in its memory and refreshes that copy from the stored one in the background, so a slow or absent
database never holds a citizen's request, which says "as of" when the copy was built. Nothing personal is in it:
channel names, states, times, causes and public notices only.
"""

from __future__ import annotations

import json
import logging
import threading
import time as clock
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from noc_api.db import noc_models as nm
from noc_api.db.notice_models import StatusSnapshot
from noc_api.health.topology import Topology
from noc_api.health.uptime import Span, uptime
from noc_api.notices import service as notices
from noc_api.notices.words import PUBLIC_KINDS, ChannelInfo, channel_down_text, local_time, past_incident_text

log = logging.getLogger("ccis.status")
DAYS = 90
PAST_INCIDENT_DAYS = 14
NAME = "public"
SI = nm.StateInterval.__table__
OUT = nm.OutageRow.__table__
MW = nm.MaintenanceWindow.__table__
FAILED = ("down", "unreachable")

WORDS = {  # (walk-in counter, other channel) -> words shown with the colour
    "up": ("Open", "Working"),
    "degraded": ("Open, slow", "Slow or partly working"),
    "down": ("Closed", "Down"),
    "maintenance": ("Closed for maintenance", "Under maintenance"),
    "unknown": ("Not monitored", "Not monitored"),
}


def state_words(state: str, kind: str) -> str:
    pair = WORDS.get(state, WORDS["unknown"])
    return pair[0] if kind == "walk_in" else pair[1]


def public_state(state: str | None, reason: str) -> str:
    """up | degraded | down | maintenance | unknown, as the public is told."""
    if state in FAILED:
        return "down"
    if state == "unknown" and reason.startswith("maintenance"):
        return "maintenance"
    return state if state in ("up", "degraded") else "unknown"


def day_bar(
    spans: list[Span], windows: list[tuple[datetime, datetime]], a: datetime, b: datetime, now: datetime
) -> dict:
    """One day's bar: up, partial, down, maintenance, or none (not monitored; never counted as down)."""
    f = uptime(spans, windows, a, b, now)
    known = f.seconds - f.maintenance_seconds - f.unknown_seconds
    if f.seconds <= 0 or known <= 0:
        state = "maintenance" if f.maintenance_seconds > 0 else "none"
        return {"state": state, "uptime_percent": None, "minutes_down": 0}
    ratio = f.ratio or 0.0
    state = "up" if f.lost_seconds < 1 else "partial" if ratio >= 0.95 else "down"
    return {"state": state, "uptime_percent": round(100 * ratio, 2), "minutes_down": round(f.lost_seconds / 60)}


@dataclass(frozen=True)
class BoardInputs:
    """What the board needs of the inventory: the public channels and the city's zone."""

    channels: list[ChannelInfo]  # public channels, in the inventory's order
    site_of: dict[str, str | None]  # channel id -> site id
    tz: str
    city: str
    alt_map: dict[str, list[str]] = field(default_factory=dict)  # device id -> channels that require it


def build_document(session: Session, inputs: BoardInputs, now: datetime) -> dict:
    """The whole public status document at ``now`` (plain JSON values)."""
    tz = ZoneInfo(inputs.tz)
    today = now.astimezone(tz).date()
    days = [today - timedelta(days=i) for i in range(DAYS - 1, -1, -1)]
    start = datetime.combine(days[0], time(0), tz).astimezone(UTC)
    ids = [c.id for c in inputs.channels]
    spans: dict[str, list[Span]] = {c: [] for c in ids}
    current: dict[str, tuple[str, str, datetime]] = {}
    for r in session.execute(
        select(SI.c.subject_id, SI.c.started_at, SI.c.ended_at, SI.c.state, SI.c.reason).where(
            SI.c.scope == "channel", SI.c.subject_id.in_(ids), or_(SI.c.ended_at.is_(None), SI.c.ended_at > start)
        )
    ):
        spans[r[0]].append(Span(r[1], r[2], r[3], maintenance=r[4].startswith("maintenance")))
        if r[2] is None:
            current[r[0]] = (r[3], r[4], r[1])
    windows: dict[str, list[tuple[datetime, datetime, str, str]]] = {}
    upcoming: list[dict] = []
    for w in session.execute(select(MW).where(MW.c.ends_at > start)):
        touched = _window_channels(w.scope, w.subject_id, inputs)
        for c in touched:
            windows.setdefault(c, []).append((w.starts_at, w.ends_at, w.note, w.scope))
        if w.ends_at > now and touched:
            names = [c.name for c in inputs.channels if c.id in touched]
            upcoming.append({
                "channels": names, "starts_at": w.starts_at.isoformat(), "ends_at": w.ends_at.isoformat(),
                "text": f"{', '.join(names)}: maintenance from {local_time(w.starts_at, inputs.tz, True)} to "
                        f"{local_time(w.ends_at, inputs.tz, w.ends_at.date() != w.starts_at.date())}"
                        + (f" — {w.note}" if w.note else ""),
                "now": w.starts_at <= now,
            })  # fmt: skip
    upcoming.sort(key=lambda u: u["starts_at"])
    bounds = [
        (d, datetime.combine(d, time(0), tz).astimezone(UTC), datetime.combine(d + timedelta(days=1), time(0), tz))
        for d in days
    ]
    up_now = [c for c in inputs.channels if public_state(*current.get(c.id, ("unknown", ""))[:2]) in ("up", "degraded")]
    causes = _open_causes(session)
    channels_out = []
    current_incidents = []
    for ch in inputs.channels:
        state, reason, since = current.get(ch.id, ("unknown", "never heard", None))
        shown = public_state(state, reason)
        win = [(a, b) for a, b, _n, _s in windows.get(ch.id, [])]
        bars = []
        for d, a, b in bounds:
            bar = day_bar(spans[ch.id], win, a, b.astimezone(UTC), now)
            bars.append({"date": d.isoformat(), **bar})
        total = uptime(spans[ch.id], win, start, now, now)
        channels_out.append({
            "id": ch.id, "name": ch.name, "kind": ch.kind, "town_id": ch.town_id, "state": shown,
            "words": state_words(shown, ch.kind), "since": since.isoformat() if since and shown != "unknown" else None,
            "since_local": local_time(since, inputs.tz, True) if since and shown != "unknown" else None,
            "uptime_90d_percent": None if total.ratio is None else round(100 * total.ratio, 2), "days": bars,
        })  # fmt: skip
        if shown == "down" and since is not None:
            current_incidents.append({
                "channel": ch.id, "name": ch.name, "since": since.isoformat(), "cause": causes.get(ch.id),
                "text": channel_down_text(ch, since, causes.get(ch.id), up_now, inputs.tz),
            })  # fmt: skip
    return {
        "city": inputs.city,
        "as_of": now.isoformat(),
        "as_of_local": local_time(now, inputs.tz, True),
        "time_zone": inputs.tz,
        "channels": channels_out,
        "incidents": {"current": current_incidents, "past": _past(session, inputs, now)},
        "maintenance": upcoming,
        "notices": notices.current(session, now),
    }


def _window_channels(scope: str, subject: str, inputs: BoardInputs) -> set[str]:
    if scope == "channel":
        return {subject} & {c.id for c in inputs.channels}
    if scope == "site":
        return {c for c, s in inputs.site_of.items() if s == subject}
    return set(inputs.alt_map.get(subject, ()))


def _open_causes(session: Session) -> dict[str, str]:
    out: dict[str, str] = {}
    for r in session.execute(select(OUT.c.cause, OUT.c.channels).where(OUT.c.ended_at.is_(None))):
        for c in r.channels or []:
            out.setdefault(c, r.cause)
    return out


def _past(session: Session, inputs: BoardInputs, now: datetime) -> list[dict]:
    """Outages that took a public channel down and ended in the last two weeks, newest first."""
    by_id = {c.id: c for c in inputs.channels}
    since = now - timedelta(days=PAST_INCIDENT_DAYS)
    out = []
    q = (
        select(OUT.c.started_at, OUT.c.ended_at, OUT.c.cause, OUT.c.channels, OUT.c.in_maintenance)
        .where(OUT.c.ended_at.is_not(None), OUT.c.ended_at > since)
        .order_by(OUT.c.ended_at.desc())
        .limit(500)
    )
    for r in session.execute(q):
        if r.in_maintenance:
            continue
        for c in r.channels or []:
            if c in by_id:
                out.append({
                    "channel": c, "name": by_id[c].name, "started_at": r.started_at.isoformat(),
                    "ended_at": r.ended_at.isoformat(), "cause": r.cause,
                    "text": past_incident_text(by_id[c], r.started_at, r.ended_at, r.cause, inputs.tz),
                })  # fmt: skip
    return out[:50]


def store(session: Session, document: dict, now: datetime) -> None:
    row = session.get(StatusSnapshot, NAME)
    if row is None:
        session.add(StatusSnapshot(name=NAME, built_at=now, document=document))
    else:
        row.built_at, row.document = now, document


def inputs_from(inventory, topo: Topology) -> BoardInputs:  # noqa: ANN001
    """The public channels of an inventory (the NOC's internal one is left out)."""
    kinds = {s.id: s.kind.value for s in inventory.sites}
    towns = {s.id: s.town for s in inventory.sites}
    chans = []
    for c in inventory.channels:
        if c.kind.value not in PUBLIC_KINDS:
            continue
        town = towns.get(c.site) if c.kind.value == "walk_in" and kinds.get(c.site or "") == "town_office" else None
        chans.append(ChannelInfo(c.id, c.name, c.kind.value, town))
    needs: dict[str, list[str]] = {}
    for c in chans:
        for dev in _flatten(topo.channels[c.id].requires):
            needs.setdefault(dev, []).append(c.id)
    return BoardInputs(
        channels=chans,
        site_of={c.id: topo.channels[c.id].site_id for c in chans},
        tz=inventory.city.timezone,
        city=inventory.city.name,
        alt_map=needs,
    )


def _flatten(req: dict | str) -> list[str]:
    if isinstance(req, str):
        return [req]
    return [d for key in ("all", "any", "of") for x in req.get(key, []) for d in _flatten(x)]


@dataclass
class StatusBoard:
    """Per process: the last status document, refreshed without ever making a request wait on the database."""

    sessions: sessionmaker[Session]
    inputs: BoardInputs
    max_age: float  # seconds before a copy is refreshed from the stored one
    document: dict | None = None
    built_at: datetime | None = None
    _json: bytes = b""  # the document encoded once per copy: each answer sends these bytes
    wake: Callable[[], None] = lambda: None  # asks the scheduler for a rebuild now
    _dirty: bool = False
    rendered: dict[str, tuple[str, str]] = field(default_factory=dict)  # language -> (as_of, the page's lists)
    _loaded_at: float = 0.0
    _loading: threading.Lock = field(default_factory=threading.Lock)

    def changed(self) -> None:
        """Something the board shows changed (called after the change is committed): rebuild soon."""
        self._dirty = True
        self.wake()

    def rebuild(self, now: datetime) -> dict:
        """Build the document from the database and store it (the leader's scheduler job). A change committed
        while it was reading is built again at once: its reads are not one snapshot on every backend."""
        for _ in range(3):
            self._dirty = False
            with self.sessions.begin() as session:
                doc = build_document(session, self.inputs, now)
                store(session, doc, now)
            self._keep(doc, now)
            if not self._dirty:
                break
            now = datetime.now(UTC)
        return doc

    def _keep(self, doc: dict, built: datetime) -> None:
        self.document, self.built_at, self._loaded_at = doc, built, clock.monotonic()
        self._json = json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()

    def load_stored(self) -> bool:
        """Take the stored document when it is newer than ours (another process's build)."""
        with self.sessions() as session:
            row = session.get(StatusSnapshot, NAME)
            if row is None:
                return False
            if self.built_at is None or row.built_at > self.built_at:
                self._keep(row.document, row.built_at)
            else:
                self._loaded_at = clock.monotonic()
        return True

    def get(self) -> dict | None:
        """The document to answer with (None only before the first one exists); a stale copy starts a
        background refresh and is answered meanwhile."""
        if self.document is None:
            with self._loading:
                if self.document is None and not self.load_stored():
                    self.rebuild(datetime.now(UTC))
            return self.document
        if clock.monotonic() - self._loaded_at > self.max_age and self._loading.acquire(blocking=False):
            threading.Thread(target=self._refresh_in_background, daemon=True, name="status-board").start()
        return self.document

    def encoded(self) -> bytes:
        """The document as JSON bytes (empty only before the first one exists)."""
        self.get()
        return self._json

    def _refresh_in_background(self) -> None:
        try:
            self.load_stored()
        except Exception:  # the database is slow or away: keep answering with what we have
            log.warning("status board: could not read the stored document", exc_info=True)
        finally:
            self._loading.release()
