"""``ccis agent``: the site agent's entry point (speaks HTTP with httpx; never imports the server)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import ssl
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# Modules the agent never uses but that its libraries import whenever they happen to be installed: pysnmp attaches
# pysmi's MIB compiler (the agent names OIDs numerically), httpx loads its command-line client (click, rich,
# pygments). Together about 15 MB of the agent's 64 MB budget; `run_agent` keeps them out of its process.
UNUSED_OPTIONAL_MODULES = ("pysmi", "httpx._main")


def tls_verify(ca_file: str | None) -> ssl.SSLContext | bool:
    """Verification is always on; ``--ca-file`` only names which CA to trust."""
    return ssl.create_default_context(cafile=ca_file) if ca_file else True


async def _main(args: argparse.Namespace) -> int:
    import httpx

    from agents.agent import Agent

    # Few threads (outbox writes, psutil, netmiko): each extra thread gets its own malloc arena and grows RSS.
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=2, thread_name_prefix="agent"))
    token = Path(args.token_file).read_text().strip()
    if not token:
        print(f"ccis agent: token file {args.token_file} is empty", file=sys.stderr)
        return 1
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    timeout = httpx.Timeout(15.0, connect=5.0)
    async with httpx.AsyncClient(verify=tls_verify(args.ca_file), timeout=timeout) as client:
        agent = Agent(
            site=args.site,
            noc=args.noc,
            token=token,
            state_dir=Path(args.state_dir),
            client=client,
            loopback_only=args.loopback_only,
            budget_bytes=int(args.outbox_budget_mb * 1024 * 1024),
        )
        if args.metrics_port:
            from agents.metrics import serve_metrics

            serve_metrics(agent, args.metrics_port)
        await agent.run(stop)
    return 0


def run_agent(args: argparse.Namespace) -> int:
    """Run the agent for ``args.site`` until stopped."""
    for name in UNUSED_OPTIONAL_MODULES:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]  # an import of it now fails fast
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one INFO line per request otherwise
    try:
        return asyncio.run(_main(args))
    except OSError as exc:
        print(f"ccis agent: {exc}", file=sys.stderr)
        return 1
