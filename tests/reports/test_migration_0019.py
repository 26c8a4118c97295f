"""0019 gives complaints already stored the time they last moved, from their history, on both backends: an
assignment, routing, re-mark, edit, resumption or escalation; a note or a resolution is no move."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import Connection, insert, inspect, select

from complaint_core.adapters.orm import ComplaintEvent, ComplaintRow
from noc_api.db.engine import make_engine
from noc_api.db.migrate import alembic_config, upgrade
from tests.reports.fixtures import complaint

T0 = datetime(2026, 4, 2, 5, tzinfo=UTC)
COLUMNS = [c for c in ComplaintRow.__table__.c if c.name not in ("id", "moved_at")]  # as the table was at 0018


def _store(conn: Connection, row: ComplaintRow, *events: tuple[str, timedelta, str | None, str]) -> int:
    values = {c.name: getattr(row, c.key) for c in COLUMNS}
    values |= {"version": 1, "channel_data": {}, "pauses": []}
    cid = conn.execute(insert(ComplaintRow.__table__).values(values).returning(ComplaintRow.__table__.c.id)).scalar()
    for action, after, was, to in events:
        conn.execute(
            insert(ComplaintEvent.__table__).values(
                complaint_id=cid, at=T0 + after, action=action, actor="old", from_status=was, to_status=to, data={}
            )
        )
    return cid


def test_0019_takes_the_last_move_from_the_history(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        cfg = alembic_config(db_url)
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0018")
        assert "moved_at" not in {c["name"] for c in inspect(engine).get_columns("complaints")}
        row = {"town": "orangi", "dept": "solid-waste", "cat": "garbage", "channel": "web", "registered": T0}
        day = timedelta(days=1)
        with engine.begin() as conn:
            ids = [
                _store(
                    conn,
                    complaint(**row, due=T0 + 9 * day),
                    ("register", timedelta(0), None, "registered"),
                    ("assign", day, "registered", "assigned"),
                    ("note", 3 * day, "assigned", "assigned"),
                    ("start", 4 * day, "assigned", "in_progress"),
                    ("resolve", 5 * day, "in_progress", "resolved"),
                ),
                _store(
                    conn,
                    complaint(**row, due=T0 + 9 * day),
                    ("register", timedelta(0), None, "registered"),
                    ("remark", 2 * day, "registered", "registered"),
                    ("reopen", 6 * day, "closed", "escalated"),
                    ("resolve", 7 * day, "escalated", "resolved"),
                ),
                _store(conn, complaint(**row, due=T0 + 9 * day), ("register", timedelta(0), None, "registered")),
            ]
        upgrade(engine)
        with engine.connect() as conn:
            c = ComplaintRow.__table__.c
            moved = dict(conn.execute(select(c.id, c.moved_at).where(c.id.in_(ids))).all())
        assert [moved[i] for i in ids] == [T0 + day, T0 + 6 * day, None]
    finally:
        engine.dispose()
