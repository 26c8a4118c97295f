"""`ccis demo`: a living city on loopback for a newcomer, never run unless asked.

Simulated site agents for every site of the inventory send readings through the real ingest API (each with its
own site token): UPS charge cycles with load-shedding, radio signal fading in the rain, and a scripted power cut
that takes one town office down every few minutes and brings it back. Complaints arrive through the real
complaint API at each channel's usual daily rhythm (Karachi time). Nothing here polls a device: the inventory's
addresses are the city's real network, and the simulator only ever talks to a server on this host's loopback.
It stops by itself after ``--minutes``.
"""

from __future__ import annotations

import argparse
import math
import random
import secrets
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx

from agents.wire import AgentHealth, CollectResult, DeviceStatus, IngestBatch, Reading, Report, ReportKind
from noc_api.inventory import Inventory, load_inventory

MOBILE_PREFIXES = ("0300", "0301", "0302", "0312", "0321", "0333", "0345")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
USERS = {"demo.callcentre": "call_centre_agent", "demo.counters": "administrator"}
NAMES = ["Ayesha Khan", "Bilal Ahmed", "Fatima Siddiqui", "Hamza Qureshi", "Sana Baloch", "Usman Memon",
         "Zainab Shah", "Imran Ansari", "Nadia Hussain", "Kashif Raza"]  # fmt: skip
PLACES = ["near the mosque", "outside the school", "on the main road", "behind the market", "at the bus stop",
          "in the lane by the park", "opposite the dispensary"]  # fmt: skip
# Share of each hour's complaints (Karachi time): the call centre peaks late morning and early evening, the web
# portal and chat lines in the evening, counters only in their hours.
RHYTHM = {
    "call_centre": lambda h: 0.2 + (1.0 if 10 <= h < 13 else 0.8 if 17 <= h < 20 else 0.4 if 8 <= h < 22 else 0),
    "web": lambda h: 0.2 + (1.0 if 19 <= h < 24 else 0.5 if 9 <= h < 19 else 0.1),
    "chatbot": lambda h: 0.1 + (0.8 if 18 <= h < 24 else 0.4 if 8 <= h < 18 else 0.1),
    "sms": lambda h: 0.1 + (0.3 if 8 <= h < 22 else 0),
    "walk_in": lambda h: 1.0 if 9 <= h < 17 else 0.0,
}


def _loopback(url: str) -> str:
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK:
        raise SystemExit(f"ccis demo: {url} is not on this host's loopback; the demo talks to a local server only")
    return url.rstrip("/")


def _r(metric: str, value: float, labels: dict[str, str] | None = None) -> Reading:
    return Reading(metric=metric, value=value, labels=labels or {})


@dataclass
class SiteSim:
    """One site's simulated agent: its devices and the state of its UPS and radio."""

    site_id: str
    town_id: str
    devices: list[tuple[str, str]]  # (device id, kind)
    phase: float  # offsets this site's load-shedding and rain from the others
    charge: float = 1.0
    seq: int = 0
    silent_until: float = 0.0  # the scripted power cut: the agent says nothing until then
    battery_from: float = 0.0  # the scripted cut starts on battery before the site goes dark
    sent: int = 0

    def on_battery(self, t: float, cycle: float) -> bool:
        """Load-shedding: one quarter of each cycle on battery (town offices only; the data centre has a generator)."""
        if self.battery_from and t >= self.battery_from:
            return True
        return self.site_id.startswith("town-") and ((t / cycle + self.phase) % 1.0) < 0.25

    def readings(self, kind: str, t: float, cycle: float, dt: float) -> tuple[DeviceStatus, list[Reading]]:
        """A device's collection at time ``t``."""
        if kind == "ups":
            battery = self.on_battery(t, cycle)
            self.charge = max(0.05, self.charge - 0.004 * dt) if battery else min(1.0, self.charge + 0.002 * dt)
            volts = 0.0 if battery else round(220 + 8 * math.sin(t), 1)
            rs = [
                _r("ups_on_battery", float(battery)),
                _r("ups_battery_charge_ratio", round(self.charge, 3)),
                _r("ups_battery_minutes_remaining", round(self.charge * 45, 1)),
                _r("ups_load_ratio", round(0.35 + 0.1 * math.sin(t / 50 + self.phase), 3)),
                _r("ups_input_voltage_volts", volts),
                _r("ups_battery_low", float(self.charge < 0.2)),
            ]
            return (DeviceStatus.DEGRADED if battery else DeviceStatus.UP), rs
        if kind == "radio":
            rain = max(0.0, math.sin(t / 90 + self.phase * 6.28))  # a shower now and then
            signal = -55 - 18 * rain + random.uniform(-1.5, 1.5)
            snr = signal + 95
            rs = [
                _r("radio_link_up", 1.0),
                _r("radio_signal_dbm", round(signal, 1)),
                _r("radio_noise_dbm", -95.0),
                _r("radio_snr_db", round(snr, 1)),
                _r("radio_tx_capacity_bps", round(max(10e6, 150e6 - 5e6 * (40 - snr)))),
            ]
            return DeviceStatus.UP, rs  # the fade shows in the readings; it never cuts the link
        if kind in ("switch", "router", "firewall"):
            port = {"interface": "uplink"}
            errors = round(random.uniform(0, 0.02), 4)
            return DeviceStatus.UP, [_r("if_oper_up", 1.0, port), _r("if_errors_per_second", errors, port)]
        if kind in ("server", "workstation"):
            busy = 0.2 + 0.15 * math.sin(t / 40 + self.phase) + random.uniform(0, 0.1)
            rs = [
                _r("host_cpu_ratio", round(busy, 3)),
                _r("host_memory_used_ratio", round(0.55 + busy / 4, 3)),
                _r("host_disk_used_ratio", 0.61, {"mount": "/"}),
            ]
            return DeviceStatus.UP, rs
        return DeviceStatus.UP, [_r("reachable", 1.0), _r("probe_rtt_seconds", round(random.uniform(0.002, 0.02), 4))]

    def batch(self, t: float, cycle: float, dt: float) -> dict:
        now = datetime.now(UTC)
        reports = [self._report(ReportKind.HEARTBEAT, now, agent=AgentHealth(version="demo"))]
        for dev, kind in self.devices:
            status, rs = self.readings(kind, t, cycle, dt)
            result = CollectResult(device_id=dev, status=status, collected_at=now, readings=rs)
            reports.append(self._report(ReportKind.DEVICE, now, device=result))
        return IngestBatch(site_id=self.site_id, agent_clock=now, reports=reports).model_dump(mode="json")

    def _report(self, kind: ReportKind, now: datetime, **part: object) -> Report:
        self.seq += 1
        return Report(report_id=uuid.uuid4().hex, site_id=self.site_id, kind=kind, made_at=now, seq=self.seq, **part)


@dataclass
class Demo:
    noc: str
    inventory: Inventory
    tokens: dict[str, str]  # site id -> token
    passwords: dict[str, str]  # demo user -> password
    period: float = 5.0
    cycle: float = 240.0  # seconds per load-shedding cycle
    outage_every: float = 240.0
    outage_seconds: float = 120.0
    complaints_per_minute: float = 6.0
    sims: list[SiteSim] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lodged: int = 0
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        for i, s in enumerate(self.inventory.sites):
            devices = [(d.id, d.kind.value) for d in s.devices]
            self.sims.append(SiteSim(s.id, s.town, devices, phase=(i * 0.137) % 1.0))
        self.towns = [s for s in self.sims if s.site_id.startswith("town-")]

    def run(self, seconds: float) -> int:
        started = time.monotonic()
        workers = [threading.Thread(target=self._complaints, args=(started + seconds,), daemon=True, name="complaints")]
        for w in workers:
            w.start()
        try:
            self._agents(started, started + seconds)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop.set()
            for w in workers:
                w.join(timeout=15)
        sent = sum(s.sent for s in self.sims)
        print(
            f"ccis demo: {sent} batches from {len(self.sims)} sites, {self.lodged} complaints lodged", file=sys.stderr
        )
        return 0

    def _agents(self, started: float, until: float) -> None:
        next_outage, victim, last = started + min(60.0, self.outage_every), 0, time.monotonic()
        with httpx.Client(base_url=self.noc, timeout=10) as c:
            while not self.stop.is_set() and time.monotonic() < until:
                now = time.monotonic()
                t, dt = now - started, now - last
                last = now
                if self.towns and now >= next_outage:  # the scripted power cut: battery first, then dark
                    sim = self.towns[victim % len(self.towns)]
                    sim.battery_from = now
                    sim.silent_until = now + 2 * self.period + self.outage_seconds
                    print(f"ccis demo: power cut at {sim.site_id} for {self.outage_seconds:.0f} s", file=sys.stderr)
                    victim += 1
                    next_outage = now + self.outage_every
                for sim in self.sims:
                    if sim.battery_from and now >= sim.silent_until:  # power is back: mains and charging again
                        sim.battery_from = sim.silent_until = 0.0
                    if sim.battery_from and now >= sim.battery_from + 2 * self.period:
                        continue  # the battery ran out: the site's agent is silent
                    self._send(c, sim, t, dt)
                self.stop.wait(max(0.1, self.period - (time.monotonic() - now)))

    def _send(self, c: httpx.Client, sim: SiteSim, t: float, dt: float) -> None:
        token = self.tokens.get(sim.site_id)
        if token is None:
            return
        try:
            r = c.post(
                "/api/v1/ingest", json=sim.batch(t, self.cycle, dt), headers={"Authorization": f"Bearer {token}"}
            )
            if r.status_code == 200:
                sim.sent += 1
            else:
                self._problem(f"ingest {sim.site_id}: {r.status_code} {r.text[:200]}")
        except httpx.HTTPError as exc:
            self._problem(f"ingest {sim.site_id}: {exc!r}")

    def _problem(self, text: str) -> None:
        if len(self.problems) < 20:
            print(f"ccis demo: {text}", file=sys.stderr)
        self.problems.append(text)

    def _complaints(self, until: float) -> None:
        tz = ZoneInfo(self.inventory.city.timezone)
        cats = [c.id for c in self.inventory.categories if not c.id.startswith("noc-")]
        counters = [(ch.site, ch.name) for ch in self.inventory.channels if ch.kind.value == "walk_in" and ch.site]
        towns = {s.id: s.town for s in self.inventory.sites}
        with httpx.Client(base_url=self.noc, timeout=20) as c:
            auth = {u: self._login(c, u) for u in USERS}
            first = True
            while not self.stop.is_set() and time.monotonic() < until:
                hour = datetime.now(tz).hour
                weights = {ch: f(hour) for ch, f in RHYTHM.items()}
                channel = random.choices(list(weights), weights=list(weights.values()))[0]
                if first:  # one at once, so the MIS has something within the first minute
                    channel, first = "call_centre", False
                body = self._complaint(channel, random.choice(cats), counters, towns)
                user = "demo.counters" if channel == "walk_in" else "demo.callcentre"
                if auth.get(user):
                    try:
                        r = c.post("/api/v1/complaints", json=body, headers={"Authorization": f"Bearer {auth[user]}"})
                        if r.status_code == 201:
                            self.lodged += 1
                        else:
                            self._problem(f"complaint: {r.status_code} {r.text[:200]}")
                    except httpx.HTTPError as exc:
                        self._problem(f"complaint: {exc!r}")
                total = sum(weights.values()) / len(weights)
                pause = 60.0 / max(0.1, self.complaints_per_minute * max(total, 0.05))
                self.stop.wait(random.expovariate(1.0 / pause))

    def _login(self, c: httpx.Client, user: str) -> str | None:
        try:
            r = c.post("/api/v1/auth/login", json={"username": user, "password": self.passwords[user]})
        except httpx.HTTPError as exc:
            self._problem(f"login {user}: {exc!r}")
            return None
        if r.status_code != 200:
            self._problem(f"login {user}: {r.status_code} {r.text[:200]}")
            return None
        return str(r.json()["access_token"])

    def _complaint(self, channel: str, category: str, counters: list[tuple[str, str]], towns: dict[str, str]) -> dict:
        phone = f"{random.choice(MOBILE_PREFIXES)} {random.randint(1000000, 9999999)}"
        town = random.choice(self.inventory.towns)
        body: dict = {
            "channel": channel,
            "category": category,
            "description": f"{category.replace('-', ' ').capitalize()} problem {random.choice(PLACES)} (demo)",
            "citizen_name": random.choice(NAMES),
            "phone": phone,
            "town": town.id,
            "ward": random.choice(town.wards) if town.wards else None,
        }
        if channel == "call_centre":
            body["channel_data"] = {"caller_number": phone, "call_ref": f"demo-{uuid.uuid4().hex[:10]}"}
        elif channel == "chatbot":
            body["channel_data"] = {"conversation_ref": f"demo-chat-{uuid.uuid4().hex[:10]}"}
        elif channel == "sms":
            body["channel_data"] = {"message_ref": f"demo-sms-{uuid.uuid4().hex[:10]}"}
        elif channel == "walk_in":
            site, _name = random.choice(counters)
            body["channel_data"] = {"counter": site, "operator": "demo.counters"}
            if towns.get(site):
                body["town"] = towns[site]
                body["ward"] = None
        return {k: v for k, v in body.items() if v is not None}


def provision(inventory: Inventory, database_url: str, state: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Each site's token and the demo users (stored under ``state``, mode 0600), made once in the database."""
    from sqlalchemy import select

    from noc_api.accounts.service import add_user, issue_site_token, set_password, site_for_token
    from noc_api.db import models as m
    from noc_api.db.engine import make_engine, make_session_factory

    state.mkdir(parents=True, exist_ok=True)
    engine = make_engine(database_url)
    tokens: dict[str, str] = {}
    passwords: dict[str, str] = {}
    try:
        with make_session_factory(engine).begin() as session:
            for s in inventory.sites:
                f = state / f"{s.id}.token"
                if not f.exists() or site_for_token(session, f.read_text().strip()) != s.id:  # a new database
                    _secret(f, issue_site_token(session, s.id))
                tokens[s.id] = f.read_text().strip()
            for user, role in USERS.items():
                f = state / f"{user}.password"
                known = session.scalar(select(m.User).where(m.User.username == user))
                if known is None or not f.exists():
                    _secret(f, secrets.token_urlsafe(18))
                    if known is None:
                        add_user(session, username=user, password=f.read_text().strip(), role=role)
                    else:  # the password file was removed: a new password for the same user
                        set_password(session, user, f.read_text().strip(), datetime.now(UTC))
                passwords[user] = f.read_text().strip()
    finally:
        engine.dispose()
    return tokens, passwords


def _secret(path: Path, value: str) -> None:
    path.write_text(value + "\n")
    path.chmod(0o600)


def cmd_demo(args: argparse.Namespace) -> int:
    from noc_api.settings import load_settings

    noc = _loopback(args.noc)
    settings = load_settings()
    inventory = load_inventory(args.inventory or settings.inventory)
    tokens, passwords = provision(inventory, settings.database_url, Path(args.state_dir))
    demo = Demo(noc, inventory, tokens, passwords, period=args.period, outage_every=args.outage_every,
                outage_seconds=args.outage_seconds, complaints_per_minute=args.complaints_per_minute)  # fmt: skip
    print(
        f"ccis demo: {len(demo.sims)} simulated sites reporting to {noc} for {args.minutes:g} minutes", file=sys.stderr
    )
    return demo.run(args.minutes * 60)
