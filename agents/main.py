"""``ccis agent``: the site agent's entry point."""

from __future__ import annotations

import argparse
import sys


def run_agent(args: argparse.Namespace) -> int:
    """Run the agent for ``args.site`` until stopped."""
    print(
        "ccis agent: the site agent arrives with issue #4 (collectors, outbox); nothing was started",
        file=sys.stderr,
    )
    return 2
