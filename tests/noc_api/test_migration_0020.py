"""Migration 0020 (narrow history) moves the wide reading tables' rows into series, points and rollups, creates
exactly the tables the models declare, and downgrades back to the wide rows, on both databases."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from noc_api.db.engine import make_engine
from noc_api.db.metadata import all_metadata
from noc_api.db.migrate import alembic_config, upgrade

NEW = {"series", "points", "rollups"}
OLD = {"readings_raw", "readings_latest", "readings_rollup"}
LATEST = [
    ("sw-1", "if_in_bits_per_second", "interface=eth0", "site-a", 5.0, None, 200.0),
    ("sw-1", "if_in_bits_per_second", "interface=eth1", "site-a", 7.0, None, 200.0),
    ("ups-1", "check_available", "check=os_updates", "site-b", 0.0, "apt locked", 150.0),
]
RAW = [  # the same instant twice for one series: one point
    ("sw-1", "if_in_bits_per_second", "interface=eth0", 4.0, 100.0),
    ("sw-1", "if_in_bits_per_second", "interface=eth0", 4.0, 100.0),
    ("sw-1", "if_in_bits_per_second", "interface=eth0", 5.0, 200.0),
    ("sw-1", "if_in_bits_per_second", "interface=eth1", 7.0, 200.0),
    ("ups-1", "check_available", "check=os_updates", 0.0, 150.0),
]
ROLLUP = [(3600, "sw-1", "if_in_bits_per_second", "interface=eth0", 0.0, 2, 4.0, 5.0, 4.5)]


def _to(engine: Engine, url: str, revision: str, down: bool = False) -> None:
    cfg = alembic_config(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


def _rows(engine: Engine, sql: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def test_0020_moves_the_history_and_downgrades(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        _to(engine, db_url, "0019")
        with engine.begin() as conn:
            for r in LATEST:
                conn.execute(
                    text("INSERT INTO readings_latest VALUES (:d, :m, :l, :s, :v, :t, :ts)"),
                    dict(zip(("d", "m", "l", "s", "v", "t", "ts"), r, strict=True)),
                )
            for r in RAW:
                conn.execute(
                    text(
                        "INSERT INTO readings_raw (device_id, metric, labels, value, ts) VALUES (:d, :m, :l, :v, :ts)"
                    ),
                    dict(zip(("d", "m", "l", "v", "ts"), r, strict=True)),
                )
            conn.execute(
                text("INSERT INTO readings_rollup VALUES (:p, :d, :m, :l, :b, :c, :lo, :hi, :avg)"),
                dict(zip(("p", "d", "m", "l", "b", "c", "lo", "hi", "avg"), ROLLUP[0], strict=True)),
            )
        upgrade(engine)
        tables = set(inspect(engine).get_table_names())
        assert tables >= NEW and not OLD & tables
        series = _rows(engine, "SELECT device_id, metric, labels, site_id, value, text, ts FROM series ORDER BY id")
        assert series == LATEST
        points = _rows(
            engine,
            "SELECT s.device_id, s.metric, s.labels, p.value, p.ts FROM points p JOIN series s ON s.id = p.series_id"
            " ORDER BY p.ts, s.labels",
        )
        assert points == [RAW[0], RAW[4], RAW[2], RAW[3]]
        rollups = _rows(
            engine,
            "SELECT r.period, s.device_id, s.metric, s.labels, r.bucket, r.count, r.vmin, r.vmax, r.vavg"
            " FROM rollups r JOIN series s ON s.id = r.series_id",
        )
        assert rollups == ROLLUP
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), all_metadata())
        assert [d for d in diff if any(t in str(d) for t in NEW | OLD)] == []

        _to(engine, db_url, "0019", down=True)
        tables = set(inspect(engine).get_table_names())
        assert tables >= OLD and not NEW & tables
        latest = "SELECT device_id, metric, labels, site_id, value, text, ts FROM readings_latest ORDER BY ts, labels"
        assert _rows(engine, latest) == [LATEST[2], LATEST[0], LATEST[1]]
        raw = "SELECT device_id, metric, labels, value, ts FROM readings_raw ORDER BY ts, labels"
        assert _rows(engine, raw) == [RAW[0], RAW[4], RAW[2], RAW[3]]
        assert _rows(engine, "SELECT * FROM readings_rollup") == ROLLUP
    finally:
        engine.dispose()
