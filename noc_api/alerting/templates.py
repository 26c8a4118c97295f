"""Sandboxed Jinja2 for rule summaries, notification texts and SMS gateway bodies (never ``eval``)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any
from urllib.parse import quote_plus

from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment


@lru_cache(maxsize=4)
def _env(escape: str) -> SandboxedEnvironment:
    env = SandboxedEnvironment(autoescape=False, trim_blocks=True, lstrip_blocks=True)
    if escape == "json":
        # Inside a JSON body a value must not break the quotes it sits in: escape it as JSON string content.
        env.finalize = lambda v: json.dumps(v if isinstance(v, str) else str(v))[1:-1]
    elif escape == "form":
        env.finalize = lambda v: quote_plus(v if isinstance(v, str) else str(v))
    return env


def check_template(text: str) -> str | None:
    """None when ``text`` compiles, else the error (with its line inside the template)."""
    try:
        _env("").parse(text)
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        return f"bad template{f' (its line {line})' if line and line > 1 else ''}: {exc.message or exc}"
    return None


@lru_cache(maxsize=4096)
def _compiled(text: str, escape: str):  # noqa: ANN202
    return _env(escape).from_string(text)


def render(text: str, values: dict[str, Any], *, escape: str = "") -> str:
    """Render ``text`` (values escaped for a "json" or "form" body); on a runtime error return the raw text with
    the error, so an alert is never lost to a template."""
    try:
        return _compiled(text, escape).render(**values)
    except TemplateError as exc:
        return f"{text} [template error: {exc}]"
