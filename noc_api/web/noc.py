"""The NOC console: the wall, site and device pages, outage timelines, silences, maintenance, on-call and the
notification log. Anyone on the staff reads; only roles noc and engineer (and administrators) act, checked here
on every post, whatever the page showed.

The pages are listed in the API document (tests/test_access.py decides who may call each) and answer a bearer
token as well as the session cookie; a form sent with the cookie must carry its CSRF token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, QueryParams

from complaint_core.roles import Actor
from complaint_core.services import lookups, outbox
from noc_api.alerting import service as alerts
from noc_api.alerting.models import Alert, AlertGroup, AlertHistory
from noc_api.alerting.routing import local_time, receivers_at
from noc_api.db import noc_models as nm
from noc_api.db.ticket_models import OutageTicket, PlannedTicket
from noc_api.deps import NOC_ACTORS, ActorDep, NocActorDep, RuntimeDep, SessionDep, bearer_token
from noc_api.health import queries as q
from noc_api.health.maintenance import MaintenanceError, add_window, end_window, list_windows
from noc_api.health.topology import Topology
from noc_api.inventory import Inventory
from noc_api.maintenance import work
from noc_api.maintenance.hygiene import hygiene_overview
from noc_api.notify.log import notification_log
from noc_api.runtime import Runtime
from noc_api.tickets.planned import PlannedError, ticket_for_window
from noc_api.tickets.queues import list_queues
from noc_api.web import csrf
from noc_api.web import noc_view as v
from noc_api.web.i18n import LANG_COOKIE, pick
from noc_api.web.names import Names
from noc_api.web.page import PageError, Staff

router = APIRouter(tags=["noc console"])
KIND_ORDER = ["data_centre", "call_centre", "qc_centre", "town_office", "agency_office"]
KIND_WORDS = {
    "data_centre": "Data centre",
    "call_centre": "Call centre",
    "qc_centre": "QC centre",
    "town_office": "Town offices",
    "agency_office": "Agency offices",
}
TABS = [
    ("/noc", "Wall"),
    ("/noc/outages", "Outages"),
    ("/noc/silences", "Silences"),
    ("/noc/maintenance", "Maintenance"),
    ("/noc/hygiene", "Overdue & hygiene"),
    ("/noc/oncall", "On call"),
    ("/noc/notifications", "Notifications"),
]


def _now() -> datetime:
    return datetime.now(UTC)


def noc_page(request: Request, session: SessionDep, runtime: RuntimeDep, actor: ActorDep) -> Staff:
    """A console page for a logged-in staff user (session cookie or bearer token; 401, or the login page)."""
    names = Names(runtime.desk.directory(session), session)
    return Staff(request, session, runtime, actor, pick(request.cookies.get(LANG_COOKIE)), names)


async def noc_form(request: Request, runtime: RuntimeDep, actor: NocActorDep) -> Actor:
    """Who posts a console form: NOC staff only (403 before anything else), and with the cookie, a valid CSRF
    token (a bearer token is never sent by a browser on its own, so it needs none)."""
    if bearer_token(request) is None:
        await csrf.check(request, runtime.settings)
    return actor


NocPage = Annotated[Staff, Depends(noc_page)]
NocForm = Annotated[Actor, Depends(noc_form)]


class Names2:
    """Names of the inventory: sites, devices, channels, towns and zones (ids only where no name is given).

    Built from plain mappings (the bench builds a big city without an inventory file); ``from_inventory`` also
    keeps the inventory's site and device entries the site and device pages read."""

    def __init__(
        self,
        name_of: dict[str, str],
        towns: dict[str, tuple[str, str | None]],
        carries: dict[str, list[str]],
        inv: Inventory | None = None,
    ) -> None:
        self.name_of, self._towns, self.carries = name_of, towns, carries
        self.sites = {s.id: s for s in inv.sites} if inv else {}
        self.devices = {d.id: (s.id, d) for s, d in inv.devices()} if inv else {}

    @classmethod
    def from_inventory(cls, inv: Inventory) -> Names2:
        name_of: dict[str, str] = {d.id: d.name or d.id for _, d in inv.devices()}
        name_of |= {s.id: s.name for s in inv.sites} | {c.id: c.name for c in inv.channels}
        carries: dict[str, list[str]] = {}
        for c in inv.channels:
            if c.site:
                carries.setdefault(c.site, []).append(c.name)
        return cls(name_of, {t.id: (t.name, t.zone) for t in inv.towns}, carries, inv)

    def of(self, ident: str | None) -> str:
        return self.name_of.get(ident or "", ident or "—")

    def zone(self, town_id: str) -> str:
        t = self._towns.get(town_id)
        return (t[1] if t else None) or "—"

    def town(self, town_id: str | None) -> str:
        t = self._towns.get(town_id or "")
        return t[0] if t else (town_id or "—")

    def device(self, ident: str) -> str | None:
        """A device id from its id or its name (case-insensitive)."""
        if ident in self.devices:
            return ident
        low = ident.lower()
        return next((d for d, (_, dev) in self.devices.items() if (dev.name or "").lower() == low), None)

    def site(self, ident: str) -> str | None:
        if ident in self.sites:
            return ident
        low = ident.lower()
        return next((s for s, site in self.sites.items() if site.name.lower() == low), None)


_names_cache: dict[int, Names2] = {}


def inv_names(runtime: Runtime) -> Names2:
    """The inventory's names, built once per inventory the runtime holds."""
    key = id(runtime.inventory)
    got = _names_cache.get(key)
    if got is None:
        got = _names_cache[key] = Names2.from_inventory(runtime.inventory)
    return got


def _shown(n: Names2, e: dict) -> v.Shown:
    return v.shown_state(e["state"], e.get("reason"), e.get("root_cause"), n.name_of)


def _dt(iso: str | None) -> datetime | None:
    return datetime.fromisoformat(iso) if iso else None


def _day_start(now: datetime, tz: str) -> datetime:
    local = now.astimezone(ZoneInfo(tz))
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def _problems(session: Session, n: Names2, state: dict, now: datetime) -> list[dict]:
    """Firing alerts (those folded into a parent's are listed under it), worst and oldest first."""
    rows = [a for a in alerts.list_alerts(session, state="firing", limit=500) if not a.folded_into]
    comments = alerts.ack_comments(session, [a.id for a in rows if a.acked_at])
    site_state = {s["id"]: s for s in state["sites"]}
    out = []
    for a in rows:
        outage = next(
            (o for o in state["outages"] if a.site_id and (o["site_id"] == a.site_id or a.site_id in o["affected"])),
            None,
        )
        if outage is not None:
            cause = f"{outage['cause']}: {n.of(outage['root_cause_device'] or outage['subject_id'])}"
        elif a.site_id in site_state and site_state[a.site_id].get("reason"):
            cause = site_state[a.site_id]["reason"]
        else:
            cause = str((a.annotations or {}).get("summary") or a.rule)
        since = a.fired_at or a.active_at
        out.append({
            "id": a.id, "severity": a.severity, "rule": a.rule, "since": since, "age": v.age(now, since),
            "site": n.of(a.site_id) if a.site_id else "—", "site_id": a.site_id, "device": n.of(a.device_id)
            if a.device_id else None, "summary": (a.annotations or {}).get("summary") or a.rule, "cause": cause,
            "acked_by": a.acked_by, "acked_at": a.acked_at, "comment": comments.get(a.id, ""), "muted_by": a.muted_by,
        })  # fmt: skip
    out.sort(key=lambda p: (v.SEVERITY_ORDER.get(str(p["severity"]), 9), p["since"]))
    return out


def wall_data(session: Session, topo: Topology, n: Names2, tz: str, now: datetime) -> dict[str, Any]:
    """Everything the wall shows, as plain values."""
    state = q.city_state(session, topo)
    groups: dict[tuple[str, str], list[dict]] = {}
    counts: dict[str, int] = {}
    for s in state["sites"]:
        shown = _shown(n, s)
        counts[shown.css] = counts.get(shown.css, 0) + 1
        heard = _dt(s["last_heard"])
        tile: dict[str, Any] = {
            "id": s["id"], "name": n.of(s["id"]), "town": n.town(s["town_id"]), "css": shown.css,
            "words": shown.words, "reason": s["reason"] if shown.css != "up" else "", "heard": v.ago(now, heard),
            "heard_at": v.local(heard, tz), "channels": n.carries.get(s["id"], []),
        }  # fmt: skip
        groups.setdefault((s["kind"], n.zone(s["town_id"])), []).append(tile)
    ordered = sorted(groups.items(), key=lambda kv: (_kind_rank(kv[0][0]), kv[0][1]))
    sections: list[dict[str, Any]] = []
    for (kind, zone), tiles in ordered:
        title = f"{KIND_WORDS.get(kind, kind)} · {zone}" if zone != "—" else KIND_WORDS.get(kind, kind)
        sections.append({"title": title, "sites": sorted(tiles, key=lambda t: str(t["name"]))})
    uptime = {
        u["id"]: u["uptime_percent"] for u in q.uptime_report(session, topo, "channel", _day_start(now, tz), now, now)
    }
    channels = []
    for c in state["channels"]:
        shown = _shown(n, c)
        channels.append({"id": c["id"], "name": n.of(c["id"]), "css": shown.css, "words": shown.words,
                         "reason": c.get("reason") or "", "uptime": uptime.get(c["id"])})  # fmt: skip
    outages = [
        {**o, "subject": n.of(o["subject_id"]), "root": n.of(o["root_cause_device"]) if o["root_cause_device"]
         else None, "since": v.local(_dt(o["started_at"]), tz, "%H:%M"), "age": v.age(now, _dt(o["started_at"]))}
        for o in state["outages"]
    ]  # fmt: skip
    order = ["down", "unreachable", "degraded", "maintenance", "unknown", "up"]
    return {
        "sections": sections,
        "channels": channels,
        "problems": _problems(session, n, state, now),
        "outages": outages,
        "counts": [(k, counts[k]) for k in order if counts.get(k)],
        "now_local": v.local(now, tz, "%H:%M:%S"),
    }


def _kind_rank(kind: str) -> int:
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)


def _render(page: Staff, template: str, **ctx: Any) -> HTMLResponse:
    return page.render(template, tabs=TABS, can_act=page.actor.role in NOC_ACTORS, **ctx)


@router.get("/noc", response_class=HTMLResponse)
def noc_wall(page: NocPage) -> HTMLResponse:
    """The NOC wall: every site by name, grouped by kind and zone, the problems and the channels; live."""
    return _render(
        page,
        "noc_wall.html",
        w=wall_data(page.session, page.runtime.topology, inv_names(page.runtime), page.tz, _now()),
    )


@router.get("/noc/live", response_class=HTMLResponse)
def noc_wall_live(page: NocPage) -> HTMLResponse:
    """The wall's changing part alone: what the page fetches when the event stream says something changed."""
    return _render(
        page,
        "_noc_wall.html",
        w=wall_data(page.session, page.runtime.topology, inv_names(page.runtime), page.tz, _now()),
    )


# --- site and device pages ----------------------------------------------------------------------------------


def _latest(session: Session, device_ids: list[str]) -> dict[str, dict[tuple[str, str], float]]:
    t = nm.Series.__table__
    out: dict[str, dict[tuple[str, str], float]] = {d: {} for d in device_ids}
    if device_ids:
        for d, metric, labels, value in session.execute(
            select(t.c.device_id, t.c.metric, t.c.labels, t.c.value).where(t.c.device_id.in_(device_ids))
        ):
            out[d][(metric, labels or "")] = value
    return out


def _path(topo: Topology, device_id: str) -> list[str]:
    """The dependency path from a device to the data centre: each hop's first parent (its uplink last)."""
    path, seen = [device_id], {device_id}
    cur = device_id
    while True:
        parents = [p for p in topo.parents(cur) if p not in seen]
        if not parents:
            return path
        # Prefer the hop towards another site (the link to the data centre) over a same-site dependency.
        here = topo.devices[cur].site_id
        cur = next((p for p in parents if topo.devices[p].site_id != here), parents[0])
        path.append(cur)
        seen.add(cur)


def _states(session: Session, scope: str, ids: list[str]) -> dict[str, dict]:
    si = nm.StateInterval.__table__
    out: dict[str, dict] = {}
    for i in range(0, len(ids), 500):
        for r in session.execute(
            select(si.c.subject_id, si.c.state, si.c.reason, si.c.root_cause, si.c.started_at).where(
                si.c.scope == scope, si.c.ended_at.is_(None), si.c.subject_id.in_(ids[i : i + 500])
            )
        ):
            out[r[0]] = {"state": r[1], "reason": r[2], "root_cause": r[3], "since": r[4]}
    return out


def _path_rows(session: Session, n: Names2, topo: Topology, device_id: str) -> list[dict]:
    hops = _path(topo, device_id)
    st = _states(session, "device", hops)
    rows = []
    for d in hops:
        e = st.get(d, {"state": "unknown", "reason": "not evaluated yet"})
        rows.append({"id": d, "name": n.of(d), "site": n.of(topo.devices[d].site_id), "shown": _shown(n, e)})
    return rows


def _windows_for(session: Session, n: Names2, subjects: set[str], now: datetime) -> list[dict]:
    """Maintenance windows of these subjects, newest first, each with its state, its name and its ticket."""
    tickets = {
        int(src.split(":", 1)[1]): tn
        for src, tn in session.execute(
            select(PlannedTicket.source, PlannedTicket.tracking_number).where(
                PlannedTicket.source.like("maintenance:%")
            )
        )
    }
    out = []
    for w in list_windows(session):
        if w["subject_id"] in subjects:
            ends = datetime.fromisoformat(w["ends_at"])
            starts = datetime.fromisoformat(w["starts_at"])
            w["state"] = "over" if ends <= now else "under way" if starts <= now else "planned"
            w["starts"], w["ends"] = starts, ends
            w["subject"], w["ticket"] = n.of(w["subject_id"]), tickets.get(w["id"])
            out.append(w)
    return out


def _outage_rows(n: Names2, rows: list[dict], tz: str) -> list[dict]:
    return [
        {**o, "subject": n.of(o["subject_id"]), "root": n.of(o["root_cause_device"]) if o["root_cause_device"]
         else None, "started": v.local(_dt(o["started_at"]), tz), "ended": v.local(_dt(o["ended_at"]), tz)}
        for o in rows
    ]  # fmt: skip


@router.get("/noc/sites/{code}", response_class=HTMLResponse)
def site_page(page: NocPage, code: str) -> HTMLResponse:
    """One site: its devices with state and key readings, the path to the data centre, outages, maintenance."""
    n, topo, now = inv_names(page.runtime), page.runtime.topology, _now()
    tz = page.tz
    site_id = n.site(code)
    if site_id is None:
        raise PageError(404, f"No site called {code!r}.")
    site = n.sites[site_id]
    devs = topo.site_devices.get(site_id, [])
    st = _states(page.session, "device", devs)
    site_st = _states(page.session, "site", [site_id]).get(site_id, {"state": "unknown", "reason": "not evaluated"})
    latest = _latest(page.session, devs)
    devices = []
    for d in devs:
        e = st.get(d, {"state": "unknown", "reason": "not evaluated yet"})
        dev = n.devices[d][1]
        uplinks = tuple(getattr(dev.collect, "uplinks", ()) or ())
        readings = [r for r in v.key_readings(topo.devices[d].kind, latest[d], uplinks) if r[0] != "port"]
        ports = [r for r in v.key_readings(topo.devices[d].kind, latest[d], uplinks) if r[0] == "port"]
        devices.append({"id": d, "name": n.of(d), "kind": topo.devices[d].kind, "shown": _shown(n, e),
                        "reason": e.get("reason") or "", "readings": readings, "ports": ports})  # fmt: skip
    heard = page.session.get(nm.AgentStatus, site_id)
    heard_at = datetime.fromtimestamp(heard.last_heard_ts, UTC) if heard else None
    start_dev = site.agent_host or site.uplink or (devs[0] if devs else None)
    path = _path_rows(page.session, n, topo, start_dev) if start_dev in topo.devices else []
    light = {"sites": [{"id": site_id, **site_st}], "outages": q.outages(page.session, open_only=True)}
    problems = [p for p in _problems(page.session, n, light, now) if p["site_id"] == site_id]
    return _render(
        page, "noc_site.html", site=site, site_id=site_id, shown=_shown(n, site_st), reason=site_st.get("reason"),
        town=n.town(site.town), zone=n.zone(site.town), kind=KIND_WORDS.get(site.kind.value, site.kind.value),
        heard=v.ago(now, heard_at), heard_at=v.local(heard_at, tz), devices=devices, dep_path=path,
        channels=n.carries.get(site_id, []), problems=problems,
        outages=_outage_rows(n, q.outages(page.session, site=site_id, limit=50), tz),
        windows=_windows_for(page.session, n, {site_id, *devs}, now), fmt=lambda t: v.local(t, tz),
        subjects=[("site", site_id, site.name)] + [("device", d["id"], d["name"]) for d in devices],
    )  # fmt: skip


def _metrics(session: Session, device_id: str) -> list[tuple[str, str]]:
    t = nm.Series.__table__
    rows = session.execute(select(t.c.metric, t.c.labels).where(t.c.device_id == device_id).order_by(t.c.metric))
    return [(m, lab or "") for m, lab in rows]


@router.get("/noc/devices/{ident}", response_class=HTMLResponse)
def device_page(
    page: NocPage,
    ident: str,
    metric: str = "",
    span: Annotated[str, Query(alias="range")] = "6h",
    step: str = "auto",
) -> HTMLResponse:
    """One device: state, readings, a history chart (raw, 5-minute or hourly) over a chosen range, the path to
    the data centre, outages and maintenance windows."""
    n, topo, now, tz = inv_names(page.runtime), page.runtime.topology, _now(), page.tz
    device_id = n.device(ident)
    if device_id is None:
        raise PageError(404, f"No device called {ident!r}.")
    if span not in v.RANGES:
        raise PageError(422, f"range must be one of {', '.join(v.RANGES)}")
    if step not in ("auto", "raw", "5m", "1h"):
        raise PageError(422, "step must be auto, raw, 5m or 1h")
    node = topo.devices[device_id]
    dev = n.devices[device_id][1]
    e = _states(page.session, "device", [device_id]).get(device_id, {"state": "unknown", "reason": "not evaluated"})
    latest = _latest(page.session, [device_id])[device_id]
    uplinks = tuple(getattr(dev.collect, "uplinks", ()) or ())
    rows = v.key_readings(node.kind, latest, uplinks)
    metrics = _metrics(page.session, device_id)
    options = [f"{m}|{lab}" if lab else m for m, lab in metrics]
    chosen = metric or next((o for o in options if o.startswith(v.DEFAULT_METRIC.get(node.kind, "~"))), "")
    chosen = chosen or (options[0] if options else "")
    if metric and metric not in options:
        raise PageError(404, f"{n.of(device_id)} has no readings of {metric!r}.")
    seconds = v.RANGES[span]
    end, start = now, now - timedelta(seconds=seconds)
    used = v.auto_step(seconds) if step == "auto" else step
    chart, points = "", 0
    if chosen:
        name, _, labels = chosen.partition("|")
        pts = q.series(page.session, device_id, name, start, end, used, labels)
        if not pts and used != "raw" and step == "auto":  # rollups not made yet: the raw points still are
            used = "raw"
            pts = q.series(page.session, device_id, name, start, end, "raw", labels)
        tuples = [
            (datetime.fromisoformat(p["at"]).timestamp(), float(p.get("value", p.get("avg")) or 0),
             float(p.get("value", p.get("min")) or 0), float(p.get("value", p.get("max")) or 0))
            for p in pts
        ]  # fmt: skip
        points = len(tuples)
        chart = v.svg_chart(tuples, start.timestamp(), end.timestamp(), tz, f"{n.of(device_id)} {chosen}")
    outages = [
        o
        for o in q.outages(page.session, site=node.site_id, limit=100)
        if device_id in (o["subject_id"], o["root_cause_device"]) or device_id in o["affected"]
    ]
    return _render(
        page, "noc_device.html", device_id=device_id, name=n.of(device_id), kind=node.kind,
        site_id=node.site_id, site=n.of(node.site_id), address=dev.address, shown=_shown(n, e),
        reason=e.get("reason") or "", since=v.local(e.get("since"), tz), readings=[r for r in rows if r[0] != "port"],
        ports=[r for r in rows if r[0] == "port"], options=options, chosen=chosen, range=span, step=step,
        used=used, chart=chart, points=points, ranges=list(v.RANGES),
        dep_path=_path_rows(page.session, n, topo, device_id),
        outages=_outage_rows(n, outages, tz), windows=_windows_for(page.session, n, {device_id}, now),
        fmt=lambda t: v.local(t, tz), subjects=[("device", device_id, n.of(device_id))],
    )  # fmt: skip


# --- outages ------------------------------------------------------------------------------------------------


@router.get("/noc/outages", response_class=HTMLResponse)
def outages_page(page: NocPage) -> HTMLResponse:
    """Outages, newest first, each linked to its timeline."""
    n = inv_names(page.runtime)
    return _render(page, "noc_outages.html", outages=_outage_rows(n, q.outages(page.session, limit=200), page.tz))


@router.get("/noc/outages/{outage_id}", response_class=HTMLResponse)
def outage_page(page: NocPage, outage_id: int) -> HTMLResponse:
    """One outage as a timeline: cause, what it took down, the alerts and notices sent, the ticket and its
    updates, the recovery."""
    n, tz, s = inv_names(page.runtime), page.tz, page.session
    row = s.get(nm.OutageRow, outage_id)
    if row is None:
        raise PageError(404, f"No outage #{outage_id}.")
    o = q._outage_dict(row)
    key = f"outage:{outage_id}"
    alert_rows = list(
        s.scalars(select(Alert).where(or_(Alert.group_key == key, Alert.folded_into == key)).order_by(Alert.id))
    )
    alert_ids = [a.id for a in alert_rows]
    began = f"Outage began: {o['cause']} — {row.reason or n.of(row.root_cause_device or row.subject_id)}"
    events: list[tuple[datetime, str, str]] = [(row.started_at, "start", began)]
    hist: list[AlertHistory] = []
    if alert_ids:
        hist = list(
            s.scalars(select(AlertHistory).where(AlertHistory.alert_id.in_(alert_ids)).order_by(AlertHistory.id))
        )
    by_id = {a.id: a for a in alert_rows}
    for h in hist:
        if h.kind in ("firing", "acknowledged", "resolved", "escalated", "muted", "unmuted", "folded"):
            a = by_id[h.alert_id]
            who = f" by {page.names.user(h.actor)}" if h.actor not in ("system", "") else ""
            events.append((h.at, "alert", f"Alert {a.rule} ({a.severity}) {h.kind}{who}"
                           + (f" — {h.detail}" if h.detail else "")))  # fmt: skip
    groups = [g.id for g in s.scalars(select(AlertGroup).where(AlertGroup.key == key))]
    sent = outbox.sent_for_groups(s, groups)
    for m in sent:
        events.append((m.created_at, "notice", f"Notice ({m.reason}) to {m.receiver or m.to} by {m.medium}: "
                       f"{m.status}"))  # fmt: skip
    link = s.get(OutageTicket, outage_id)
    ticket = None
    if link is not None:
        ticket = lookups.complaint(s, link.tracking_number)
        if ticket is not None:
            for ev in lookups.history_of(s, link.tracking_number):
                note = f": {ev['note']}" if ev["note"] else ""
                events.append((ev["at"], "ticket", f"Ticket {link.tracking_number} {ev['action']}{note}"))
    if row.recovered_at:
        events.append((row.recovered_at, "recovery", "Recovering: the subject answers again (hold-down)"))
    if row.ended_at:
        events.append((row.ended_at, "recovery", f"Outage over after {o['duration']}"))
    events.sort(key=lambda e: e[0])
    affected = [(d, n.of(d)) for d in o["affected"]]
    return _render(
        page, "noc_outage.html", o=o, subject=n.of(o["subject_id"]), root=n.of(o["root_cause_device"])
        if o["root_cause_device"] else None, site=n.of(o["site_id"]) if o["site_id"] else None,
        affected=affected, channels=[n.of(c) for c in o["channels"]], alerts=alert_rows, sent=sent,
        tracking=link.tracking_number if link else None, ticket=ticket, fmt=lambda t: v.local(t, tz),
        events=[(v.local(t, tz, "%d %b %H:%M:%S"), kind, text) for t, kind, text in events], started=
        v.local(row.started_at, tz), ended=v.local(row.ended_at, tz) if row.ended_at else None,
    )  # fmt: skip


# --- acknowledge ----------------------------------------------------------------------------------------------


def _back(form: FormData, default: str = "/noc") -> str:
    back = str(form.get("back") or default)
    return back if back.startswith("/noc") and "//" not in back else default


@router.post("/noc/alerts/{alert_id}/ack", status_code=303)
async def ack_alert(request: Request, alert_id: int, actor: NocForm, page: NocPage) -> Response:
    """Acknowledge an alert with a comment (what is being done): its escalation stops."""
    form = await request.form()
    comment = str(form.get("comment") or "").strip()[:500]
    try:
        alerts.acknowledge(page.session, [alert_id], actor.name, _now(), "the NOC console", comment)
    except alerts.AlertError as exc:
        raise PageError(exc.status, str(exc)) from None
    page.session.commit()
    return page.redirect(_back(form), flash=f"Acknowledged alert #{alert_id}.")


# --- silences -------------------------------------------------------------------------------------------------

MATCHER_ROWS = 3


def _matchers(params: FormData | QueryParams) -> list[dict]:
    out = []
    for i in range(MATCHER_ROWS):
        name = str(params.get(f"name{i}") or "").strip()
        if name:
            op = str(params.get(f"op{i}") or "=")
            if op not in ("=", "!=", "=~", "!~"):
                raise PageError(422, f"matcher {i + 1}: op must be =, !=, =~ or !~")
            out.append({"name": name[:64], "op": op, "value": str(params.get(f"value{i}") or "")[:200]})
    return out


def _hours(raw: object) -> float:
    try:
        h = float(str(raw or "2"))
    except ValueError:
        raise PageError(422, "hours must be a number") from None
    if not 0 < h <= 24 * 30:
        raise PageError(422, "hours must be more than 0 and at most 720 (30 days)")
    return h


@router.get("/noc/silences", response_class=HTMLResponse)
def silences_page(request: Request, page: NocPage) -> HTMLResponse:
    """Active silences, and a form to make one with a preview of the alerts it would mute now."""
    n, tz = inv_names(page.runtime), page.tz
    params = request.query_params
    matchers = _matchers(params)
    preview = None
    if matchers:
        try:
            preview = [
                {"id": a.id, "rule": a.rule, "severity": a.severity, "state": a.state, "site": n.of(a.site_id),
                 "summary": (a.annotations or {}).get("summary") or a.rule, "muted_by": a.muted_by}
                for a in alerts.preview_silence(page.session, matchers)
            ]  # fmt: skip
        except alerts.AlertError as exc:
            raise PageError(exc.status, str(exc)) from None
    rows = alerts.list_silences(page.session, _now())
    form = {k: params.get(k, "") for k in params}
    return _render(
        page, "noc_silences.html", silences=rows, preview=preview, form=form, rows=MATCHER_ROWS,
        hours=params.get("hours", "2"), reason=params.get("reason", ""), fmt=lambda t: v.local(t, tz),
    )  # fmt: skip


@router.post("/noc/silences", status_code=303)
async def create_silence(request: Request, actor: NocForm, page: NocPage) -> Response:
    """Make a silence: every matcher must hold; it ends after the hours given."""
    form = await request.form()
    matchers = _matchers(form)
    if not matchers:
        raise PageError(422, "a silence needs at least one matcher")
    now = _now()
    try:
        alerts.preview_silence(page.session, matchers)  # refuses a broken regular expression with its reason
        row = alerts.create_silence(
            page.session, matchers=matchers, author=actor.name, reason=str(form.get("reason") or "")[:1000],
            starts_at=now, ends_at=now + timedelta(hours=_hours(form.get("hours"))), now=now,
        )  # fmt: skip
    except alerts.AlertError as exc:
        raise PageError(422 if exc.status == 400 else exc.status, str(exc)) from None
    page.session.commit()
    return page.redirect("/noc/silences", flash=f"Silence #{row.id} made; alerts it matches are muted.")


@router.post("/noc/silences/{silence_id}/expire", status_code=303)
async def expire_silence(silence_id: int, actor: NocForm, page: NocPage) -> Response:
    """End a silence now."""
    try:
        alerts.expire_silence(page.session, silence_id, _now())
    except alerts.AlertError as exc:
        raise PageError(exc.status, str(exc)) from None
    page.session.commit()
    return page.redirect("/noc/silences", flash=f"Silence #{silence_id} ended.")


# --- maintenance ----------------------------------------------------------------------------------------------


@router.get("/noc/maintenance", response_class=HTMLResponse)
def maintenance_page(page: NocPage) -> HTMLResponse:
    """Maintenance windows not yet over, and the recent ones."""
    n, now, tz = inv_names(page.runtime), _now(), page.tz
    windows = _windows_for(page.session, n, set(n.name_of), now)[:200]
    return _render(page, "noc_maintenance.html", windows=windows, fmt=lambda t: v.local(t, tz))


def _local_input(raw: str, tz: str) -> datetime:
    try:
        t = datetime.fromisoformat(raw)
    except ValueError:
        raise PageError(422, f"{raw!r} is not a date and time") from None
    return (t if t.tzinfo else t.replace(tzinfo=ZoneInfo(tz))).astimezone(UTC)


@router.post("/noc/maintenance", status_code=303)
async def create_window(request: Request, actor: NocForm, page: NocPage) -> Response:
    """Plan a maintenance window for a site or a device (from now, or a given local start), optionally with its
    internal ticket."""
    form = await request.form()
    n, now = inv_names(page.runtime), _now()
    scope, _, subject = str(form.get("subject") or "").partition(":")
    if scope == "device":
        subject = n.device(subject) or subject
    start_raw = str(form.get("starts") or "").strip()
    starts = _local_input(start_raw, page.tz) if start_raw else now
    ends = starts + timedelta(hours=_hours(form.get("hours")))
    try:
        w = add_window(page.session, page.runtime.topology, scope=scope, subject_id=subject, starts_at=starts,
                       ends_at=ends, note=str(form.get("note") or "")[:2000], by=actor.name)  # fmt: skip
    except MaintenanceError as exc:
        raise PageError(422, str(exc)) from None
    msg = f"Maintenance window #{w['id']} planned for {n.of(subject)}."
    if form.get("ticket") == "1":
        try:
            tn = ticket_for_window(page.session, page.runtime.desk, page.runtime.topology, window_id=w["id"],
                                   note="", actor=actor, now=now)  # fmt: skip
        except PlannedError as exc:
            raise PageError(404, str(exc)) from None
        msg += f" Ticket {tn} raised."
    page.session.commit()
    return page.redirect(_back(form, "/noc/maintenance"), flash=msg)


@router.post("/noc/maintenance/{window_id}/end", status_code=303)
async def end_maintenance(request: Request, window_id: int, actor: NocForm, page: NocPage) -> Response:
    """End a window early (one not begun is cancelled)."""
    form = await request.form()
    done = end_window(page.session, window_id, _now())
    if done is None:
        raise PageError(404, f"No maintenance window #{window_id} still to end.")
    page.session.commit()
    return page.redirect(_back(form, "/noc/maintenance"), flash=f"Maintenance window #{window_id} {done}.")


# --- on call and notifications --------------------------------------------------------------------------------


@router.get("/noc/oncall", response_class=HTMLResponse)
def oncall_page(page: NocPage) -> HTMLResponse:
    """Who is on duty now in each on-call group, and the escalation chains (who is told next, and when)."""
    routing, problems = page.runtime.routing.current()
    if routing is None:
        return _render(page, "noc_oncall.html", routing=None, problems=[str(p) for p in problems])
    local = local_time(routing, _now())
    groups = []
    for name, group in routing.oncall.items():
        shifts = [(s.from_, s.to, s.receivers) for s in group.shifts]
        groups.append({"name": name, "now": receivers_at(routing, name, local), "always": group.receivers,
                       "shifts": shifts})  # fmt: skip
    chains = [
        (name, [(v.age(datetime.fromtimestamp(0, UTC) + timedelta(seconds=st.after), datetime.fromtimestamp(0, UTC))
                 if st.after else "at once", st.oncall, receivers_at(routing, st.oncall, local)) for st in steps])
        for name, steps in routing.escalations.items()
    ]  # fmt: skip
    contacts = {name: r.email + r.sms for name, r in routing.receivers.items()}
    return _render(
        page, "noc_oncall.html", routing=routing, groups=groups, chains=chains, contacts=contacts,
        local=local.strftime("%a %d %b, %H:%M"), problems=[str(p) for p in problems],
    )  # fmt: skip


@router.get("/noc/notifications", response_class=HTMLResponse)
def notifications_page(page: NocPage, actor: NocActorDep, status: str = "") -> HTMLResponse:
    """Every alert notice with every delivery attempt and its result (it names recipients: NOC staff only)."""
    if status not in ("", "pending", "sent", "failed"):
        raise PageError(422, "status must be pending, sent or failed")
    rows = notification_log(page.session, source="alert", status=status or None, limit=200)
    total = outbox.count(page.session, source="alert")
    return _render(page, "noc_notifications.html", rows=rows, shown_status=status, total=total,
                   fmt=lambda t: v.local(t, page.tz, "%d %b %H:%M:%S"))  # fmt: skip


# --- overdue maintenance and workstation hygiene -------------------------------------------------------------------


def _days(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return v.age(datetime.fromtimestamp(seconds, UTC), datetime.fromtimestamp(0, UTC))


def host_words(h: dict, n: Names2) -> dict[str, Any]:
    """One host's patches and signatures in words, each with its state class (good, bad, unknown): a host that
    never reported, or whose source is not available, is never shown as compliant."""
    upd, av = h["os_updates"], h["antivirus"]
    if upd["available"] is None:
        patches = ("unknown", "not reported", "the agent has sent no hygiene reading yet")
    elif not upd["available"]:
        patches = ("unknown", "not available", upd["reason"] or "")
    elif h["compliant"]["patches"]:
        patches = ("good", "patched", f"{int(upd.get('pending') or 0)} updates pending, none overdue")
    else:
        security = int(upd.get("security") or 0)
        detail = (f"{security} security updates waiting {_days(upd.get('security_pending_seconds'))}" if security
                  else f"last updates applied {_days(upd.get('applied_age_seconds'))} ago")  # fmt: skip
        patches = ("bad", "not patched", detail)
    if av["available"] is None:
        signatures = ("unknown", "not reported", "the agent has sent no antivirus reading yet")
    elif not av["available"]:
        signatures = ("unknown", "not available", av["reason"] or "")
    elif h["compliant"]["signatures"]:
        signatures = ("good", "current", f"{_days(av.get('age_seconds'))} old")
    else:
        signatures = ("bad", "stale", f"{_days(av.get('age_seconds'))} old")
    return {"name": n.of(h["device_id"]), "device_id": h["device_id"], "patches": patches, "signatures": signatures,
            "reported_at": _dt(h["reported_at"]), "attention": "bad" in (patches[0], signatures[0])}  # fmt: skip


def hygiene_data(session: Session, runtime: Runtime, now: datetime) -> dict[str, Any]:
    """Overdue maintenance per town, the IT queues, and per site its hosts' patches and signatures: plain values."""
    n, tz = inv_names(runtime), runtime.inventory.city.timezone
    queues = {q["id"]: q for q in list_queues(session)}
    towns: dict[str, dict[str, Any]] = {}
    for t in work.list_tickets(session, runtime.maintenance, now, overdue=True):
        due = _dt(t["due_at"])
        q = queues.get(t["assignee"] or "")
        row = {**t, "due": v.local(due, tz), "late": v.age(now, due),
               "who": q["name"] if q else (t["assignee"] or "unassigned"),
               "staffed": q["staffed"] if q else t["assignee"] is not None}  # fmt: skip
        towns.setdefault(t["town_id"] or "", {"town": n.town(t["town_id"]), "tickets": []})["tickets"].append(row)
    sites = []
    for s in hygiene_overview(session, runtime.inventory, now):
        hosts = [host_words(h, n) for h in s["hosts"]]
        if hosts:
            sites.append({"site": s["site"], "site_id": s["site_id"], "town": n.town(s["town_id"]), "hosts": hosts,
                          "attention": sum(1 for h in hosts if h["attention"])})  # fmt: skip
    sites.sort(key=lambda s: (-s["attention"], s["town"], s["site"]))
    hosts = [h for s in sites for h in s["hosts"]]
    return {
        "towns": sorted(towns.values(), key=lambda t: (-len(t["tickets"]), t["town"])),
        "overdue": sum(len(t["tickets"]) for t in towns.values()),
        "sites": sites,
        "counts": {k: sum(1 for h in hosts if h[k][0] == "bad") for k in ("patches", "signatures")}
        | {"unknown": sum(1 for h in hosts if "unknown" in (h["patches"][0], h["signatures"][0])),
           "hosts": len(hosts)},
        "unstaffed": [q["name"] for q in queues.values() if not q["staffed"] and q["open_tickets"]],
    }  # fmt: skip


@router.get("/noc/hygiene", response_class=HTMLResponse)
def hygiene_page(page: NocPage) -> HTMLResponse:
    """Overdue maintenance tickets per town, and hosts not patched or with stale antivirus signatures (with those
    that never reported or cannot read a source, said so)."""
    now = _now()
    d = hygiene_data(page.session, page.runtime, now)
    return _render(page, "noc_hygiene.html", d=d, fmt=lambda t: v.local(t, page.tz, "%d %b %H:%M"),
                   now_local=v.local(now, page.tz))  # fmt: skip
