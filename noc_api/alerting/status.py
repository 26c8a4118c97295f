"""What /healthz, the API and the console say about the rule files and the routing."""

from __future__ import annotations

import copy
import threading
from pathlib import Path

from noc_api.alerting.loader import ROUTING_FILE, load_rules_dir
from noc_api.alerting.routing import load_routing


def rules_status(directory: Path) -> dict:
    """Rule files, rules loaded and every problem (`FILE:LINE: what is wrong`) in rules and routing."""
    summary = load_rules_dir(directory).summary()
    routing, problems = load_routing(directory / ROUTING_FILE) if directory.is_dir() else (None, [])
    summary["routing"] = "ok" if routing is not None else "unusable: nobody is notified until it is fixed"
    summary["problems"] += [str(p) for p in problems]
    return summary


class RulesStatus:
    """``rules_status`` of one directory, read again only when a file in it was added, removed or changed (a
    health probe every second should not parse every rule file). Owned by the runtime."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()  # the API's threads ask at once
        self._seen: tuple | None = None
        self._status: dict = {}

    def _stamp(self) -> tuple:
        try:
            entries = sorted(self.directory.iterdir()) if self.directory.is_dir() else None
        except OSError:
            entries = None
        if entries is None:
            return ("missing",)
        out = []
        for path in entries:
            try:
                st = path.stat()
            except OSError:
                continue
            out.append((path.name, st.st_mtime_ns, st.st_size))
        return tuple(out)

    def current(self) -> dict:
        stamp = self._stamp()
        with self._lock:
            if stamp != self._seen:
                self._status, self._seen = rules_status(self.directory), stamp
            return copy.deepcopy(self._status)
