"""Run and check Alembic migrations programmatically."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config(str(MIGRATIONS / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["url"] = url
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest revision."""
    cfg = alembic_config(str(engine.url))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")


def code_heads(url: str) -> frozenset[str]:
    """The head revisions this code ships (read from the migration scripts: once per process is enough)."""
    return frozenset(ScriptDirectory.from_config(alembic_config(url)).get_heads())


def pending(engine: Engine, heads: frozenset[str] | None = None, conn: Connection | None = None) -> set[str]:
    """Head revisions not yet applied (empty when the schema is current). ``heads``: the code's, when known (a
    health probe every second should not re-import every migration script)."""
    wanted = heads if heads is not None else code_heads(str(engine.url))
    if conn is not None:
        return set(wanted) - set(MigrationContext.configure(conn).get_current_heads())
    with engine.connect() as c:
        return set(wanted) - set(MigrationContext.configure(c).get_current_heads())
