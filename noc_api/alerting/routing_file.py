"""The routing file as the runtime holds it: loaded once, reloaded when the file changes (no restart to edit it)."""

from __future__ import annotations

import threading
from pathlib import Path

from noc_api.alerting.loader import ROUTING_FILE, Problem
from noc_api.alerting.routing import Routing, load_routing


class RoutingFile:
    """``alert_rules/routing.yaml``; ``current()`` re-reads it whenever its modification time changed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()  # the API's threads and the scheduler's ask at once
        self._loaded: tuple[float, Routing | None, list[Problem]] | None = None

    @classmethod
    def in_dir(cls, rules_dir: Path) -> RoutingFile:
        """The routing file of an alert rules directory."""
        return cls(Path(rules_dir) / ROUTING_FILE)

    def current(self) -> tuple[Routing | None, list[Problem]]:
        """The routing (None when unusable) and every problem in the file."""
        try:
            mtime = self.path.stat().st_mtime_ns / 1e9
        except OSError:
            mtime = -1.0
        with self._lock:
            if self._loaded is None or self._loaded[0] != mtime:
                routing, problems = load_routing(self.path)
                self._loaded = (mtime, routing, problems)
            return self._loaded[1], self._loaded[2]

    def ack_link_hours(self) -> float:
        """How long an acknowledgement link stays valid (24 h while the file is unusable)."""
        routing, _ = self.current()
        return routing.defaults.ack_link_hours if routing else 24.0
