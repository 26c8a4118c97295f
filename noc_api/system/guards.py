"""Guards every request passes: security headers on every answer, and no cross-site state change by cookie.

Pure ASGI middleware (not BaseHTTPMiddleware), so streamed answers (Server-Sent Events, files) pass untouched.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from noc_api.security import SESSION_COOKIE

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# A login carries its own proof (the password), whatever cookie an earlier session left behind.
NO_COOKIE_CHECK = {"/api/v1/auth/login"}
# Swagger UI and ReDoc run an inline bootstrap script: their pages get 'unsafe-inline', no other page does.
DOC_PATHS = ("/docs", "/redoc")


def csp(nonce: str, docs: bool) -> str:
    """The Content-Security-Policy: nothing from elsewhere, scripts only from here or with this answer's nonce."""
    script = "'self' 'unsafe-inline'" if docs else f"'self' 'nonce-{nonce}'"
    return (
        f"default-src 'self'; script-src {script}; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
        "frame-ancestors 'none'"
    )


class SecurityHeaders:
    """CSP (with a per-answer nonce in ``scope['state']['csp_nonce']`` for inline scripts), frame-ancestors,
    nosniff, Referrer-Policy, and HSTS when the public URL is https."""

    def __init__(self, app: ASGIApp, https: bool) -> None:
        self.app, self.https = app, https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        docs = scope["path"].startswith(DOC_PATHS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                h = MutableHeaders(scope=message)
                h.setdefault("content-security-policy", csp(nonce, docs))
                h.setdefault("x-content-type-options", "nosniff")
                h.setdefault("x-frame-options", "DENY")
                h.setdefault("referrer-policy", "same-origin")
                if self.https:
                    h.setdefault("strict-transport-security", "max-age=31536000; includeSubDomains")
            await send(message)

        await self.app(scope, receive, send_with_headers)


class SameOriginForCookies:
    """A state-changing request that carries the session cookie must come from one of our own pages: its Origin
    (or, without one, its Referer) must be this server. Bearer-token clients send no cookie and are not affected;
    SameSite=Lax alone lets a same-site page or a top-level form POST through, this does not."""

    def __init__(self, app: ASGIApp, public_base_url: str) -> None:
        self.app = app
        self.public = _origin(public_base_url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in UNSAFE and scope["path"] not in NO_COOKIE_CHECK:
            headers = Headers(scope=scope)
            if SESSION_COOKIE in headers.get("cookie", "") and not headers.get("authorization"):
                source = headers.get("origin") or headers.get("referer")
                own = {self.public, _origin(f"{scope.get('scheme', 'http')}://{headers.get('host', '')}")}
                if not source or _origin(source) not in own:
                    answer = JSONResponse(
                        {"detail": "cross-site request refused: send it from this server's own pages", "status": 403},
                        status_code=403,
                    )
                    await answer(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


NUL_MARKERS = (b"\x00", b"\\u0000", b"%00")


class BoundedCleanInput:
    """Every request body is bounded (413 past ``max_body``, checked as it streams in), and a NUL character —
    never meaningful in CCIS input, and text PostgreSQL cannot store (a 500 before) — is refused with a clear
    422 in the path, the query or the body."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app, self.max_body = app, max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_path = scope.get("raw_path") or scope["path"].encode()
        if any(m in raw_path or m in scope.get("query_string", b"") for m in NUL_MARKERS):
            await _nul_answer(scope, receive, send, "the address")
            return
        if scope["method"] not in UNSAFE:
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body:
            await _too_large(scope, receive, send, self.max_body)
            return
        chunks: list[bytes] = []
        size, more = 0, True
        while more:  # the body is read in full here; every route reads it in full anyway
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                await _too_large(scope, receive, send, self.max_body)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        # A multipart body carries files (a photo is binary, NULs and all): its text fields are checked where the
        # form is read (noc_api/web/page.py checked_form).
        multipart = Headers(scope=scope).get("content-type", "").startswith("multipart/form-data")
        # In a form-encoded body "%00" is a NUL too (a JSON body may hold the text "%00" itself, e.g. "100%00").
        form = Headers(scope=scope).get("content-type", "").startswith("application/x-www-form-urlencoded")
        if not multipart and any(m in body for m in NUL_MARKERS[: 3 if form else 2]):
            await _nul_answer(scope, receive, send, "the body")
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _nul_answer(scope: Scope, receive: Receive, send: Send, where: str) -> None:
    answer = JSONResponse(
        {"detail": f"{where} contains a NUL character, which no field accepts", "status": 422}, status_code=422
    )
    await answer(scope, receive, send)


async def _too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    answer = JSONResponse(
        {"detail": f"request body exceeds the limit of {limit} bytes", "status": 413}, status_code=413
    )
    await answer(scope, receive, send)
