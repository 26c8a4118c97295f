"""Device secrets come from the agent's environment, named in the inventory (never stored in it)."""

from __future__ import annotations

from collections.abc import Mapping

from collectors.errors import AuthFailed


def env_value(name: str | None, env: Mapping[str, str], what: str) -> str:
    """The secret in environment variable ``name``; AuthFailed when it is not set."""
    value = env.get(name or "")
    if not value:
        raise AuthFailed(f"{what}: environment variable {name or '(none named)'} is not set")
    return value
