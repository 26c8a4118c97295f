"""Migration 0006 creates exactly the alerting tables the models declare, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from noc_api.alerting import models
from noc_api.db.engine import make_engine
from noc_api.db.metadata import all_metadata
from noc_api.db.migrate import upgrade

TABLES = {"alerts", "alert_history", "silences", "alert_groups", "notifications", "notification_attempts"}


def test_migration_matches_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        assert {t.name for t in models.Base.metadata.sorted_tables} >= TABLES
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), all_metadata()[0])
        ours = [d for d in diff if any(t in repr(d) for t in TABLES)]
        assert ours == []
    finally:
        engine.dispose()
