"""The ingest hot path's SQL, one statement per table per batch, written for each backend.

PostgreSQL gets whole columns as arrays through ``unnest`` (one round trip per table, however many rows);
SQLite gets the driver's executemany with positional tuples (a C loop), and a multi-row VALUES ... RETURNING
for the idempotency check. Both go through ``Connection.exec_driver_sql`` so transactions stay SQLAlchemy's.
"""

from __future__ import annotations

from sqlalchemy import Connection

OBS_UPDATE = "status = excluded.status, error = excluded.error, ts = excluded.ts, received_ts = excluded.received_ts"

REPORT_COLS = ("report_id", "site_id", "kind", "device_id", "status", "seq", "made_ts", "received_ts")
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


def _tuples(rows: list[dict], cols: tuple[str, ...]) -> list[tuple]:
    return [tuple(r[c] for c in cols) for r in rows]


def insert_reports(conn: Connection, rows: list[dict]) -> set[str]:
    """Insert report rows, skipping known report ids; returns the ids that were new."""
    if conn.dialect.name == "postgresql":
        sql = _pg_unnest(
            "ingest_reports", REPORT_COLS, "ON CONFLICT (site_id, report_id) DO NOTHING RETURNING report_id"
        )
        return {r[0] for r in conn.exec_driver_sql(sql, _columns(rows, REPORT_COLS))}
    marks = "(" + ", ".join("?" * len(REPORT_COLS)) + ")"
    sql = (
        f"INSERT INTO ingest_reports ({', '.join(REPORT_COLS)}) VALUES {', '.join([marks] * len(rows))} "
        "ON CONFLICT (site_id, report_id) DO NOTHING RETURNING report_id"
    )
    flat = tuple(v for r in _tuples(rows, REPORT_COLS) for v in r)
    return {r[0] for r in conn.exec_driver_sql(sql, flat)}


SQLITE_ROWS_PER_STATEMENT = 500  # x 7 columns stays far below SQLite's 32,766 parameters


def _sqlite_multirow(conn: Connection, head: str, width: int, rows: list[tuple], tail: str = "") -> None:
    """Rows as multi-row VALUES statements: the driver's executemany steps (and gives up and takes back the GIL)
    once per row, and under load each taking back waited behind other requests' work; one statement steps once.
    Full chunks share one statement text, so the driver's statement cache keeps it prepared."""
    one = "(" + ", ".join("?" * width) + ")"
    for i in range(0, len(rows), SQLITE_ROWS_PER_STATEMENT):
        chunk = rows[i : i + SQLITE_ROWS_PER_STATEMENT]
        sql = f"{head} VALUES {', '.join([one] * len(chunk))} {tail}"
        conn.exec_driver_sql(sql, tuple(v for row in chunk for v in row))


Key = tuple[str, str, str]  # device id, metric, labels
SERIES_COLS = ("device_id", "metric", "labels", "site_id", "value", "text", "ts")  # the order of a reading tuple


def find_series(conn: Connection, keys: list[Key]) -> dict[Key, int]:
    """The ids of the series among ``keys`` that exist (committed, or written by this transaction)."""
    if conn.dialect.name == "postgresql":
        sql = (
            "SELECT s.id, s.device_id, s.metric, s.labels FROM series s, unnest(%s::text[], %s::text[], %s::text[])"
            " AS k(d, m, l) WHERE s.device_id = k.d AND s.metric = k.m AND s.labels = k.l"
        )
        rows = conn.exec_driver_sql(sql, tuple(map(list, zip(*keys, strict=True)))).all()
        return {(d, m, lab): i for i, d, m, lab in rows}
    out: dict[Key, int] = {}
    for i in range(0, len(keys), SQLITE_ROWS_PER_STATEMENT):
        chunk = keys[i : i + SQLITE_ROWS_PER_STATEMENT]
        sql = (
            "SELECT id, device_id, metric, labels FROM series WHERE (device_id, metric, labels) IN "
            f"(VALUES {', '.join(['(?, ?, ?)'] * len(chunk))})"
        )
        out |= {(d, m, lab): i for i, d, m, lab in conn.exec_driver_sql(sql, tuple(v for k in chunk for v in k))}
    return out


def insert_series(conn: Connection, rows: list[tuple]) -> dict[Key, int]:
    """Create series (reading tuples, one per key: the newest, which becomes the series' latest value), skipping
    any another process created meanwhile; returns the ids of the ones this statement created. Sorted by key, so
    two transactions creating the same series wait for each other rather than deadlock."""
    rows = sorted(rows, key=lambda r: r[:3])
    tail = "ON CONFLICT (device_id, metric, labels) DO NOTHING RETURNING id, device_id, metric, labels"
    if conn.dialect.name == "postgresql":
        found = conn.exec_driver_sql(
            _pg_unnest("series", SERIES_COLS, tail), tuple(map(list, zip(*rows, strict=True)))
        ).all()
        return {(d, m, lab): i for i, d, m, lab in found}
    out: dict[Key, int] = {}
    one = "(" + ", ".join("?" * len(SERIES_COLS)) + ")"
    for i in range(0, len(rows), SQLITE_ROWS_PER_STATEMENT):
        chunk = rows[i : i + SQLITE_ROWS_PER_STATEMENT]
        sql = f"INSERT INTO series ({', '.join(SERIES_COLS)}) VALUES {', '.join([one] * len(chunk))} {tail}"
        out |= {(d, m, lab): i for i, d, m, lab in conn.exec_driver_sql(sql, tuple(v for r in chunk for v in r))}
    return out


def insert_points(conn: Connection, rows: list[tuple[int, float, float]]) -> None:
    """Append (series id, ts, value) points; a point the series already has at that time is kept, not doubled."""
    if conn.dialect.name == "postgresql":
        sql = (
            "INSERT INTO points (series_id, ts, value) SELECT * FROM unnest(%s::int[], %s::float8[], %s::float8[])"
            " ON CONFLICT DO NOTHING"
        )
        conn.exec_driver_sql(sql, tuple(map(list, zip(*rows, strict=True))))
    else:
        _sqlite_multirow(conn, "INSERT INTO points (series_id, ts, value)", 3, rows, "ON CONFLICT DO NOTHING")


def update_latest(conn: Connection, rows: list[tuple[int, str, float, str | None, float]]) -> None:
    """Each series' newest value (rows: id, site id, value, text, ts; one per series), in one statement per
    backend; an older (replayed) reading never replaces a newer one."""
    rows = sorted(rows)  # the same lock order in every transaction
    if conn.dialect.name == "postgresql":
        sql = (
            "UPDATE series AS s SET site_id = v.site_id, value = v.value, text = v.text, ts = v.ts"
            " FROM unnest(%s::int[], %s::text[], %s::float8[], %s::text[], %s::float8[]) AS v(id, site_id, value,"
            " text, ts) WHERE s.id = v.id AND v.ts >= s.ts"
        )
        conn.exec_driver_sql(sql, tuple(map(list, zip(*rows, strict=True))))
        return
    for i in range(0, len(rows), SQLITE_ROWS_PER_STATEMENT):
        chunk = rows[i : i + SQLITE_ROWS_PER_STATEMENT]
        sql = (
            "UPDATE series SET site_id = v.column2, value = v.column3, text = v.column4, ts = v.column5"
            f" FROM (VALUES {', '.join(['(?, ?, ?, ?, ?)'] * len(chunk))}) AS v"
            " WHERE series.id = v.column1 AND v.column5 >= series.ts"
        )
        conn.exec_driver_sql(sql, tuple(v for r in chunk for v in r))


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
