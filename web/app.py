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
from lapak.sync.dispatch import Dispatcher
from lapak.sync.ops import Send
from lapak.web import api, connect, docs, metrics, operator, reseller, sessions, webhooks
from lapak.web.headers import SecurityHeaders
from lapak.web.metrics import JobQueues
from lapak.wiring.runtime import Runtime

log = structlog.get_logger(__name__)


def create_app(
    runtime: Runtime,
    dispatcher: Dispatcher,
    *,
    send_job: Send | None = None,
    job_queues: JobQueues | None = None,
) -> FastAPI:
    """The web app over `runtime`, sending jobs through `dispatcher`.

    The composition roots (`cli.web_app` for the Procfile's `web`, `lapak run`, the demo)
    give it the job layer's dispatcher, `send_job` (the dead letters' retry button,
    `jobs.replay.job_sender`) and `job_queues` (`/metrics`' queue depths,
    `wiring.job_queues`); web/ itself imports no job layer. Without `send_job` the retry
    button answers 503; without `job_queues`, `/metrics` has no `lapak_job_messages`.
    """
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
    app.state.send_job = send_job
    app.state.job_queues = job_queues
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
