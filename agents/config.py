"""The agent's device list: fetched from the NOC, cached on disk, so the agent starts while the NOC is away."""

from __future__ import annotations

import ipaddress
import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from agents.wire import AgentConfig
from collectors.spec import DeviceSpec, Method


class ConfigUnavailable(Exception):
    """Neither the NOC nor the cache could give a configuration."""


async def fetch_config(client: httpx.AsyncClient, noc: str, site: str, token: str) -> AgentConfig:
    """``GET /api/v1/agents/{site}/config`` with the site's bearer token."""
    url = f"{noc.rstrip('/')}/api/v1/agents/{site}/config"
    resp = await client.get(url, headers={"Authorization": f"Bearer {token}"})
    resp.raise_for_status()
    return AgentConfig.model_validate_json(resp.content)


def save_cache(path: Path, config: AgentConfig) -> None:
    """Write the cache atomically (a crash leaves the old file or the new one, never half of one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".config-")
    with os.fdopen(fd, "w") as f:
        f.write(config.model_dump_json(indent=1))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load_cache(path: Path) -> AgentConfig | None:
    """The cached configuration, or None when there is none (or it is unreadable)."""
    try:
        return AgentConfig.model_validate_json(path.read_bytes())
    except (OSError, ValueError):
        return None


async def get_config(
    client: httpx.AsyncClient, noc: str, site: str, token: str, cache: Path
) -> tuple[AgentConfig, str]:
    """The NOC's configuration (refreshing the cache) or else the cached one; also says which and why."""
    try:
        config = await fetch_config(client, noc, site, token)
    except (httpx.HTTPError, ValueError) as exc:
        cached = load_cache(cache)
        if cached is None:
            raise ConfigUnavailable(f"NOC config unavailable ({exc}) and no cache at {cache}") from exc
        return cached, f"cached (NOC: {type(exc).__name__}: {exc})"
    save_cache(cache, config)
    return config, "noc"


def _is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_local(spec: DeviceSpec) -> bool:
    """True when collecting ``spec`` sends nothing beyond this host: psutil, or a loopback address/URL."""
    c = spec.collect
    if c.method is Method.PSUTIL:
        return True
    if c.method is Method.NONE:
        return False
    if c.method is Method.HTTP:
        return _is_loopback_host(urlsplit(c.url or f"http://{spec.address}/").hostname)
    return _is_loopback_host(spec.address)
