"""Where a request's time goes: a real `ccis serve` sampled by py-spy while wrk drives one endpoint.

Starts the server under ``py-spy record`` (raw collapsed stacks, idle threads left out), runs wrk with
bench/register.lua (POST /api/v1/complaints), bench/ceiling.lua (GET /api/v1/auth/me) or bench/ingest.lua
(POST /api/v1/ingest) at 50 clients, and prints the frames holding the most samples: inclusive share (the frame is
anywhere on the stack) and self share (the frame is on top).

    .venv/bin/python bench/profile_serve.py --endpoint register|me|ingest [--backend sqlite] [--seconds 10]
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import psutil  # noqa: E402

from bench import bench_ingest  # noqa: E402
from bench._db import fresh_database  # noqa: E402
from bench.bench_register import SECRET, _prepare, _wrk  # noqa: E402
from tests.support import free_port, stop, wait_for  # noqa: E402

# Stacks ending in these are threads waiting for work (pool workers, the event loop's select), not requests.
IDLE = (
    "wait (threading.py:359)",
    "_worker (concurrent/futures/thread.py:89)",
    "select (selectors.py:468)",
)


def summarise(raw: Path, top: int) -> str:
    """The ``top`` frames by inclusive and by self samples of py-spy's raw (collapsed) output."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        if any(stack.endswith(idle) for idle in IDLE):
            continue
        frames = [
            f.split(" (")[0] + " (" + f.split(" (")[-1].split(":")[0].split("/")[-1] + ")" for f in stack.split(";")
        ]
        total += n
        for f in set(frames[1:]):  # the first frame is the thread's name
            inclusive[f] += n
        own[frames[-1]] += n
    lines = [f"{total} samples (busy threads)", "inclusive:"]
    lines += [f"  {100 * n / total:5.1f}%  {f}" for f, n in inclusive.most_common(top)]
    lines += ["self:"]
    lines += [f"  {100 * n / total:5.1f}%  {f}" for f, n in own.most_common(top)]
    return "\n".join(lines)


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and its children so far."""
    proc = psutil.Process(pid)
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            t = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += t.user + t.system
    return total


def _load(args: argparse.Namespace, tmp: Path, url: str, base: str, token: str, seconds: int) -> dict:
    if args.endpoint == "ingest":
        listing = bench_ingest.write_sites(tmp, 10, bench_ingest._sites(url))
        res = bench_ingest.run_wrk(base, listing, seconds, 8, 1)
        print(f"ingest: {res['rps'] * 10:.0f} reports/s p50 {res['p50_ms']} ms errors {res['non200']}")
        return res
    script, path = {"register": ("register.lua", "/api/v1/complaints"), "me": ("ceiling.lua", "/api/v1/auth/me")}[
        args.endpoint
    ]
    res = _wrk(base, script, path, token, args.clients, seconds)
    print(f"{args.endpoint}: {res}")
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--endpoint", choices=["register", "me", "ingest"], default="register")
    ap.add_argument("--backend", default="sqlite")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--gil", action="store_true", help="sample only the thread holding the GIL (CPU, not waits)")
    ap.add_argument("--cpu-only", action="store_true", help="no sampling: only the server's CPU per request")
    ap.add_argument("--keep", type=Path, help="copy py-spy's raw stacks here")
    args = ap.parse_args()
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    with tempfile.TemporaryDirectory() as d, fresh_database(args.backend, Path(d)) as url:
        tmp = Path(d)
        token = _prepare(url)
        port = free_port()
        env = {
            **os.environ,
            "CCIS_DATABASE_URL": url,
            "CCIS_INVENTORY": str(ROOT / "inventory.yaml"),
            "CCIS_SECRET_KEY": SECRET,
            "CCIS_ATTACHMENTS_DIR": str(tmp / "att"),
            "CCIS_ENV": "test",
            "CCIS_HOST": "127.0.0.1",
            "CCIS_PORT": str(port),
            "CCIS_MAX_INGEST_BYTES": "16777216",
        }
        raw = tmp / "profile.txt"
        ccis = str(Path(sys.executable).parent / "ccis")
        cmd = [ccis, "serve", "--log-level", "warning", "--workers", str(args.workers)]
        with (tmp / "serve.log").open("wb") as log:
            server = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:

            def up() -> bool:
                try:
                    return httpx.get(base + "/healthz", timeout=2).status_code == 200
                except httpx.HTTPError:
                    return False

            wait_for("ccis serve", up, timeout=90, interval=0.3)
            _load(args, tmp, url, base, token, 3)  # warm-up: start-up jobs (maintenance schedule) run now
            # Sampling starts once the server answers, so start-up is not in the profile; non-blocking, so the
            # sampler does not pause the server it measures.
            spy_cmd = [spy, "record", "--format", "raw", "-r", "100", "--nonblocking", "-o", str(raw)]
            spy_cmd += ["--subprocesses", *(["--gil"] if args.gil else []), "--pid", str(server.pid)]
            spy_cmd += ["--duration", str(args.seconds)]
            spy_proc = (
                None
                if args.cpu_only
                else subprocess.Popen(spy_cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            )
            cpu0 = _cpu(server.pid)
            res = _load(args, tmp, url, base, token, args.seconds)
            cpu = _cpu(server.pid) - cpu0
            n = res["requests"] * 10 if args.endpoint == "ingest" else res["n"]
            print(f"server CPU: {cpu:.2f} s for {n:.0f} {'reports' if args.endpoint == 'ingest' else 'requests'} "
                  f"= {1000 * cpu / max(n, 1):.2f} ms each (user+system, all its processes)")  # fmt: skip
            if spy_proc is not None:
                spy_proc.wait(timeout=120)
        finally:
            stop(server, grace=30)
        if args.cpu_only:
            return
        if args.keep:
            shutil.copy(raw, args.keep)
        print(summarise(raw, args.top))


if __name__ == "__main__":
    main()
