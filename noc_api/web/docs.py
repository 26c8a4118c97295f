"""/docs offline: Swagger UI's files come from a PyPI package (fastapi-offline ships them), served locally."""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

SWAGGER_STATIC = "/static/swagger"


def install_docs(app: FastAPI) -> None:
    """Serve /docs from local assets (the app is built with ``docs_url=None``)."""
    app.mount(SWAGGER_STATIC, StaticFiles(directory=str(files("fastapi_offline") / "static")), name="swagger")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} API",
            swagger_js_url=f"{SWAGGER_STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER_STATIC}/swagger-ui.css",
            swagger_favicon_url="/static/web/favicon.svg",
            swagger_ui_parameters={"validatorUrl": None},  # never call the public validator
        )
