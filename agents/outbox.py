"""The durable outbox: every report is written to SQLite (WAL) before any attempt to send it.

Only reports the NOC answered ``accepted`` or ``duplicate`` leave it; ``rejected`` ones are moved to a side table
(kept for inspection, counted, never resent). Bodies are stored zlib-compressed (readings shrink about 8:1), so
the default budget holds days of reports. The budget bounds it: when full, the oldest raw reports go first
(device reports that are not a state change, and heartbeats), state changes are kept as long as anything else
can go; every drop is counted. ``synchronous=FULL`` because a site loses power abruptly (UPS drained): a report
whose ``add`` returned survives kill -9 and power loss alike.
"""

from __future__ import annotations

import sqlite3
import threading
import zlib
from pathlib import Path

from agents.wire import Report, ReportKind

DEFAULT_BUDGET_BYTES = 256 * 1024 * 1024

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id TEXT NOT NULL UNIQUE,
    keep INTEGER NOT NULL,          -- 1 for state changes: dropped last
    size INTEGER NOT NULL,          -- bytes stored (compressed): what the disk budget counts
    body BLOB NOT NULL              -- the Report as JSON, zlib-compressed (readings compress about 8:1)
);
CREATE INDEX IF NOT EXISTS outbox_keep ON outbox (keep, seq);
CREATE TABLE IF NOT EXISTS rejected (
    report_id TEXT PRIMARY KEY,
    reason TEXT,
    body BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


class Outbox:
    """A SQLite outbox in ``path`` bounded by ``budget_bytes`` of report bodies. Thread-safe."""

    def __init__(self, path: Path, budget_bytes: int = DEFAULT_BUDGET_BYTES) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.budget = budget_bytes
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA cache_size=-512")  # 512 KB: reads are sequential, the budget is RSS
        self._db.executescript(_SCHEMA)
        row = self._db.execute("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM outbox").fetchone()
        self._depth, self._bytes = int(row[0]), int(row[1])
        self._seq = self._counter("seq")

    def _counter(self, name: str) -> int:
        row = self._db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
        return int(row[0]) if row else 0

    def _bump(self, name: str, by: int) -> int:
        self._db.execute(
            "INSERT INTO counters (name, value) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET value = value + excluded.value",
            (name, by),
        )
        return self._counter(name)

    def next_seq(self) -> int:
        """The agent's next report sequence number; `add` persists it, so it keeps rising across restarts."""
        with self._lock:
            self._seq += 1
            return self._seq

    def add(self, report: Report) -> None:
        """Store ``report`` durably; make room by the drop order if the budget is exceeded."""
        body = zlib.compress(report.model_dump_json(exclude_none=True).encode(), 6)
        keep = 1 if report.state_change and report.kind is ReportKind.DEVICE else 0
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(
                    "INSERT OR IGNORE INTO outbox (report_id, keep, size, body) VALUES (?, ?, ?, ?)",
                    (report.report_id, keep, len(body), body),
                )
                if self._db.execute("SELECT changes()").fetchone()[0]:
                    self._depth += 1
                    self._bytes += len(body)
                self._db.execute(
                    "INSERT INTO counters (name, value) VALUES ('seq', ?) "
                    "ON CONFLICT (name) DO UPDATE SET value = MAX(value, excluded.value)",
                    (report.seq,),
                )
                self._enforce_budget()
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                self._reload()
                raise

    def _enforce_budget(self) -> None:
        dropped = 0
        while self._bytes > self.budget and self._depth > 1:
            # oldest raw first; a state change goes only when nothing raw is left
            row = self._db.execute("SELECT seq, size FROM outbox ORDER BY keep, seq LIMIT 1").fetchone()
            self._db.execute("DELETE FROM outbox WHERE seq = ?", (row[0],))
            self._depth -= 1
            self._bytes -= row[1]
            dropped += 1
        if dropped:
            self._bump("dropped", dropped)

    def _reload(self) -> None:
        row = self._db.execute("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM outbox").fetchone()
        self._depth, self._bytes = int(row[0]), int(row[1])

    def peek(self, limit: int) -> list[tuple[str, str]]:
        """The oldest ``limit`` reports as (report_id, JSON body), not removed."""
        with self._lock:
            rows = self._db.execute("SELECT report_id, body FROM outbox ORDER BY seq LIMIT ?", (limit,)).fetchall()
        return [(r[0], zlib.decompress(r[1]).decode()) for r in rows]

    def ack(self, report_ids: list[str]) -> None:
        """Remove reports the NOC acknowledged."""
        if not report_ids:
            return
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany("DELETE FROM outbox WHERE report_id = ?", [(i,) for i in report_ids])
            self._db.execute("COMMIT")
            self._reload()

    def reject(self, rejected: dict[str, str]) -> None:
        """Move reports the NOC rejected aside (report_id -> reason); they are counted and never resent."""
        if not rejected:
            return
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            for rid, reason in rejected.items():
                self._db.execute(
                    "INSERT OR REPLACE INTO rejected (report_id, reason, body) "
                    "SELECT report_id, ?, body FROM outbox WHERE report_id = ?",
                    (reason, rid),
                )
                self._db.execute("DELETE FROM outbox WHERE report_id = ?", (rid,))
            self._bump("rejected", len(rejected))
            self._db.execute("COMMIT")
            self._reload()

    @property
    def depth(self) -> int:
        """Reports waiting."""
        return self._depth

    @property
    def bytes(self) -> int:
        """Bytes of report bodies waiting."""
        return self._bytes

    def dropped_total(self) -> int:
        """Reports dropped by the disk budget since the outbox was created."""
        with self._lock:
            return self._counter("dropped")

    def rejected_total(self) -> int:
        """Reports the NOC rejected since the outbox was created."""
        with self._lock:
            return self._counter("rejected")

    def rejected_reasons(self) -> dict[str, str]:
        """The reports moved aside, with the reason each was refused (report_id -> reason)."""
        with self._lock:
            return dict(self._db.execute("SELECT report_id, reason FROM rejected").fetchall())

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()
