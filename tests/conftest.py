"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL comes from CCIS_TEST_POSTGRES_URL (default: the local server's `test` database); each test gets its
own schema, dropped afterwards. Without a reachable PostgreSQL the PostgreSQL runs are skipped, unless
CCIS_REQUIRE_POSTGRES=1 (CI), where they fail saying why.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("CCIS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_driver_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


def _postgres_problem() -> str | None:
    try:
        engine = create_engine(_pg_driver_url(PG_URL), connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # report any driver error as the reason
        return f"PostgreSQL at {PG_URL} unreachable: {exc.__class__.__name__}: {str(exc).splitlines()[0]}"


@pytest.fixture(scope="session")
def postgres_available() -> str | None:
    return _postgres_problem()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, postgres_available: str | None) -> Iterator[str]:
    """A fresh, empty database URL on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ccis.db'}"
        return
    yield from _pg_schema("t", postgres_available)


@pytest.fixture(scope="module")
def module_postgres(postgres_available: str | None) -> Iterator[str]:
    """A PostgreSQL schema shared by one test module (for module-scoped servers), dropped afterwards."""
    yield from _pg_schema("m", postgres_available)


def _pg_schema(prefix: str, postgres_available: str | None) -> Iterator[str]:
    """A fresh PostgreSQL schema (its URL), dropped afterwards; a missing server fails under
    CCIS_REQUIRE_POSTGRES=1 and skips otherwise."""
    if postgres_available:
        if os.environ.get("CCIS_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"CCIS_REQUIRE_POSTGRES=1 but {postgres_available}")
        pytest.skip(postgres_available)
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_pg_driver_url(PG_URL))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{_pg_driver_url(PG_URL)}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def inventory_path() -> Path:
    return ROOT / "inventory.yaml"


def pytest_report_header(config: pytest.Config) -> str:
    problem = _postgres_problem()
    config.stash[_PG_PROBLEM] = problem
    return f"PostgreSQL: {PG_URL} answers" if problem is None else f"PostgreSQL: NOT AVAILABLE ({problem})"


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """Say loudly when the PostgreSQL half of the suite did not run."""
    problem = config.stash.get(_PG_PROBLEM, None)
    if problem is not None:
        skipped = len(terminalreporter.stats.get("skipped", []))
        terminalreporter.write_sep("!", "PostgreSQL was not reachable: its half of the suite was SKIPPED", red=True)
        terminalreporter.write_line(f"{problem}; {skipped} tests skipped. CI sets CCIS_REQUIRE_POSTGRES=1 and fails.")


_PG_PROBLEM = pytest.StashKey[str | None]()
