"""Keep the garbage collector off the start-up heap, and give freed memory back to the system now and then.

The collector's full pass walks every container object the process holds, and a started server holds over 200,000
that live as long as it does (modules, the app, SQLAlchemy's and pydantic's tables). Under ingest load that pass
ran about once a second and took 150 ms, with the younger passes a fifth of the process's time (`bench/PROFILE.md`).
``settle_heap`` moves what start-up made into the permanent generation (``gc.freeze``), which no pass walks, and
lets the youngest generation grow to 10,000 objects before a pass: at Python's 700, a batch of 500 readings was
still alive at each pass and was promoted, so the older generations filled with objects about to die.

Freed memory (glibc only): a server with tens of request threads frees most of what a request allocated, but glibc
keeps freed pages of its per-thread arenas for reuse, so the process's resident size creeps up under steady load
while the Python heap does not grow (a tracemalloc probe of the soak showed it). ``malloc_trim(0)`` returns those
pages; it costs a few milliseconds, once a minute.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import threading
from collections.abc import Callable

YOUNG_GENERATION_OBJECTS = 10_000  # Python's default is 700


def settle_heap() -> None:
    """Collect once, then freeze what is left (the started server) out of the collector's passes."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_OBJECTS, middle, old)


def unsettle_heap() -> None:
    """Give the frozen objects back to the collector (an app that stops may leave garbage among them)."""
    gc.unfreeze()


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
