"""Persistence of the NOC: SQLAlchemy 2.0 models, engine and session, Alembic migrations."""
