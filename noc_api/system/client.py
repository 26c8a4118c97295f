"""Who is asking, as the limits and logs count it."""

from __future__ import annotations

from starlette.requests import HTTPConnection


def client_address(request: HTTPConnection) -> str:
    """The client's address (uvicorn has already applied a trusted proxy's X-Forwarded-For); "unknown" without."""
    return request.client.host if request.client else "unknown"
