"""Series ids: each (device, metric, labels) is stored once, in the series table, and its points name it by id.

The ids are learned from the database into a cache the runtime owns (one per process). A key missing from it is
looked up, and created when absent with ON CONFLICT DO NOTHING, then looked up again: another server process may
have created it meanwhile, and on PostgreSQL the conflict waits for that process's commit, so the second look
finds its row. Learned ids enter the cache only once their transaction has committed (a rolled-back batch must
not leave ids of rows that were never written).
"""

from __future__ import annotations

import threading

from sqlalchemy import Connection

from noc_api.ingest import sql
from noc_api.ingest.sql import Key

MAX_CACHED = 1_000_000  # far above a city's series; past it the cache starts again rather than grow without end


class SeriesIds:
    """The series ids this process has seen committed."""

    def __init__(self, limit: int = MAX_CACHED) -> None:
        self._ids: dict[Key, int] = {}
        self._limit = limit
        self._lock = threading.Lock()

    def get(self, key: Key) -> int | None:
        """The id of a known series, or None."""
        return self._ids.get(key)

    def learn(self, ids: dict[Key, int]) -> None:
        """Remember ids whose rows are committed."""
        if not ids:
            return
        with self._lock:
            if len(self._ids) + len(ids) > self._limit:
                self._ids = {}
            self._ids.update(ids)

    def __len__(self) -> int:
        return len(self._ids)


def resolve(conn: Connection, cache: SeriesIds, newest: dict[Key, tuple]) -> tuple[dict[Key, int], set[int]]:
    """The id of each key of ``newest`` (key -> its newest reading tuple), creating the missing series inside the
    caller's transaction with that reading as their latest value. Returns the ids, and the ids of the series just
    created (their latest value is already the newest)."""
    ids: dict[Key, int] = {}
    missing: list[Key] = []
    for key in newest:
        i = cache.get(key)
        if i is None:
            missing.append(key)
        else:
            ids[key] = i
    if not missing:
        return ids, set()
    found = sql.find_series(conn, missing)
    ids |= found
    absent = [newest[k] for k in missing if k not in found]
    created: dict[Key, int] = {}
    if absent:
        created = sql.insert_series(conn, absent)
        ids |= created
        raced = [r[:3] for r in absent if r[:3] not in created]
        if raced:  # created by another process since our first look: its commit is visible now
            ids |= sql.find_series(conn, raced)
    return ids, set(created.values())
