"""The public status page and its JSON (served from the board's memory, never waiting on a slow database), and
the office directory (from the inventory alone)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from noc_api.deps import RuntimeDep
from noc_api.runtime import Runtime
from noc_api.status.directory import build_directory
from noc_api.status.schemas import DirectoryOut, StatusOut
from noc_api.system.client import client_address
from noc_api.web import csrf
from noc_api.web.i18n import LANG_COOKIE, LANGUAGES, direction, pick
from noc_api.web.page import templates
from noc_api.web.words import CHANNEL, ROLE, STATUS

router = APIRouter(tags=["public"])
pages = APIRouter(include_in_schema=False)


def _admit(request: Request, rt: Runtime) -> None:
    rt.public_guard.admit(client_address(request))


def _document(rt: Runtime) -> dict:
    doc = rt.status_board.get()
    if doc is None:
        raise HTTPException(503, "the status board is not built yet; try again in a minute", {"Retry-After": "30"})
    return doc


@router.get("/api/v1/status", responses={200: {"model": StatusOut, "description": "The board"}})
def status_json(request: Request, rt: RuntimeDep) -> Response:
    """Each public complaint channel's state now, 90 days of daily uptime, incidents, maintenance ahead and the
    current notices, in the city's time zone; ``as_of`` says when it was built."""
    _admit(request, rt)
    _document(rt)  # 503 before the first board exists
    return Response(
        rt.status_board.encoded(), media_type="application/json", headers={"Cache-Control": "public, max-age=10"}
    )


@router.get("/api/v1/directory")
def directory_json(request: Request, rt: RuntimeDep) -> DirectoryOut:
    """Towns and wards, town offices and walk-in counters with their hours, departments and public contacts."""
    _admit(request, rt)
    return DirectoryOut.model_validate(build_directory(rt.inventory))


def render_public(request: Request, rt: Runtime, template: str, **ctx: Any) -> HTMLResponse:
    """A public page rendered without touching the database (no login state, no names lookup)."""
    lang = pick(request.cookies.get(LANG_COOKIE))
    base: dict[str, Any] = {
        "actor": None, "menu": [], "lang": lang, "dir": direction(lang), "languages": LANGUAGES,
        "tz": rt.inventory.city.timezone, "city": rt.inventory.city.name, "N": None,
        "csrf_token": csrf.token_for(request, rt.settings), "flash": None, "path": request.url.path,
        "words": {"status": STATUS, "role": ROLE, "channel": CHANNEL},
    }  # fmt: skip
    response = templates().TemplateResponse(request, template, {**base, **ctx})
    csrf.set_cookie_if_new(request, response, rt.settings)
    return response


def _rows(rt: Runtime, doc: dict, lang: str) -> Markup:
    """The channel lists (90 bars each): rendered once per copy of the board and language."""
    hit = rt.status_board.rendered.get(lang)
    if hit is not None and hit[0] == doc["as_of"]:
        return Markup(hit[1])
    walk_in = [c for c in doc["channels"] if c["kind"] == "walk_in"]
    remote = [c for c in doc["channels"] if c["kind"] != "walk_in"]
    html = Markup(templates().env.get_template("_status_rows.html").render(lang=lang, remote=remote, walk_in=walk_in))
    rt.status_board.rendered[lang] = (doc["as_of"], str(html))
    return html


@pages.get("/status")
def status_page(request: Request, rt: RuntimeDep) -> Response:
    _admit(request, rt)
    doc = _document(rt)
    rows = _rows(rt, doc, pick(request.cookies.get(LANG_COOKIE)))
    return render_public(request, rt, "status.html", doc=doc, rows=rows)


@pages.get("/directory")
def directory_page(request: Request, rt: RuntimeDep) -> Response:
    _admit(request, rt)
    return render_public(request, rt, "directory.html", d=build_directory(rt.inventory))
