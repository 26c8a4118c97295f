"""The strict pydantic bases, defined once: a misspelt key is an error, never silently dropped."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """A file's content (inventory, rules, routing, maintenance plans, legacy mappings): read once, never changed."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class StrictBody(BaseModel):
    """A request body: unknown fields are refused with a 422 naming them."""

    model_config = ConfigDict(extra="forbid")
