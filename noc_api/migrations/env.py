"""Alembic environment: the URL comes from the caller (``ccis db upgrade``) or CCIS_DATABASE_URL."""

from alembic import context

from noc_api.db.engine import make_engine
from noc_api.db.metadata import all_metadata

config = context.config
url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
if not url:
    from noc_api.settings import load_settings

    url = load_settings().database_url


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _managed(name, type_, parent_names) -> bool:  # noqa: ANN001
    """Leave out objects made by raw SQL in migrations (SQLite FTS5 shadow tables), so autogenerate ignores them."""
    return not (type_ == "table" and name and name.startswith("complaints_fts"))


def _run(connection) -> None:  # noqa: ANN001
    context.configure(
        connection=connection,
        target_metadata=all_metadata(),
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
        include_name=_managed,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
