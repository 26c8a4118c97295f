"""Migration 0012 (Open311 keys and tokens, intake messages and conversations, legacy import runs) creates exactly
the tables the models declare, and downgrades cleanly, on both databases."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from noc_api.db.engine import make_engine
from noc_api.db.metadata import all_metadata
from noc_api.db.migrate import alembic_config, upgrade

TABLES = {"open311_keys", "open311_tokens", "intake_messages", "intake_conversations", "legacy_import_runs"}


def _about(diff: object) -> set[str]:
    items = diff if isinstance(diff, list) else [diff]
    names = set()
    for item in items:
        for part in item[1:]:
            names.add(part if isinstance(part, str) else getattr(getattr(part, "table", None), "name", None))
            names.add(getattr(part, "name", None))
    return names & TABLES


def test_0012_matches_the_models_and_downgrades(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        assert set(inspect(engine).get_table_names()) >= TABLES
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), all_metadata()[0])
        assert [d for d in diff if _about(d)] == []
        cfg = alembic_config(db_url)
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0012-1")
        assert not TABLES & set(inspect(engine).get_table_names())
        upgrade(engine)
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()
