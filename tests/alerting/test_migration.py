"""The migrations create exactly the alerting tables the models declare, on both databases (the notices live in
the one outbox, `notifications`, since 0014)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from complaint_core.adapters.orm import CoreBase
from noc_api.alerting import models
from noc_api.db.engine import make_engine
from noc_api.db.metadata import all_metadata
from noc_api.db.migrate import upgrade

TABLES = {"alerts", "alert_history", "silences", "alert_groups", "notifications", "notification_attempts"}


def _table(diff: object) -> str | None:
    """The table a compare_metadata difference is about."""
    item = diff[0] if isinstance(diff, list) else diff  # column modifications come as a list of tuples
    for part in item[1:]:
        name = getattr(getattr(part, "table", None), "name", None) or getattr(part, "name", None)
        if isinstance(part, str) and part in TABLES:
            return part
        if name in TABLES:
            return name
    return None


def test_migration_matches_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        declared = {t.name for t in models.Base.metadata.sorted_tables} | set(CoreBase.metadata.tables)
        assert declared >= TABLES
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), all_metadata())
        ours = [d for d in diff if _table(d)]
        assert ours == []
    finally:
        engine.dispose()
