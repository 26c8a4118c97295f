"""What every page handler gets: who is looking, in which language, names, and how to answer.

Page handlers stay thin: they parse the form, call a complaint service and render or redirect.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from complaint_core.roles import Actor, Role
from noc_api.accounts.sessions import actor_for_token
from noc_api.deps import RuntimeDep, SessionDep
from noc_api.runtime import Runtime
from noc_api.security import SESSION_COOKIE, sign, unsign
from noc_api.web import csrf
from noc_api.web.i18n import LANG_COOKIE, LANGUAGES, direction, pick, translations
from noc_api.web.menu import menu_for
from noc_api.web.names import Names
from noc_api.web.templating import make_templates
from noc_api.web.words import ACTION, CHANNEL, PRIORITY, REJECT_REASON, ROLE, STATUS

FLASH_COOKIE = "ccis_flash"


@cache
def templates() -> Jinja2Templates:
    return make_templates()


class LoginRequired(Exception):
    """A staff page was asked for without a valid session: the answer is a redirect to the login page."""

    def __init__(self, next_path: str, why: str | None = None) -> None:
        self.next_path, self.why = next_path, why


class PageError(Exception):
    """A page cannot be shown (403, 404, 409...): rendered as the error page in the visitor's language."""

    def __init__(self, status: int, message: str) -> None:
        self.status, self.message = status, message
        super().__init__(message)


@dataclass
class Page:
    request: Request
    session: Session
    runtime: Runtime
    actor: Actor | None
    lang: str
    names: Names
    started: float = field(default_factory=time.perf_counter)

    @property
    def tz(self) -> str:
        return self.runtime.inventory.city.timezone

    def _(self, message: str) -> str:
        return translations(self.lang).gettext(message)

    def require(self, *roles: Role) -> Actor:
        """The staff user, when their role is one of ``roles`` (administrators always); else 403."""
        if self.actor is None:
            raise LoginRequired(self.request.url.path)
        if roles and self.actor.role not in roles and self.actor.role is not Role.ADMINISTRATOR:
            raise PageError(403, self._("Your role cannot use this page."))
        return self.actor

    def render(self, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        settings = self.runtime.settings
        base = {
            "actor": self.actor,
            "menu": menu_for(self.actor),
            "lang": self.lang,
            "dir": direction(self.lang),
            "languages": LANGUAGES,
            "tz": self.tz,
            "city": self.runtime.inventory.city.name,
            "N": self.names,
            "csrf_token": csrf.token_for(self.request, settings),
            "flash": self._take_flash(),
            "path": self.request.url.path,
            "words": {"status": STATUS, "role": ROLE, "channel": CHANNEL, "action": ACTION,
                      "reject": REJECT_REASON, "priority": PRIORITY},
        }  # fmt: skip
        response = templates().TemplateResponse(self.request, template, {**base, **ctx}, status_code=status)
        csrf.set_cookie_if_new(self.request, response, settings)
        # From the page's first dependency to the rendered body: what bench/bench_pages.py reads.
        response.headers["server-timing"] = f"page;dur={(time.perf_counter() - self.started) * 1000:.1f}"
        if base["flash"]:
            response.delete_cookie(FLASH_COOKIE)
        return response

    def redirect(self, url: str, flash: str | None = None) -> Response:
        """303 See Other (after a form post), optionally carrying a message for the next page."""
        response = RedirectResponse(url, status_code=303)
        if flash:
            response.set_cookie(FLASH_COOKIE, sign(self.runtime.settings, "flash", flash), max_age=60, httponly=True)
        return response

    def _take_flash(self) -> str | None:
        raw = self.request.cookies.get(FLASH_COOKIE)
        if not raw:
            return None
        try:
            value = unsign(self.runtime.settings, "flash", raw, 120)
        except ValueError:
            return None
        return value if isinstance(value, str) else None


def _actor(request: Request, session: Session) -> Actor | None:
    return actor_for_token(session, request.cookies.get(SESSION_COOKIE), datetime.now(UTC))


def get_page(request: Request, session: SessionDep, runtime: RuntimeDep) -> Page:
    """A page for anyone (the visitor may be logged in or not)."""
    directory = runtime.desk.directory(session)
    actor = _actor(request, session)
    return Page(request, session, runtime, actor, pick(request.cookies.get(LANG_COOKIE)), Names(directory, session))


@dataclass
class Staff(Page):
    """A page whose visitor is a logged-in staff user."""

    actor: Actor


async def get_staff_page(page: Annotated[Page, Depends(get_page)]) -> Staff:
    """A page for logged-in staff only; others are sent to the login page."""
    if page.actor is None:
        target = page.request.url.path + (f"?{page.request.url.query}" if page.request.url.query else "")
        raise LoginRequired(target)
    return Staff(page.request, page.session, page.runtime, page.actor, page.lang, page.names, page.started)


async def checked_form(request: Request, runtime: RuntimeDep) -> None:
    """Dependency of every state-changing page form: CSRF token and origin, and no NUL in a text field."""
    await csrf.check(request, runtime.settings)
    form = await request.form()
    if any(isinstance(v, str) and "\x00" in v for _, v in form.multi_items()):
        raise PageError(422, "a field contains a NUL character, which no field accepts")


def login_url(next_path: str) -> str:
    return "/login?next=" + quote(next_path, safe="/")


PageDep = Annotated[Page, Depends(get_page)]
StaffPage = Annotated[Staff, Depends(get_staff_page)]
CsrfChecked = Depends(checked_form)
