"""Roll the points up into 5-minute and hourly buckets per series, and drop points past their retention."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, Integer, and_, cast, delete, func, literal, select

from noc_api.db import noc_models as nm

POINTS = nm.Point.__table__
ROLL = nm.Rollup.__table__
PERIODS = (300, 3600)
MAX_WINDOW = 86400  # at most a day of raw history per run, so one run stays short
FIVE_MINUTE_RETENTION_DAYS = 90


def _bucket(dialect: str, period: int):  # noqa: ANN202
    if dialect == "postgresql":
        return func.floor(POINTS.c.ts / period) * period
    return cast(POINTS.c.ts / period, Integer) * period  # SQLite: truncation is floor for positive times


def rollup(engine: Engine, now: datetime) -> int:
    """Recompute the buckets since the last one (late readings included) up to the last complete one."""
    done = 0
    with engine.begin() as conn:
        for period in PERIODS:
            end = (int(now.timestamp()) // period) * period
            last = conn.execute(select(func.max(ROLL.c.bucket)).where(ROLL.c.period == period)).scalar()
            if last is None:
                first = conn.execute(select(func.min(POINTS.c.ts))).scalar()
                if first is None:
                    continue
                start = (int(first) // period) * period
            else:
                start = int(last)
            end = min(end, start + MAX_WINDOW)
            if end <= start:
                continue
            conn.execute(delete(ROLL).where(ROLL.c.period == period, ROLL.c.bucket >= start, ROLL.c.bucket < end))
            bucket = _bucket(conn.dialect.name, period).label("bucket")
            query = (
                select(
                    literal(period).label("period"),
                    POINTS.c.series_id,
                    bucket,
                    func.count().label("count"),
                    func.min(POINTS.c.value),
                    func.max(POINTS.c.value),
                    func.avg(POINTS.c.value),
                )
                .where(and_(POINTS.c.ts >= start, POINTS.c.ts < end))
                .group_by(POINTS.c.series_id, bucket)
            )
            cols = ["period", "series_id", "bucket", "count", "vmin", "vmax", "vavg"]
            done += conn.execute(ROLL.insert().from_select(cols, query)).rowcount or 0
    return done


def retention(engine: Engine, now: datetime, raw_days: int) -> int:
    """Delete points and report ids older than ``raw_days``, and 5-minute buckets older than 90 days."""
    cutoff = now.timestamp() - raw_days * 86400
    with engine.begin() as conn:
        n = conn.execute(delete(POINTS).where(POINTS.c.ts < cutoff)).rowcount or 0
        rep = nm.IngestReport.__table__
        conn.execute(delete(rep).where(rep.c.received_ts < cutoff))
        old = now.timestamp() - FIVE_MINUTE_RETENTION_DAYS * 86400
        conn.execute(delete(ROLL).where(ROLL.c.period == 300, ROLL.c.bucket < old))
    return n
