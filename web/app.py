"""The `web` process: webhooks in, health out (FastAPI).

A webhook is verified with the marketplace's own signature scheme before anything else;
a verified body is stored raw and a job is asked to fetch the orders it names, and the
marketplace gets its 2xx at once (Shopee wants an empty body). Pulls keep running as the
safety net, and intake is idempotent, so an order seen by webhook and by poll is one order.
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text

from jobs.runtime import Runtime
from sync.dispatch import Dispatcher
from sync.protocol import PermanentError
from sync.webhooks import record_webhook

log = structlog.get_logger(__name__)


def create_app(runtime: Runtime | None = None, dispatcher: Dispatcher | None = None) -> FastAPI:
    """The web app. Without arguments (the Procfile's `uvicorn --factory`), it builds the
    runtime from `LAPAK_CONFIG` and sends jobs through the configured broker."""
    if runtime is None:
        import os

        from jobs.logging import configure_logging
        from jobs.runtime import current

        configure_logging(os.environ.get("LAPAK_LOG_LEVEL", "INFO"))
        runtime = current()
    if dispatcher is None:
        from jobs.broker import build_broker

        build_broker(runtime.config.redis_url)
        from jobs.actors import dispatcher as actors_dispatcher

        dispatcher = actors_dispatcher
    app = FastAPI(title="Lapak", summary="Webhooks in, health out.")
    _routes(app, runtime, dispatcher)
    return app


def _routes(app: FastAPI, runtime: Runtime, dispatcher: Dispatcher) -> None:
    @app.get("/healthz")
    def healthz() -> JSONResponse:
        checks: dict[str, str] = {}
        try:
            with runtime.db.session() as session:
                session.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as failure:
            checks["database"] = f"down: {type(failure).__name__}"
        if runtime.redis is not None:
            try:
                runtime.redis.ping()
                checks["redis"] = "ok"
            except Exception as failure:
                checks["redis"] = f"down: {type(failure).__name__}"
        healthy = all(value == "ok" for value in checks.values())
        return JSONResponse(checks, status_code=200 if healthy else 503)

    @app.post("/webhooks/{store}", status_code=204, response_class=Response)
    async def webhook(store: str, request: Request) -> Response:
        store_id = runtime.store_ids.get(store)
        if store_id is None:
            raise HTTPException(404, f"no store named {store!r}")
        body = await request.body()
        connector = runtime.connector(store_id)
        if not connector.verify_webhook(_public_url(runtime, request), request.headers, body):
            log.warning("webhook_refused", store=store, reason="bad or missing signature")
            raise HTTPException(401, "bad or missing signature")
        topic = _topic(connector, body)
        record_webhook(runtime.db, store_id, topic, body)
        dispatcher.process_webhooks(store_id)
        log.info("webhook_received", store=store, topic=topic, size=len(body))
        return Response(status_code=204)


def _public_url(runtime: Runtime, request: Request) -> str:
    """The URL the marketplace signed: the configured public one, else the one it called."""
    if runtime.config.public_url:
        return f"{runtime.config.public_url.rstrip('/')}{request.url.path}"
    return str(request.url)


def _topic(connector: Any, body: bytes) -> str:
    """The event's topic for operators; a verified but unparsable body is still kept."""
    try:
        return str(connector.parse_webhook(body).topic)
    except PermanentError:
        return "unparsed"
