"""What /healthz answers."""

from __future__ import annotations

from pydantic import BaseModel


class InventoryCounts(BaseModel):
    sites: int
    devices: int
    channels: int


class RulesStatus(BaseModel):
    files: int
    rules: int
    problems: list[str]  # FILE:LINE: what is wrong, in rules and routing
    routing: str


class HealthOut(BaseModel):
    status: str  # ok or unhealthy
    checks: dict[str, str]  # database, migrations, and jobs when one keeps failing
    inventory: InventoryCounts
    rules: RulesStatus
