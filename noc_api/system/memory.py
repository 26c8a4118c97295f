"""Keep the server's memory level under steady load: bound glibc's malloc arenas.

glibc gives a thread that finds the heap busy an arena of its own, up to eight per core. A server with forty
request threads and a scheduler ends up with many arenas, each holding freed but fragmented memory, so its RSS
creeps upward under steady load while the Python heap stays level (the soak showed it: traced Python memory flat,
RSS +1–2 MB/min). Two arenas are what ``MALLOC_ARENA_MAX=2`` gives; it is the usual setting for threaded servers.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

ARENAS = 2
_M_ARENA_MAX = -8  # glibc's mallopt parameter number (malloc.h)


def bound_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Limit this process's malloc arenas to ``arenas`` and pass the limit on to processes it starts (uvicorn's
    workers read ``MALLOC_ARENA_MAX`` when they start). An operator's own ``MALLOC_ARENA_MAX`` is left as it is:
    glibc applied it at start-up. True when the limit was set here; False elsewhere (another C library) or when
    the operator chose."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    os.environ["MALLOC_ARENA_MAX"] = str(arenas)
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return False
    mallopt = getattr(libc, "mallopt", None)
    if mallopt is None:  # not glibc
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_ARENA_MAX, arenas) == 1)
