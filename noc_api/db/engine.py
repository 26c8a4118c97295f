"""Engine and session factory; SQLite gets WAL, foreign keys, a busy timeout and one in-process writer queue."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any, Self, cast

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

# Statements that take SQLite's write lock, or open a transaction that may go on to take it (SAVEPOINT, BEGIN).
_WRITES = frozenset({"INSERT", "UPDATE", "DELETE", "REPLAC", "SAVEPO", "BEGIN", "BEGIN "})
_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()
LOCK_TIMEOUT = 30.0  # as the busy timeout: a writer waits this long, then fails as SQLite would


def _file_lock(path: str) -> threading.Lock:
    """The one writer lock of a database file in this process (every engine on the file shares it)."""
    key = str(Path(path).resolve())
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(key, threading.Lock())


def _connection_class(lock: threading.Lock) -> type[sqlite3.Connection]:
    """A sqlite3 connection whose first write of a transaction queues on ``lock`` until commit or rollback.

    SQLite has one writer; a second one waits in the driver's busy handler, which sleeps in growing steps (up to
    100 ms each) and wakes in no order, so under load a registration could wait seconds behind others that
    arrived later. Queueing the writers of this process on a lock, taken where SQLite would take its write lock
    (the implicit BEGIN before the first INSERT/UPDATE/DELETE, or a SAVEPOINT opening a transaction), makes them
    wait in turn and only as long as needed. Other processes on the file still meet the busy timeout, as before.
    """

    class Cursor(sqlite3.Cursor):
        def execute(self, sql: str, parameters: Any = (), /) -> Self:  # noqa: ANN401
            conn = cast("Connection", self.connection)
            if not conn.holds and not conn.in_transaction and sql.lstrip()[:6].upper() in _WRITES:
                conn.take()
            return super().execute(sql, parameters)

        def executemany(self, sql: str, parameters: Any, /) -> Self:  # noqa: ANN401
            conn = cast("Connection", self.connection)
            if not conn.holds and not conn.in_transaction and sql.lstrip()[:6].upper() in _WRITES:
                conn.take()
            return super().executemany(sql, parameters)

    class Connection(sqlite3.Connection):
        holds = False

        def take(self) -> None:
            if not lock.acquire(timeout=LOCK_TIMEOUT):
                raise sqlite3.OperationalError("database is locked (waited for this process's other writers)")
            self.holds = True

        def _release(self) -> None:
            if self.holds:
                self.holds = False
                lock.release()

        def cursor(self, factory: Any = Cursor) -> sqlite3.Cursor:  # type: ignore[override]  # noqa: ANN401
            return super().cursor(factory)

        def commit(self) -> None:
            try:
                super().commit()
            finally:
                self._release()

        def rollback(self) -> None:
            try:
                super().rollback()
            finally:
                self._release()

        def close(self) -> None:
            try:
                super().close()
            finally:
                self._release()

    return Connection


OVERFLOW = 4  # connections beyond ``connections`` (PostgreSQL)
POOL_WAIT = 10.0  # seconds a request waits for a free connection


def make_engine(url: str, connections: int = 20, **kwargs: object) -> Engine:
    """Create an engine configured for the backend; ``connections`` kept open (PostgreSQL; the server passes its
    request threads plus room for the jobs, so no request opens and closes a connection under load)."""
    if url.startswith("sqlite"):
        db_path = url.split("///", 1)[-1] if "///" in url else ""
        connect_args: dict[str, Any] = {"check_same_thread": False, "timeout": 30}
        if db_path and db_path != ":memory:" and not db_path.startswith("file:"):
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
            connect_args["factory"] = _connection_class(_file_lock(db_path.split("?")[0]))
        # As many connections as request threads plus jobs: a thread never waits for a connection while another
        # waits for the write lock it holds; none is closed and reopened (with its PRAGMAs) under load.
        engine = create_engine(
            url,
            connect_args=connect_args,
            pool_size=80,
            max_overflow=20,
            **kwargs,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")  # durable at each commit in WAL mode except on power loss
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA cache_size=-65536")  # 64 MiB of page cache: ingest indexes stay in memory
            cur.close()

        return engine
    # A few beyond that for a burst, no more: N processes x this must stay under PostgreSQL's max_connections, and
    # a request that finds none free waits (pool_timeout), then answers 503 with Retry-After, not a refused login.
    return create_engine(
        url, pool_pre_ping=True, pool_size=connections, max_overflow=OVERFLOW, pool_timeout=POOL_WAIT, **kwargs
    )


class ReplicaUnavailable(Exception):
    """The read replica refused or dropped the connection (the primary may well be fine)."""


def make_read_engine(url: str) -> Engine:
    """An engine on a PostgreSQL read replica; its connection failures raise ReplicaUnavailable, so a request
    that reads from it can say which database is away."""
    engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=20)

    @event.listens_for(engine, "handle_error")
    def _name_the_replica(context: ExceptionContext) -> None:
        if context.is_disconnect or isinstance(context.sqlalchemy_exception, (OperationalError, InterfaceError)):
            raise ReplicaUnavailable(str(context.original_exception).strip()) from context.original_exception

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
