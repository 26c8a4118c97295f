"""Every revision upgrades and downgrades cleanly on both backends (0007: full-text index and history guard)."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text

from noc_api.db.engine import make_engine
from noc_api.db.migrate import alembic_config, upgrade


def test_0007_up_down_up(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        tables = set(inspect(engine).get_table_names())
        assert {"complaints", "complaint_events", "tracking_counters", "complaint_notifications"} <= tables
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                assert conn.execute(
                    text("SELECT 1 FROM pg_indexes WHERE indexname = 'ix_complaints_description_fts'")
                ).first()
            else:
                assert conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'complaints_fts'")).first()
        cfg = alembic_config(db_url)
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0001")
        assert "complaints" not in set(inspect(engine).get_table_names())
        assert "complaints_fts" not in set(inspect(engine).get_table_names())
        upgrade(engine)
        assert "complaint_events" in set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
