"""The ingest hot path's SQL, one statement per table per batch, written for each backend.

PostgreSQL gets whole columns as arrays through ``unnest`` (one round trip per table, however many rows);
SQLite gets the driver's executemany with positional tuples (a C loop), and a multi-row VALUES ... RETURNING
for the idempotency check. Both go through ``Connection.exec_driver_sql`` so transactions stay SQLAlchemy's.
"""

from __future__ import annotations

from sqlalchemy import Connection

LATEST_UPDATE = "value = excluded.value, text = excluded.text, ts = excluded.ts, site_id = excluded.site_id"
OBS_UPDATE = "status = excluded.status, error = excluded.error, ts = excluded.ts, received_ts = excluded.received_ts"

REPORT_COLS = ("report_id", "site_id", "kind", "device_id", "status", "seq", "made_ts", "received_ts")
RAW_COLS = ("device_id", "metric", "labels", "value", "ts")
LATEST_COLS = ("device_id", "metric", "labels", "site_id", "value", "text", "ts")
OBS_COLS = ("device_id", "site_id", "status", "error", "ts", "received_ts")

PG_TYPES = {
    "seq": "int[]",
    "made_ts": "float8[]",
    "received_ts": "float8[]",
    "value": "float8[]",
    "ts": "float8[]",
}


def _pg_unnest(table: str, cols: tuple[str, ...], tail: str = "") -> str:
    arrays = ", ".join(f"%s::{PG_TYPES.get(c, 'text[]')}" for c in cols)
    return f"INSERT INTO {table} ({', '.join(cols)}) SELECT * FROM unnest({arrays}) {tail}"


def _columns(rows: list[dict], cols: tuple[str, ...]) -> tuple[list, ...]:
    return tuple([r[c] for r in rows] for c in cols)


def _newest(rows: list[tuple], key: int, ts: int) -> list[tuple]:
    """One row per key (the first ``key`` fields), the newest by field ``ts``: one statement may not upsert a
    row twice on PostgreSQL. (SQLite's executemany runs row by row, so its WHERE clause handles repeats.)"""
    best: dict[tuple, tuple] = {}
    for row in rows:
        k = row[:key]
        old = best.get(k)
        if old is None or row[ts] >= old[ts]:
            best[k] = row
    # Sorted by key: concurrent transactions then lock rows in the same order and never deadlock.
    return sorted(best.values(), key=lambda r: r[:key])


def _tuples(rows: list[dict], cols: tuple[str, ...]) -> list[tuple]:
    return [tuple(r[c] for c in cols) for r in rows]


def insert_reports(conn: Connection, rows: list[dict]) -> set[str]:
    """Insert report rows, skipping known report ids; returns the ids that were new."""
    if conn.dialect.name == "postgresql":
        sql = _pg_unnest("ingest_reports", REPORT_COLS, "ON CONFLICT (report_id) DO NOTHING RETURNING report_id")
        return {r[0] for r in conn.exec_driver_sql(sql, _columns(rows, REPORT_COLS))}
    marks = "(" + ", ".join("?" * len(REPORT_COLS)) + ")"
    sql = (
        f"INSERT INTO ingest_reports ({', '.join(REPORT_COLS)}) VALUES {', '.join([marks] * len(rows))} "
        "ON CONFLICT (report_id) DO NOTHING RETURNING report_id"
    )
    flat = tuple(v for r in _tuples(rows, REPORT_COLS) for v in r)
    return {r[0] for r in conn.exec_driver_sql(sql, flat)}


def insert_raw(conn: Connection, rows: list[tuple]) -> None:
    """Append readings (tuples in RAW_COLS order) to the raw history."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(_pg_unnest("readings_raw", RAW_COLS), tuple(map(list, zip(*rows, strict=True))))
    else:
        sql = f"INSERT INTO readings_raw ({', '.join(RAW_COLS)}) VALUES (?, ?, ?, ?, ?)"
        conn.exec_driver_sql(sql, rows)


def upsert_latest(conn: Connection, rows: list[tuple]) -> None:
    """Newest value per device/metric/labels; an older (replayed) reading never replaces a newer one."""
    tail = (
        f"ON CONFLICT (device_id, metric, labels) DO UPDATE SET {LATEST_UPDATE} WHERE excluded.ts >= readings_latest.ts"
    )
    if conn.dialect.name == "postgresql":
        columns = tuple(map(list, zip(*_newest(rows, 3, 6), strict=True)))
        conn.exec_driver_sql(_pg_unnest("readings_latest", LATEST_COLS, tail), columns)
    else:
        sql = f"INSERT INTO readings_latest ({', '.join(LATEST_COLS)}) VALUES (?, ?, ?, ?, ?, ?, ?) {tail}"
        conn.exec_driver_sql(sql, rows)


def upsert_observations(conn: Connection, rows: list[dict]) -> None:
    """Newest collector status per device."""
    tail = f"ON CONFLICT (device_id) DO UPDATE SET {OBS_UPDATE} WHERE excluded.ts >= device_observations.ts"
    if conn.dialect.name == "postgresql":
        newest: dict[str, dict] = {}
        for r in rows:
            if r["device_id"] not in newest or r["ts"] >= newest[r["device_id"]]["ts"]:
                newest[r["device_id"]] = r
        conn.exec_driver_sql(
            _pg_unnest("device_observations", OBS_COLS, tail), _columns(list(newest.values()), OBS_COLS)
        )
    else:
        sql = f"INSERT INTO device_observations ({', '.join(OBS_COLS)}) VALUES (?, ?, ?, ?, ?, ?) {tail}"
        conn.exec_driver_sql(sql, _tuples(rows, OBS_COLS))
