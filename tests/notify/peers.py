"""An HTTP stand-in for an SMS gateway or webhook receiver on loopback: it records every request and answers
500 while it is "down", 200 once it is "up"; it can hold its first request until a second one is in flight."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Gateway:
    url: str = ""
    up: bool = True
    delay: float = 0.0  # seconds each request takes to answer
    hold_first: bool = False  # the first request waits (at most 60 s) until another request arrives
    got: list[tuple[int, dict]] = field(default_factory=list)  # (status answered, JSON body) in arrival order
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    second: threading.Event = field(default_factory=threading.Event)

    def accepted(self) -> list[dict]:
        """Bodies answered 200."""
        with self.lock:
            return [b for code, b in self.got if code == 200]

    def refused(self) -> list[dict]:
        """Bodies answered 500."""
        with self.lock:
            return [b for code, b in self.got if code != 200]


@contextmanager
def gateway(**kw: object) -> Iterator[Gateway]:
    """A running Gateway on a free loopback port; stopped on exit."""
    gw = Gateway(**kw)  # type: ignore[arg-type]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
            with gw.lock:
                gw.in_flight += 1
                gw.max_in_flight = max(gw.max_in_flight, gw.in_flight)
                first = not gw.got and not gw.second.is_set() and gw.in_flight == 1
                if gw.in_flight >= 2:
                    gw.second.set()
                code = 200 if gw.up else 500
                gw.got.append((code, body))
            try:
                if gw.hold_first and first:
                    gw.second.wait(60)
                if gw.delay:
                    time.sleep(gw.delay)
                self.send_response(code)
                self.end_headers()
                self.wfile.write(b'{"ok": true}' if code == 200 else b"gateway busy")
            finally:
                with gw.lock:
                    gw.in_flight -= 1

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    gw.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield gw
    finally:
        server.shutdown()
        server.server_close()
