"""An agent's collection config, built from the inventory."""

from __future__ import annotations

import hashlib
import json

from agents.wire import AgentConfig
from collectors.spec import DeviceSpec
from noc_api.inventory import Inventory


def agent_config(inv: Inventory, site_id: str, heartbeat_seconds: float) -> AgentConfig | None:
    """The devices a site's agent collects and the credentials they name; None for an unknown site."""
    site = next((s for s in inv.sites if s.id == site_id), None)
    if site is None:
        return None
    devices = [
        DeviceSpec(id=d.id, site=site.id, kind=d.kind, address=d.address, collect=d.collect) for d in site.devices
    ]
    names = {d.collect.credential for d in site.devices if d.collect.credential}
    creds = [c for c in inv.credentials if c.id in names]
    canonical = json.dumps(
        {
            "devices": [d.model_dump(mode="json") for d in devices],
            "credentials": [c.model_dump(mode="json") for c in creds],
            "heartbeat": heartbeat_seconds,
            "agent_host": site.agent_host,
        },
        sort_keys=True,
    )
    config_id = hashlib.sha256(canonical.encode()).hexdigest()[:16]
    return AgentConfig(
        site_id=site.id,
        config_id=config_id,
        heartbeat_seconds=heartbeat_seconds,
        agent_host=site.agent_host,
        devices=devices,
        credentials=creds,
    )
