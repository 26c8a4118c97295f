"""The templates folder of every page, and the Jinja2 environment of the workspace pages: i18n (gettext, per
request), the city's time, durations."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_timedelta, parse_pattern
from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from starlette.datastructures import QueryParams

from noc_api.web.i18n import translations

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


@pass_context
def _gettext(ctx: Context, message: str) -> str:
    return translations(ctx.get("lang", "en")).gettext(message)


@pass_context
def _ngettext(ctx: Context, singular: str, plural: str, n: int) -> str:
    return translations(ctx.get("lang", "en")).ngettext(singular, plural, n)


# A queue page formats two times per row: parse the locale, zone and pattern once, not per call.
_locale = cache(Locale.parse)
_zone = cache(ZoneInfo)
_pattern = cache(parse_pattern)


@pass_context
def citytime(ctx: Context, value: datetime | None, fmt: str = "d MMM yyyy, HH:mm") -> str:
    """A UTC time shown in the city's zone, in the visitor's language."""
    if value is None:
        return "—"
    local = value.astimezone(_zone(ctx.get("tz", "UTC")))
    return _pattern(fmt).apply(local, _locale(ctx.get("lang", "en")))


@pass_context
def duration(ctx: Context, seconds: float) -> str:
    """A length of time in words ("3 hours"), in the visitor's language."""
    return format_timedelta(
        timedelta(seconds=abs(seconds)), threshold=1.5, granularity="minute", locale=_locale(ctx.get("lang", "en"))
    )


def replace_param(params: QueryParams, key: str, value: object) -> str:
    """The query string with one parameter replaced (pagination links keep the filters)."""
    items = [(k, v) for k, v in params.multi_items() if k != key]
    return urlencode([*items, (key, str(value))])


def _page_context(request: Request) -> dict[str, object]:
    """What every page may use: the nonce its inline scripts need under the Content-Security-Policy."""
    return {"csp_nonce": getattr(request.state, "csp_nonce", "")}


# The NOC wall and the service-delivery summary render with the plain environment.
templates = Jinja2Templates(directory=str(TEMPLATES_DIR), context_processors=[_page_context])


def make_templates() -> Jinja2Templates:
    """The workspace pages' environment (gettext callables read the visitor's language from the context)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["citytime"] = citytime
    env.filters["duration"] = duration
    env.filters["replace_param"] = replace_param
    return Jinja2Templates(env=env, context_processors=[_page_context])
