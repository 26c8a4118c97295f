"""The trimmer hands freed memory back on its interval, in its own thread, and stops when told; 0 turns it off."""

from __future__ import annotations

import threading

from noc_api.system.memory import Trimmer
from tests.support import wait_for


def test_trims_on_its_interval_and_stops() -> None:
    trimmer = Trimmer(0.05)
    trimmer.start()
    try:
        wait_for("two trims", lambda: trimmer.runs >= 2, timeout=30)
    finally:
        trimmer.stop()
    assert not any(t.name == "malloc-trim" for t in threading.enumerate())  # stopped and joined


def test_zero_turns_it_off() -> None:
    off = Trimmer(0)
    off.start()
    assert off._thread is None and not any(t.name == "malloc-trim" for t in threading.enumerate())
    off.stop()
