"""The server bounds glibc's malloc arenas before its threads start, unless the operator chose a bound."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support import ROOT

PROBE = (
    "import os; from noc_api.system.memory import bound_malloc_arenas as b; print(b(), os.environ['MALLOC_ARENA_MAX'])"
)


def _probe(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    done = subprocess.run([sys.executable, "-c", PROBE], env={**clean, **env}, cwd=ROOT, capture_output=True,
                          text=True, check=True)  # fmt: skip
    return done.stdout.strip()


def test_arenas_are_bounded_and_passed_on() -> None:
    assert _probe() == "True 2"  # glibc took the bound (mallopt said yes), and child processes inherit it


def test_an_operators_bound_is_left_alone() -> None:
    assert _probe(MALLOC_ARENA_MAX="4") == "False 4"
