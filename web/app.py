"""The `web` process (FastAPI): webhooks in, the resellers' queue, the operators' views.

- `/webhooks/{store}` (web/webhooks.py): verified with the marketplace's own signature,
  stored raw, turned into a job; pulls stay the safety net.
- `/signin`, `/queue`, `/history` (web/reseller.py) and `/api/` (web/api.py, documented at
  `/docs`): the resellers' order queue, by cookie session or bearer token.
- `/ops/` (web/operator.py): stores' sync state, failed listings, dead letters, job log.
- `/metrics` and `/healthz` (web/metrics.py); `[lapak] protect_metrics` and `protect_docs`
  put `/metrics` and the API docs behind the operator's sign-in.

Every answer carries the security headers of web/headers.py (CSP, no framing).

Routes are thin: the queries and state changes live in `sync/`.
"""

from __future__ import annotations

import structlog
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from sync.dispatch import Dispatcher
from web import api, connect, docs, metrics, operator, reseller, sessions, webhooks
from web.headers import SecurityHeaders
from wiring.runtime import Runtime

log = structlog.get_logger(__name__)


def create_app(runtime: Runtime | None = None, dispatcher: Dispatcher | None = None) -> FastAPI:
    """The web app. Without arguments (the Procfile's `uvicorn --factory`), it builds the
    runtime from `LAPAK_CONFIG` and sends jobs through the configured broker."""
    if runtime is None:
        import os

        from wiring.logging import configure_logging
        from wiring.runtime import current

        configure_logging(os.environ.get("LAPAK_LOG_LEVEL", "INFO"))
        runtime = current()
    if dispatcher is None:
        from jobs.broker import build_broker

        build_broker(runtime.config.redis_url)
        from jobs.actors import dispatcher as actors_dispatcher

        dispatcher = actors_dispatcher
    closed_docs = runtime.config.protect_docs
    app = FastAPI(
        title="Lapak",
        summary="One order queue for every marketplace: the resellers' JSON API.",
        docs_url=None if closed_docs else "/docs",
        redoc_url=None if closed_docs else "/redoc",
        openapi_url=None if closed_docs else docs.OPENAPI_URL,
    )
    app.add_middleware(SecurityHeaders)
    app.state.runtime = runtime  # routers reach them through web.sessions.runtime_of/dispatcher_of
    app.state.dispatcher = dispatcher
    app.include_router(webhooks.router)
    app.include_router(connect.router)  # stores authorizing Lapak: callbacks, /ops/connect
    app.include_router(sessions.router)  # the resellers' faces: sign-in, queue pages, API
    app.include_router(reseller.router)
    app.include_router(api.router)
    app.mount("/static", StaticFiles(directory=sessions.STATIC_DIR), name="static")
    app.include_router(operator.router)  # the operators' faces, metrics and health
    app.include_router(metrics.router)
    if closed_docs:
        app.include_router(docs.operator_only_docs(app))
    return app
