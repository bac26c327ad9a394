"""`/docs`, `/redoc` and `/openapi.json` for the operator only (`[lapak] protect_docs`).

Open by default: the API description names no secret. A deployment that would rather not
show its routes to the world sets `protect_docs = true`, and these three then need the
operator's session or bearer token, like `/ops/`.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from lapak.web.sessions import CurrentOperator

OPENAPI_URL = "/openapi.json"


def operator_only_docs(app: FastAPI) -> APIRouter:
    """The docs routes of `app` (created with `docs_url=None, redoc_url=None,
    openapi_url=None`) behind the operator's sign-in."""
    router = APIRouter(include_in_schema=False)

    @router.get(OPENAPI_URL)
    def openapi(operator: CurrentOperator) -> JSONResponse:
        return JSONResponse(app.openapi())

    @router.get("/docs")
    def swagger(request: Request, operator: CurrentOperator) -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=OPENAPI_URL, title=f"{app.title} - API")

    @router.get("/redoc")
    def redoc(request: Request, operator: CurrentOperator) -> HTMLResponse:
        return get_redoc_html(openapi_url=OPENAPI_URL, title=f"{app.title} - API")

    return router
