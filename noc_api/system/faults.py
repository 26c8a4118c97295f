"""Background work failing run after run (scheduled jobs, health listeners), kept in the database so that every
server process's /healthz sees what the leader sees: with `ccis serve --workers N` any worker may answer.

Only the leader writes: a row when a job fails (its count of failed runs in a row and the last error), removed
at its next success; a new leader starts with an empty table.
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from noc_api.db import noc_models as nm

FAULTS = nm.JobFault.__table__


def record(conn: Connection, name: str, failures: int, error: str, now: float) -> None:
    """``name`` has now failed ``failures`` runs in a row, the last with ``error``."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    ins = dialect.insert(FAULTS).values(name=name, failures=failures, error=error[:300], since_ts=now, updated_ts=now)
    ex = ins.excluded
    conn.execute(
        ins.on_conflict_do_update(
            index_elements=["name"], set_={"failures": ex.failures, "error": ex.error, "updated_ts": ex.updated_ts}
        )
    )


def clear(conn: Connection, name: str | None = None) -> None:
    """``name`` succeeded again (or, with no name, a new leader starts with a clean record)."""
    conn.execute(delete(FAULTS) if name is None else delete(FAULTS).where(FAULTS.c.name == name))


def failing(conn: Connection, after: int) -> dict[str, tuple[int, str]]:
    """Everything that failed at least ``after`` runs in a row: name -> (runs, last error)."""
    rows = conn.execute(select(FAULTS.c.name, FAULTS.c.failures, FAULTS.c.error).where(FAULTS.c.failures >= after))
    return {r.name: (r.failures, r.error) for r in rows}
