"""TCP and HTTP probes against real listeners on loopback."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from collectors.readings import CollectResult, DeviceStatus
from collectors.run import Collectors
from collectors.spec import DeviceSpec
from tests.peers import free_port


def run(spec: DeviceSpec) -> CollectResult:
    async def go() -> CollectResult:
        c = Collectors()
        try:
            return await c.collect(spec)
        finally:
            await c.aclose()

    return asyncio.run(go())


@pytest.fixture
def listener() -> Iterator[int]:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    try:
        yield s.getsockname()[1]
    finally:
        s.close()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        code = 503 if self.path == "/broken" else 404 if self.path == "/missing" else 200
        self.send_response(code)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def tcp(port: int) -> DeviceSpec:
    return DeviceSpec(id="t", site="s", kind="server", address="127.0.0.1", collect={"method": "tcp", "port": port})


def http(url: str) -> DeviceSpec:
    return DeviceSpec(id="h", site="s", kind="server", address="127.0.0.1", collect={"method": "http", "url": url})


def test_tcp_reachable(listener: int) -> None:
    r = run(tcp(listener))
    got = {x.metric: x.value for x in r.readings}
    assert r.status is DeviceStatus.UP
    assert got["reachable"] == 1.0 and got["probe_loss_ratio"] == 0.0 and got["probe_rtt_seconds"] > 0


def test_tcp_refused_is_unreachable() -> None:
    r = run(tcp(free_port()))
    assert r.status is DeviceStatus.UNREACHABLE
    assert r.error.startswith("Unreachable") and "refused" in r.error.lower()


def test_http_codes(http_port: int) -> None:
    ok = run(http(f"http://127.0.0.1:{http_port}/healthz"))
    assert ok.status is DeviceStatus.UP
    assert {x.metric: x.value for x in ok.readings}["http_status_code"] == 200.0
    assert run(http(f"http://127.0.0.1:{http_port}/broken")).status is DeviceStatus.DOWN
    assert run(http(f"http://127.0.0.1:{http_port}/missing")).status is DeviceStatus.DEGRADED


def test_http_nothing_listening() -> None:
    r = run(http(f"http://127.0.0.1:{free_port()}/"))
    assert r.status is DeviceStatus.UNREACHABLE
