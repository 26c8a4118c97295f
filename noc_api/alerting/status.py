"""What /healthz, the API and the console say about the rule files and the routing."""

from __future__ import annotations

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
