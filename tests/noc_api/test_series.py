"""The narrow history on both databases: one series per device, metric and labels, created once even by two
processes at the same moment; its latest value never replaced by an older reading; points past their retention
deleted while the series and the rollups stay."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select, text

from agents.wire import IngestBatch
from noc_api.db import noc_models as nm
from noc_api.db.engine import make_engine
from noc_api.db.migrate import upgrade
from noc_api.health.rollups import retention, rollup
from noc_api.ingest.series import SeriesIds, resolve
from noc_api.ingest.service import ingest
from tests.noc_api.reporter import batch, device_report
from tests.support import wait_for

SITE, UPS = "town-orangi", "town-orangi-ups"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
KEY = (UPS, "ups_load_ratio", "")


def _report(value: float, at: datetime) -> dict:
    r = device_report(SITE, UPS, readings=[{"metric": "ups_load_ratio", "value": value}])
    r["device"]["collected_at"] = at.isoformat()
    return r


def _send(engine: Engine, cache: SeriesIds, *reports: dict) -> None:
    body = IngestBatch.model_validate(batch(SITE, list(reports), clock=NOW))
    ingest(engine.begin, body, series=cache, site_id=SITE, device_sites={UPS: SITE}, now=NOW)


def _latest(engine: Engine) -> tuple:
    with engine.connect() as c:
        return tuple(c.execute(select(nm.Series.value, nm.Series.ts)).one())


def test_latest_is_the_newest_reading_whatever_the_order(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        cache = SeriesIds()
        t = NOW - timedelta(minutes=10)
        _send(engine, cache, _report(2.0, t + timedelta(minutes=2)), _report(1.0, t))  # newer first, one batch
        assert _latest(engine) == (2.0, (t + timedelta(minutes=2)).timestamp())
        _send(engine, cache, _report(0.5, t + timedelta(minutes=1)))  # a late, older reading: history only
        assert _latest(engine) == (2.0, (t + timedelta(minutes=2)).timestamp())
        _send(engine, cache, _report(3.0, t + timedelta(minutes=3)))
        assert _latest(engine) == (3.0, (t + timedelta(minutes=3)).timestamp())
        with engine.connect() as c:
            assert c.scalar(select(func.count()).select_from(nm.Series)) == 1
            values = c.execute(select(nm.Point.value).order_by(nm.Point.ts)).scalars().all()
        assert values == [1.0, 0.5, 2.0, 3.0]
    finally:
        engine.dispose()


def test_two_processes_create_a_series_once(db_url: str) -> None:
    """Two server processes (two caches) meeting a new series: the second finds the first's row, never a second
    row; on PostgreSQL while the first has not committed yet, the second waits for it and then finds it."""
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        newest = {KEY: (*KEY, SITE, 0.4, None, NOW.timestamp())}
        first, second = SeriesIds(), SeriesIds()
        with engine.connect() as a:
            a.begin()
            ids_a, created_a = resolve(a, first, newest)
            assert set(created_a) == {ids_a[KEY]}
            if engine.dialect.name == "postgresql":
                got: dict = {}

                def other() -> None:
                    with engine.begin() as b:
                        got["ids"], got["created"] = resolve(b, second, newest)

                thread = threading.Thread(target=other)
                thread.start()
                wait_for("the second process to wait on the first's row", lambda: _waiting_on_a_lock(engine))
                a.commit()
                thread.join(timeout=60)
                assert got == {"ids": ids_a, "created": set()}
            else:
                a.commit()
        if engine.dialect.name != "postgresql":  # SQLite: one writer at a time, so the second sees a commit
            with engine.begin() as b:
                assert resolve(b, second, newest) == (ids_a, set())
        with engine.connect() as c:
            assert c.scalar(select(func.count()).select_from(nm.Series)) == 1
    finally:
        engine.dispose()


def _waiting_on_a_lock(engine: Engine) -> bool:
    with engine.connect() as c:
        n = c.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
                " AND query LIKE 'INSERT INTO series%'"
            )
        ).scalar()
    return bool(n)


def test_retention_deletes_old_points_and_keeps_series_and_rollups(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        cache = SeriesIds()
        old, recent = NOW - timedelta(days=40), NOW - timedelta(hours=3)
        _send(engine, cache, _report(0.2, old), _report(0.3, old + timedelta(minutes=1)), _report(0.6, recent))
        rollup(engine, old + timedelta(hours=1))  # the first run reaches back to the first point
        assert retention(engine, NOW, raw_days=30) == 2
        with engine.connect() as c:
            assert c.execute(select(nm.Point.value)).scalars().all() == [0.6]
            assert c.execute(select(nm.Series.value)).scalars().all() == [0.6]
            hourly = c.execute(
                select(nm.Rollup.count, nm.Rollup.vmin, nm.Rollup.vmax).where(nm.Rollup.period == 3600)
            ).all()
        assert [tuple(r) for r in hourly] == [(2, 0.2, 0.3)]
    finally:
        engine.dispose()
