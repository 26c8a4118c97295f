"""Persistence adapters of the complaint core (SQLAlchemy 2.0)."""
