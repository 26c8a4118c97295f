"""Give freed memory back to the system now and then (glibc only).

A server with tens of request threads frees most of what a request allocated, but glibc keeps freed pages of its
per-thread arenas for reuse, so the process's resident size creeps up under steady load while the Python heap does
not grow (a tracemalloc probe of the soak showed it). ``malloc_trim(0)`` returns those pages; it costs a few
milliseconds, once a minute.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from collections.abc import Callable


def _malloc_trim() -> Callable[[], int] | None:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to give back this way
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return lambda: int(trim(0))


class Trimmer:
    """A daemon thread calling malloc_trim every ``seconds`` until stopped; does nothing where there is no glibc."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._stop = threading.Event()
        self._trim = _malloc_trim() if seconds > 0 else None
        self._thread: threading.Thread | None = None
        self.runs = 0

    def start(self) -> None:
        if self._trim is None:
            return
        self._thread = threading.Thread(target=self._loop, name="malloc-trim", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.seconds):
            assert self._trim is not None
            self._trim()
            self.runs += 1

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
