"""`POST /webhooks/{store}`: marketplace pushes in, verified before anything else.

The route is thin: `sync.webhooks.take_in` verifies the signature with the store's
connector, parses the event, refuses a stale one and tells a replay from a new delivery,
and stores the raw body; this module maps its outcome to HTTP and asks for one targeted
`process_webhooks` job (which fetches just the orders the event names).

| outcome | answer | stored | job |
|---|---|---|---|
| bad or missing signature | 401 | no | no |
| sent too long ago / too far ahead (`sync.webhooks.Freshness`) | 400 | kept with the reason | no |
| a delivery this store already recorded (a marketplace retry) | 200 | no (first one is) | no |
| verified, names orders | 200 | yes | `process_webhooks(store)` |
| verified, nothing to fetch or unparsable | 200 | yes (with the parse error) | no |
| unknown store | 404 | no | no |

Every 2xx is 200 with an empty body: Shopee wants an empty 2xx body; Lazada and TikTok
Shop count only a 200 as delivered (anything else is retried, then counted as a failure).
The signature is checked against the URL the marketplace signed: `[lapak] public_url` + the
path when configured, else the URL as called. The database write and the job's enqueueing
run on the thread pool, off the event loop, so a slow Redis or SQLite lock never stalls
other requests.
"""

from __future__ import annotations

from collections.abc import Mapping

import structlog
from fastapi import APIRouter, HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool

from jobs.runtime import Runtime
from sync.dispatch import Dispatcher
from sync.webhooks import Freshness, Intake, Outcome, take_in
from web.sessions import dispatcher_of, runtime_of

log = structlog.get_logger(__name__)

router = APIRouter(tags=["webhooks"])

FRESHNESS_STATE = "webhook_freshness"
"""`app.state` attribute holding a `sync.webhooks.Freshness` (default: 24 h age, 5 min skew)."""


def public_url(runtime: Runtime, request: Request) -> str:
    """The URL the marketplace signed: the configured public one, else the one it called."""
    if runtime.config.public_url:
        return f"{runtime.config.public_url.rstrip('/')}{request.url.path}"
    return str(request.url)


def _take_in(
    runtime: Runtime,
    dispatcher: Dispatcher,
    store_id: int,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    freshness: Freshness,
) -> Intake:
    intake = take_in(
        runtime.db, store_id, runtime.connector(store_id), url, headers, body, freshness=freshness
    )
    if intake.enqueue:
        dispatcher.process_webhooks(store_id)
    return intake


@router.post(
    "/webhooks/{store}",
    status_code=200,
    response_class=Response,
    responses={
        400: {"description": "Stale or future-dated event (kept, not processed)"},
        401: {"description": "Bad or missing signature (nothing stored)"},
        404: {"description": "No such store"},
    },
)
async def webhook(store: str, request: Request) -> Response:
    """A marketplace's push for one store of the config."""
    runtime = runtime_of(request)
    store_id = runtime.store_ids.get(store)
    if store_id is None:
        raise HTTPException(404, f"no store named {store!r}")
    body = await request.body()
    freshness = getattr(request.app.state, FRESHNESS_STATE, None) or Freshness()
    intake = await run_in_threadpool(
        _take_in,
        runtime,
        dispatcher_of(request),
        store_id,
        public_url(runtime, request),
        request.headers,  # case-insensitive lookups, as every connector expects
        body,
        freshness,
    )
    fields = {"store": store, "topic": intake.topic, "size": len(body)}
    if intake.outcome is Outcome.UNSIGNED:
        log.warning("webhook_refused", reason=intake.reason, **fields)
        raise HTTPException(401, "bad or missing signature")
    if intake.outcome is Outcome.STALE:
        log.warning("webhook_refused", reason=intake.reason, **fields)
        raise HTTPException(400, intake.reason or "stale event")
    if intake.outcome is Outcome.DUPLICATE:
        log.info("webhook_replayed", **fields)
    else:
        log.info(
            "webhook_received",
            outcome=intake.outcome.value,
            orders=len(intake.order_ids),
            error=intake.reason,
            **fields,
        )
    return Response(status_code=200)
