"""The front door: landing page, staff login and logout, language choice, staff home."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form
from fastapi.responses import Response

from noc_api.accounts.service import actor_of
from noc_api.accounts.sessions import end_session, start_session
from noc_api.security import SESSION_COOKIE
from noc_api.system.client import client_address
from noc_api.web.i18n import LANG_COOKIE, LANGUAGES
from noc_api.web.menu import home_for
from noc_api.web.page import CsrfChecked, PageDep, StaffPage

router = APIRouter(include_in_schema=False)


def _safe_next(value: str | None) -> str | None:
    """Only a path on this site (never an absolute URL: no open redirect)."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return None
    parts = urlsplit(value)
    return None if parts.scheme or parts.netloc else value


@router.get("/")
def landing(page: PageDep) -> Response:
    """Lodge, track, service status, staff login; the area notices in force (from the status board's memory)."""
    notices = (page.runtime.status_board.get() or {}).get("notices", [])
    return page.render("index.html", notices=notices)


@router.get("/login")
def login_form(page: PageDep, next: str | None = None) -> Response:
    return page.render("login.html", next=_safe_next(next) or "")


@router.post("/login", dependencies=[CsrfChecked])
def login(
    page: PageDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form()] = "",
) -> Response:
    now = datetime.now(UTC)
    address = client_address(page.request)
    outcome = page.runtime.login_guard.login(page.session, username, password, address, now)
    if outcome.user is None:
        page.session.commit()  # keep the failure count (lockout)
        error = page._("Wrong username or password, or the account is disabled.")
        if outcome.status == 429:
            error = outcome.detail
        response = page.render("login.html", status=outcome.status, next=_safe_next(next) or "", username=username,
                               error=error)  # fmt: skip
        if outcome.retry_after:
            response.headers["retry-after"] = str(outcome.retry_after)
        return response
    done: Response = page.redirect(_safe_next(next) or home_for(actor_of(outcome.user)))
    start_session(done, page.session, page.runtime.settings, outcome.user, page.request, now)
    page.session.commit()
    return done


@router.post("/logout", dependencies=[CsrfChecked])
def logout(page: PageDep) -> Response:
    response = page.redirect("/", flash=page._("You are logged out."))
    end_session(response, page.session, page.request.cookies.get(SESSION_COOKIE), datetime.now(UTC))
    page.session.commit()
    return response


@router.post("/language", dependencies=[CsrfChecked])
def language(page: PageDep, lang: Annotated[str, Form()], back: Annotated[str, Form()] = "/") -> Response:
    """Switch the pages' language (kept in a cookie for a year)."""
    response = page.redirect(_safe_next(back) or "/")
    if lang in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response


@router.get("/home")
def home(page: StaffPage) -> Response:
    """The logged-in user's first desk."""
    return page.redirect(home_for(page.actor))
