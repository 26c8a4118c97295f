"""A small city on loopback for end-to-end tests: a real `ccis serve`, real `ccis agent` processes, the shipped
alert rules with their timings shortened, a TCP relay whose link can be cut, and the staff API.

Only what a test could not wait for is changed in the rules (`for`, `keep_firing_for`, `absent_for` and, named
per test, a threshold that a loopback peer cannot reach): conditions, labels, routing and templates are the
shipped ones.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

from noc_api.accounts.service import add_user, issue_site_token
from noc_api.runtime import build
from noc_api.settings import load_settings
from tests.support import ROOT, free_port, stop, wait_for

RULES = ROOT / "alert_rules"
STAFF = ("noc.real", "noc real password 1")
NOC_CATEGORIES = """\
  - {id: noc-power, name: "Outage: power", department: it, promised_hours: 4}
  - {id: noc-link, name: "Outage: radio link", department: it, promised_hours: 4}
  - {id: noc-switch, name: "Outage: switch", department: it, promised_hours: 4}
  - {id: noc-workstation, name: "Outage: workstation", department: it, promised_hours: 8}
  - {id: noc-unknown, name: "Outage: cause unknown", department: it, promised_hours: 4}
"""


def fast_rules(
    dest: Path, keep_firing: str = "3s", absent: str = "3s", when: dict | None = None, keep: dict | None = None
) -> Path:
    """The shipped rule files with `for: 0s` and short holds; ``when`` replaces a rule's condition and ``keep``
    its hold, by rule name."""
    dest.mkdir(parents=True, exist_ok=True)
    for path in sorted(RULES.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        if path.name != "routing.yaml":
            doc.setdefault("defaults", {})["keep_firing_for"] = keep_firing
            for rule in doc.get("rules", []):
                rule["for"] = "0s"
                rule.pop("keep_firing_for", None)
                if rule["name"] in (keep or {}):
                    rule["keep_firing_for"] = keep[rule["name"]]
                if "absent_for" in rule["when"]:
                    rule["when"]["absent_for"] = absent
                rule["when"] = (when or {}).get(rule["name"], rule["when"])
        (dest / path.name).write_text(yaml.safe_dump(doc, sort_keys=False))
    return dest


def server_env(db_url: str, inventory: Path, rules: Path, tmp: Path, smtp_port: int | None = None) -> dict[str, str]:
    """A fast-ticking NOC: 1 s heartbeats, silent after 3 s, sweeps every 0.3 s, 1 s hold-down."""
    env = {
        "CCIS_DATABASE_URL": db_url,
        "CCIS_INVENTORY": str(inventory),
        "CCIS_ALERT_RULES": str(rules),
        "CCIS_ENV": "test",
        "CCIS_SECRET_KEY": "real-city-secret-0123456789",
        "CCIS_HEARTBEAT_SECONDS": "1",
        "CCIS_GRACE_HEARTBEATS": "3",
        "CCIS_HEALTH_INTERVAL_SECONDS": "0.3",
        "CCIS_HOLD_DOWN_SECONDS": "1",
        "CCIS_NOTIFY_INTERVAL_SECONDS": "0.5",
        "CCIS_PREVENTIVE_MAINTENANCE": "false",
        "CCIS_ATTACHMENTS_DIR": str(tmp / "att"),
    }
    if smtp_port is not None:
        env |= {"CCIS_SMTP_HOST": "127.0.0.1", "CCIS_SMTP_PORT": str(smtp_port)}
    return env


def prepare(env: dict[str, str], tmp: Path, sites: list[str]) -> dict[str, Path]:
    """Migrate and sync the database, add the staff user, issue each site's token; returns token files."""
    rt = build(load_settings(**{k.removeprefix("CCIS_").lower(): v for k, v in env.items()}))
    files = {}
    with rt.sessions.begin() as s:
        add_user(s, username=STAFF[0], password=STAFF[1], role="noc")
        for site in sites:
            files[site] = tmp / f"{site}.token"
            files[site].write_text(issue_site_token(s, site) + "\n")
    rt.engine.dispose()
    return files


def staff(url: str) -> httpx.Client:
    """A logged-in NOC staff client."""
    c = httpx.Client(base_url=url, timeout=15)
    r = c.post("/api/v1/auth/login", json={"username": STAFF[0], "password": STAFF[1]})
    c.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
    return c


@contextlib.contextmanager
def agent(
    site: str, noc: str, token: Path, state: Path, log: Path, env: dict[str, str], *args: str
) -> Iterator[subprocess.Popen]:
    """A real `ccis agent` for ``site`` (in its own process group); always stopped."""
    cmd = [sys.executable, "-m", "ccis.cli", "agent", "--site", site, "--noc", noc, "--token-file", str(token)]
    cmd += ["--state-dir", str(state), *args]
    with log.open("ab") as out:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGCONT)  # a frozen agent cannot handle SIGTERM
        stop(proc)


class Relay(threading.Thread):
    """A TCP relay on loopback standing for the site's link to the NOC: ``cut()`` refuses and drops every
    connection (the agent sees its sends fail), ``restore()`` carries them again."""

    def __init__(self, target_port: int) -> None:
        super().__init__(daemon=True, name="relay")
        self.target = target_port
        self.port = free_port()
        self.up = threading.Event()
        self.up.set()
        self.done = threading.Event()
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.listener.settimeout(0.2)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def run(self) -> None:
        while not self.done.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self.up.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target), timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open |= {client, upstream}
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while self.up.is_set():
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
            with self._lock:
                self._open -= {src, dst}

    def cut(self) -> None:
        """Drop the link: open connections are reset, new ones refused."""
        self.up.clear()
        with self._lock:
            for s in list(self._open):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def restore(self) -> None:
        self.up.set()

    def close(self) -> None:
        self.done.set()
        self.cut()
        self.listener.close()
        self.join(5)


@dataclass
class Mailbox:
    """The mails the real SMTP server received, read as (recipients, subject, body)."""

    inbox: object
    seen: list[tuple[list[str], str, str]] = field(default_factory=list)

    def all(self) -> list[tuple[list[str], str, str]]:
        out = []
        for envelope in list(self.inbox.mails):  # type: ignore[attr-defined]
            msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
            subject = " ".join(str(msg["subject"]).split())  # a long subject is folded onto the next line
            out.append((list(envelope.rcpt_tos), subject, msg.get_content()))
        return out

    def naming(self, line: str, subject_starts: str = "") -> list[tuple[list[str], str, str]]:
        """Mails whose body has ``line`` (e.g. '- FIRING warning: UPS ... on battery')."""
        return [m for m in self.all() if line in m[2] and m[1].startswith(subject_starts)]


def alerts(c: httpx.Client, site: str | None = None, state: str | None = None) -> list[dict]:
    params = {k: v for k, v in (("site", site), ("state", state)) if v}
    return c.get("/api/v1/alerts", params=params | {"limit": 1000}).json()


def firing(c: httpx.Client, rule: str) -> dict | None:
    """The firing alert of ``rule``, if any."""
    return next((a for a in alerts(c, state="firing") if a["rule"] == rule), None)


def sweeps(c: httpx.Client) -> float:
    """How many health sweeps succeeded so far (from /metrics): something to wait on instead of sleeping."""
    m = re.search(
        r'^ccis_scheduler_job_runs_total\{job="health_sweep",outcome="success"\} (\S+)$', c.get("/metrics").text, re.M
    )
    return float(m.group(1)) if m else 0.0


def after_sweeps(c: httpx.Client, n: int = 5) -> None:
    """Wait until ``n`` more sweeps ran (so a state that should not appear had every chance to)."""
    start = sweeps(c)
    wait_for(f"{n} more health sweeps", lambda: sweeps(c) >= start + n, timeout=60)


def swap(path: Path, text: str) -> None:
    """Replace a running snmpsim's recording: snmpsim compares whole-second file times, so date it 3 s later."""
    before = path.stat().st_mtime if path.exists() else 0.0
    path.write_text(text)
    later = max(before, path.stat().st_mtime) + 3
    os.utime(path, (later, later))


def notices(c: httpx.Client, alert_id: int, reasons: tuple[str, ...]) -> list[dict]:
    """Sent e-mail notifications of ``reasons`` that name the alert (from the notification log)."""
    log = c.get("/api/v1/notifications", params={"status": "sent", "limit": 1000}).json()
    return [n for n in log if n["channel"] == "email" and n["reason"] in reasons and alert_id in n["alert_ids"]]


def mailed(c: httpx.Client, mail: Mailbox, alert: dict, resolved: bool = False) -> list[tuple]:
    """Mails the SMTP server received for the notices naming ``alert`` (firing ones, or the recovery)."""
    reasons = ("resolved",) if resolved else ("firing", "update", "escalation")
    sent = {(n["target"], " ".join(n["subject"].split())) for n in notices(c, alert["id"], reasons)}
    return [m for m in mail.all() if any((t, m[1]) in sent for t in m[0])]


def fire(c: httpx.Client, mail: Mailbox, rule: str) -> dict:
    """Wait until ``rule`` fires and its notice has reached the mail server; returns the alert."""
    alert = wait_for(f"{rule} firing", lambda: firing(c, rule))
    wait_for(f"the mail announcing {rule}", lambda: mailed(c, mail, alert))
    return alert


def recover(c: httpx.Client, mail: Mailbox, alert: dict) -> None:
    """Wait until ``alert`` is resolved and its recovery notice has reached the mail server."""
    wait_for(
        f"{alert['rule']} resolved",
        lambda: next(a for a in alerts(c) if a["id"] == alert["id"])["state"] == "resolved",
    )
    wait_for(f"the recovery mail for {alert['rule']}", lambda: mailed(c, mail, alert, resolved=True))


def one_first_notice(mail: Mailbox) -> None:
    """Each alert group's first notice ([FIRING]) reached each recipient once: never again until the group's
    recovery notice ([RESOLVED]) closed it (a later incident at the same site opens a new group)."""
    open_groups: set[tuple] = set()
    firsts = 0
    for rcpts, subject, body in mail.all():
        key = (tuple(rcpts), body.split("Group ")[-1].split(",")[0])
        if subject.startswith("[FIRING]"):
            assert key not in open_groups, f"a second first notice for {key}"
            open_groups.add(key)
            firsts += 1
        elif subject.startswith("[RESOLVED]"):
            open_groups.discard(key)
    assert firsts
