"""The whole-city state as JSON for the wall and `/api/v1/noc/state`, built at every read.

What is expensive and does not change while the server runs is kept: the topology's skeleton (each site's and
device's encoded id, town and kind, which devices sit under which site) and the encoding of each state interval
already seen (keyed by the interval's id and its reason, the only column updated in place, so it can never be
stale). What the wall reads as "now" is read from the database on every request: every current state, each site's
last heard time, the open outages and their durations.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Connection, Dialect, select
from sqlalchemy.orm import Session

from noc_api.db import noc_models as nm
from noc_api.health.topology import Topology

SI = nm.StateInterval.__table__
UNSEEN = '"state":"unknown","reason":"not evaluated yet","since":null'


def _j(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


@dataclass
class Skeleton:
    """Encoded pieces of the topology: (prefix, suffix) around each subject's state."""

    sites: list[tuple[str, str, str, list[tuple[str, str, str]]]]  # site id, prefix, suffix, devices
    channels: list[tuple[str, str, str]]  # channel id, prefix, suffix


def skeleton(topo: Topology) -> Skeleton:
    """The parts of the city state that only the topology decides."""
    sites = []
    for site_id, node in topo.sites.items():
        devices = [
            (d, '{"id":' + _j(d) + ",", ',"kind":' + _j(topo.devices[d].kind) + "}")
            for d in topo.site_devices.get(site_id, ())
        ]
        suffix = ',"town_id":' + _j(node.town_id) + ',"kind":' + _j(node.kind) + ',"last_heard":'
        sites.append((site_id, '{"id":' + _j(site_id) + ",", suffix, devices))
    channels = [
        (c, '{"id":' + _j(c) + ",", ',"kind":' + _j(n.kind) + ',"site_id":' + _j(n.site_id) + "}")
        for c, n in topo.channels.items()
    ]
    return Skeleton(sites, channels)


@dataclass
class StateCache:
    """Per server process: the skeleton of one topology and the encodings of the intervals seen."""

    topo: Topology | None = None
    frame: Skeleton | None = None
    fragments: dict[int, tuple[str, str]] = field(default_factory=dict)  # interval id -> (reason, encoded)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def frame_for(self, topo: Topology) -> Skeleton:
        """The skeleton of ``topo``, built once."""
        with self.lock:
            if self.topo is not topo or self.frame is None:
                self.topo, self.frame, self.fragments = topo, skeleton(topo), {}
            return self.frame


def _fragment(row, iso: dict[datetime, str]) -> str:  # noqa: ANN001
    since = iso.get(row.started_at)
    if since is None:
        since = iso[row.started_at] = row.started_at.isoformat()
    out = '"state":' + _j(row.state) + ',"reason":' + _j(row.reason) + ',"since":"' + since + '"'
    if row.root_cause:
        out += ',"root_cause":' + _j(row.root_cause)
    return out


def _encode_missing(session: Session, ids: list[int], total: int) -> dict[int, tuple[str, str]]:
    """Encodings of intervals not seen before (their start time is the costly column: read only for these)."""
    cols = (SI.c.id, SI.c.state, SI.c.reason, SI.c.root_cause, SI.c.started_at)
    iso: dict[datetime, str] = {}
    if len(ids) > total // 4:  # a cold cache: one pass over every open interval beats many lookups
        rows = session.execute(select(*cols).where(SI.c.ended_at.is_(None))).all()
    else:
        rows = [
            r
            for i in range(0, len(ids), 500)
            for r in session.execute(select(*cols).where(SI.c.id.in_(ids[i : i + 500])))
        ]
    return {r.id: (r.reason, _fragment(r, iso)) for r in rows}


# Every open interval as the driver gives it, read on the DB-API cursor: no per-row type processing. The start
# time is converted once per distinct value (most subjects changed in the same few sweeps); PostgreSQL gives it as
# ISO text in the session's zone (whatever the DateStyle), the instant and offset psycopg would build a datetime
# from, at a third of the cost.
STATE_SQL = "SELECT scope, subject_id, state, reason, root_cause, {started} FROM " + SI.name + " WHERE ended_at IS NULL"


def _driver_rows(conn: Connection, sql: str) -> list[tuple]:
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _started_reader(dialect: Dialect) -> tuple[str, Callable[[Any], datetime]]:
    """The open-intervals query and how its start column becomes the datetime the column type would give."""
    if dialect.name == "postgresql":
        return STATE_SQL.format(started="to_char(started_at, 'YYYY-MM-DD HH24:MI:SS.USOF')"), datetime.fromisoformat
    process = SI.c.started_at.type.dialect_impl(dialect).result_processor(dialect, None)  # SQLite's text
    if process is None:
        return STATE_SQL.format(started="started_at"), lambda value: value
    return STATE_SQL.format(started="started_at"), lambda value: cast(datetime, process(value))


def city_state(session: Session, topo: Topology, open_outages: list[dict]) -> dict:
    """Every site with its state and its devices' states, the channels, and ``open_outages``: read and built now."""
    conn = session.connection()
    sql, to_datetime = _started_reader(conn.dialect)
    cur: dict[str, dict[str, dict]] = {"site": {}, "device": {}, "channel": {}}  # scope -> id -> its entry
    iso: dict[object, str] = {}
    for scope, subject, state, reason, root_cause, started in _driver_rows(conn, sql):
        since = iso.get(started)
        if since is None:
            since = iso[started] = to_datetime(started).isoformat()
        entry = {"id": subject, "state": state, "reason": reason, "since": since}
        if root_cause:
            entry["root_cause"] = root_cause
        if scope in cur:
            cur[scope][subject] = entry
    heard = dict(_driver_rows(conn, f"SELECT site_id, last_heard_ts FROM {nm.AgentStatus.__tablename__}"))
    site_rows, device_rows, channel_rows = cur["site"], cur["device"], cur["channel"]
    devices, site_devices = topo.devices, topo.site_devices
    sites = []
    counts: dict[str, int] = {}
    # Each entry belongs to one subject, so the topology's fields are added to it in place.
    for site_id, node in topo.sites.items():
        site = site_rows.get(site_id) or _unseen(site_id)
        site["town_id"], site["kind"] = node.town_id, node.kind
        ts = heard.get(site_id)
        site["last_heard"] = datetime.fromtimestamp(ts, UTC).isoformat() if ts else None
        inner = []
        for d in site_devices.get(site_id, ()):
            e = device_rows.get(d) or _unseen(d)
            e["kind"] = devices[d].kind
            inner.append(e)
        site["devices"] = inner
        sites.append(site)
        counts[site["state"]] = counts.get(site["state"], 0) + 1
    channels = []
    for c, n in topo.channels.items():
        e = channel_rows.get(c) or _unseen(c)
        e["kind"], e["site_id"] = n.kind, n.site_id
        channels.append(e)
    return {"sites": sites, "channels": channels, "site_counts": counts, "outages": open_outages}


def _unseen(ident: str) -> dict:
    return {"id": ident, "state": "unknown", "reason": "not evaluated yet", "since": None}


# The open intervals' plain columns, read on every request: the driver's rows as they come (no type processing).
OPEN_SQL = f"SELECT id, scope, subject_id, state, reason FROM {SI.name} WHERE ended_at IS NULL"


def city_state_json(session: Session, topo: Topology, cache: StateCache, open_outages: list[dict]) -> bytes:
    """The same document as ``city_state``, encoded, with every state and time read now."""
    frame = cache.frame_for(topo)
    conn = session.connection()
    rows = conn.exec_driver_sql(OPEN_SQL).all()
    heard = dict(session.execute(select(nm.AgentStatus.site_id, nm.AgentStatus.last_heard_ts)).all())
    old = cache.fragments
    new: dict[int, tuple[str, str]] = {}
    current: dict[str, dict[str, str]] = {"site": {}, "device": {}, "channel": {}}  # scope -> id -> encoded
    site_states: dict[str, str] = {}
    missing: list[tuple] = []
    for rid, scope, subject, state, reason in rows:
        got = old.get(rid)
        if got is None or got[0] != reason:
            missing.append((rid, scope, subject, state))
            continue
        new[rid] = got
        current[scope][subject] = got[1]
        if scope == "site":
            site_states[subject] = state
    if missing:
        encoded = _encode_missing(session, [m[0] for m in missing], len(rows))
        for rid, scope, subject, state in missing:
            got = encoded.get(rid)
            if got is not None:  # else closed between the two reads: the next read shows what replaced it
                new[rid] = got
                current[scope][subject] = got[1]
                if scope == "site":
                    site_states[subject] = state
    cache.fragments = new  # only the intervals open now are kept: memory follows the city's size
    sites, devs, chans = current["site"], current["device"], current["channel"]
    parts: list[str] = []
    counts: dict[str, int] = {}
    for site_id, prefix, suffix, devices in frame.sites:
        state = site_states.get(site_id, "unknown")
        counts[state] = counts.get(state, 0) + 1
        ts = heard.get(site_id)
        last = '"' + datetime.fromtimestamp(ts, UTC).isoformat() + '"' if ts else "null"
        inner = ",".join([p + devs.get(d, UNSEEN) + s for d, p, s in devices])
        parts.append(prefix + sites.get(site_id, UNSEEN) + suffix + last + ',"devices":[' + inner + "]}")
    channels = ",".join([p + chans.get(c, UNSEEN) + s for c, p, s in frame.channels])
    body = (
        '{"sites":['
        + ",".join(parts)
        + '],"channels":['
        + channels
        + '],"site_counts":'
        + _j(counts)
        + ',"outages":'
        + _j(open_outages)
        + "}"
    )
    return body.encode()
