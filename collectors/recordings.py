"""The call-recording stores of the agent's own host: every call is extracted daily as WAV and kept twice.

For each store (a directory, walked recursively) the agent reports how many WAV files it holds and how old the
newest one is, and how far it lags behind the freshest store: a day without extraction shows as an old newest file
everywhere, a copy that stopped as one store falling behind the other. A store that is missing or unreadable is
``recording_store_available=0`` with the reason, never an empty healthy store.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from collectors.readings import Reading
from collectors.spec import Store


@dataclass(frozen=True)
class StoreFacts:
    name: str
    path: str
    files: int = 0
    newest_at: float | None = None  # mtime of the newest WAV (epoch)
    problem: str | None = None  # why it could not be read


def scan_store(store: Store) -> StoreFacts:
    """Count the WAV files under ``store.path`` and find the newest one's time (os.scandir: no stat per name)."""
    root = Path(store.path)
    if not root.is_dir():
        return StoreFacts(store.name, store.path, problem=f"not available: {root} is not a directory")
    files, newest = 0, None
    stack = [root]
    try:
        while stack:
            with os.scandir(stack.pop()) as it:
                for entry in it:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(Path(entry.path))
                    elif entry.name.lower().endswith(".wav") and entry.is_file():
                        files += 1
                        t = entry.stat().st_mtime
                        newest = t if newest is None or t > newest else newest
    except OSError as exc:
        return StoreFacts(store.name, store.path, problem=f"not available: {exc.strerror or exc} reading {root}")
    return StoreFacts(store.name, store.path, files, newest)


def recording_readings(stores: list[StoreFacts], now: float) -> list[Reading]:
    """Per store: available, file count, newest file's age, and lag behind the freshest store."""
    out: list[Reading] = []
    freshest = max((s.newest_at for s in stores if s.newest_at is not None), default=None)
    for s in stores:
        labels = {"store": s.name}
        if s.problem:
            out.append(Reading(metric="recording_store_available", value=0.0, labels=labels, text=s.problem[:200]))
            continue
        out.append(Reading(metric="recording_store_available", value=1.0, labels=labels, text=s.path[:200]))
        out.append(Reading(metric="recording_files", value=float(s.files), labels=labels))
        if s.newest_at is None:  # empty: recording_files=0 says it; there is no newest file to age
            continue
        age = max(0.0, now - s.newest_at)
        out.append(Reading(metric="recording_newest_age_seconds", value=age, labels=labels, unit="seconds"))
        lag = (freshest - s.newest_at) if freshest is not None else 0.0
        out.append(Reading(metric="recording_store_lag_seconds", value=max(0.0, lag), labels=labels, unit="seconds"))
    return out
