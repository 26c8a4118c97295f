"""CSRF protection for the page forms: a random token in a signed cookie, echoed in a hidden field, plus a
strict Origin (or Referer) check. Both must pass."""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from fastapi import Request, Response

from noc_api.security import sign, unsign
from noc_api.settings import Settings

CSRF_COOKIE = "ccis_csrf"
CSRF_FIELD = "csrf"
CSRF_SECONDS = 12 * 3600


class CsrfFailed(Exception):
    """A state-changing form came without a valid token or from another origin."""


def token_for(request: Request, settings: Settings) -> str:
    """The visitor's CSRF token (a new one when the cookie is missing or forged; see ``set_cookie_if_new``)."""
    cached = getattr(request.state, "csrf", None)
    if cached:
        return cached
    raw = None
    cookie = request.cookies.get(CSRF_COOKIE)
    if cookie:
        try:
            value = unsign(settings, "csrf", cookie, CSRF_SECONDS)
            raw = value if isinstance(value, str) else None
        except ValueError:
            raw = None
    if raw is None:
        raw = secrets.token_urlsafe(24)
        request.state.csrf_new = True
    request.state.csrf = raw
    return raw


def set_cookie_if_new(request: Request, response: Response, settings: Settings) -> None:
    if getattr(request.state, "csrf_new", False):
        response.set_cookie(
            CSRF_COOKIE,
            sign(settings, "csrf", request.state.csrf),
            max_age=CSRF_SECONDS,
            httponly=True,
            samesite="strict",
            secure=settings.public_base_url.startswith("https"),
        )


def _origin_ok(request: Request, settings: Settings) -> bool:
    sent = request.headers.get("origin")
    if sent is None and request.headers.get("referer"):
        parts = urlsplit(request.headers["referer"])
        sent = f"{parts.scheme}://{parts.netloc}"
    if sent is None:
        return True  # no browser sends neither on a form post; the token alone decides
    own = f"{request.url.scheme}://{request.headers.get('host', '')}"
    public = settings.public_base_url.rstrip("/")
    return sent in (own, public)


async def check(request: Request, settings: Settings) -> None:
    """Raise CsrfFailed unless the form's token matches the signed cookie and the origin is ours."""
    if not _origin_ok(request, settings):
        raise CsrfFailed("the form was sent from another site")
    form = await request.form()
    field = form.get(CSRF_FIELD)
    cookie = request.cookies.get(CSRF_COOKIE)
    if not isinstance(field, str) or not cookie:
        raise CsrfFailed("the form has expired")
    try:
        expected = unsign(settings, "csrf", cookie, CSRF_SECONDS)
    except ValueError:
        raise CsrfFailed("the form has expired") from None
    if not isinstance(expected, str) or not hmac.compare_digest(expected, field):
        raise CsrfFailed("the form has expired")
