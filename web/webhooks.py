"""`POST /webhooks/{store}` and `POST /webhooks/app/{platform}`: marketplace pushes in,
verified before anything else.

The route is thin: `sync.webhooks.take_in` verifies the signature with the store's
connector, parses the event, refuses a stale one and tells a replay from a new delivery,
and stores the raw body; this module maps its outcome to HTTP and asks for a
`process_webhooks` job of the store (which fetches just the orders the events name), unless
one is already pending (`sync.dispatch.ask_for_webhooks_job`).

| outcome | answer | stored | job |
|---|---|---|---|
| body over `[lapak] webhook_max_bytes` (default 1 MB) | 413 | no | no |
| bad or missing signature | 401 | no | no |
| sent too long ago / too far ahead (`sync.webhooks.Freshness`) | 400 | kept with the reason | no |
| a delivery this store already recorded (a marketplace retry) | 200 | no (first one is) | no |
| verified, names orders | 200 | yes | `process_webhooks(store)`, unless one is pending |
| verified, nothing to fetch or unparsable | 200 | yes (with the parse error) | no |
| a platform's unsigned liveness ping (WooCommerce) | 200 | no | no |
| stored, but the job cannot be enqueued (broker down) | 200 | yes | by the reconciler |
| unknown store | 404 | no | no |

`/webhooks/app/{platform}` is the one push URL an app registers for all its shops (Shopee,
Lazada, TikTok Shop, Tokopedia): `sync.app_webhooks.take_in_app` verifies the body with the
app's key, finds the store by the shop id inside it and takes it in as above for that
store. A verified body for a shop no store is: 200, kept refused for operators. A platform
without stores in the config: 404.

The body is read in chunks and refused as soon as it passes the cap (a `Content-Length`
over it is refused before a byte is read), so an unsigned client cannot fill the memory:
the signature is checked on the capped body. Once a verified body is stored the answer is
200 even when the broker is down: the reconciler recomputes the job from the stored rows
(`sync.webhooks.stores_with_pending_webhooks`), and a 5xx would only make the marketplace
retry, or give the subscription up.

Every 2xx is 200 with an empty body: Shopee wants an empty 2xx body; Lazada and TikTok
Shop count only a 200 as delivered (anything else is retried, then counted as a failure).
The signature is checked against the URL the marketplace signed: `[lapak] public_url` + the
path when configured, else the URL as called. The database write and the job's enqueueing
run on the thread pool, off the event loop, so a slow Redis or SQLite lock never stalls
other requests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog
from fastapi import APIRouter, HTTPException, Request, Response
from lapak.sync.app_webhooks import AppIntake, AppStore, store_shops, take_in_app
from lapak.sync.dispatch import Dispatcher, withdraw_webhooks_request
from lapak.sync.webhooks import Freshness, Intake, Outcome, take_in
from lapak.web.sessions import dispatcher_of, runtime_of
from lapak.wiring.runtime import Runtime
from starlette.concurrency import run_in_threadpool
from starlette.status import HTTP_413_CONTENT_TOO_LARGE

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
    _enqueue(runtime, dispatcher, store_id, intake)
    return intake


def _take_in_app(
    runtime: Runtime,
    dispatcher: Dispatcher,
    platform: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    freshness: Freshness,
) -> AppIntake:
    configured = {
        runtime.store_ids[store.name]: dict(store.credentials)
        for store in runtime.config.stores
        if store.platform == platform
    }
    shops = store_shops(runtime.db, configured)
    stores = [AppStore(i, runtime.connector(i), shops[i]) for i in configured]
    taken = take_in_app(runtime.db, stores, url, headers, body, freshness=freshness)
    if taken.store_id is not None:
        _enqueue(runtime, dispatcher, taken.store_id, taken.intake)
    return taken


def _enqueue(runtime: Runtime, dispatcher: Dispatcher, store_id: int, intake: Intake) -> None:
    requested_at = intake.job_requested_at
    if requested_at is None:
        return
    try:
        dispatcher.process_webhooks(store_id)
    except Exception as error:  # the broker is down: the stored row is the job's source
        log.error(
            "webhook_enqueue_failed",
            store_id=store_id,
            record_id=intake.record_id,
            error=type(error).__name__,
            detail=str(error)[:200],
        )
        withdraw_webhooks_request(runtime.db, store_id, requested_at)


def _too_large(limit: int) -> HTTPException:
    return HTTPException(HTTP_413_CONTENT_TOO_LARGE, f"body over {limit} bytes")


async def read_capped(request: Request, limit: int) -> bytes:
    """The request body, or a 413 as soon as it is known to exceed `limit` bytes: from its
    `Content-Length` before reading, else while counting the chunks of a chunked body."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise HTTPException(400, "invalid Content-Length")
        if int(declared) > limit:
            raise _too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _too_large(limit)
    return bytes(body)


DELIVERY_ANSWERS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Stale or future-dated event (kept, not processed)"},
    413: {"description": "Body over `[lapak] webhook_max_bytes` (nothing read further)"},
}
"""What both push URLs answer besides 200 (their 401 and 404 differ)."""


@router.post(
    "/webhooks/{store}",
    status_code=200,
    response_class=Response,
    responses={
        **DELIVERY_ANSWERS,
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
    body, freshness = await _delivery(request, runtime, store=store)
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
    return _answer(intake, {"store": store, "topic": intake.topic, "size": len(body)})


@router.post(
    "/webhooks/app/{platform}",
    status_code=200,
    response_class=Response,
    responses={
        **DELIVERY_ANSWERS,
        401: {"description": "No store's app key verifies it (nothing stored)"},
        404: {"description": "No store of this platform in the config"},
    },
)
async def app_webhook(platform: str, request: Request) -> Response:
    """A marketplace's push to the one URL its app registers for every shop (Shopee,
    Lazada, TikTok Shop, Tokopedia): handed to the store whose shop id the body names."""
    runtime = runtime_of(request)
    if not any(store.platform == platform for store in runtime.config.stores):
        raise HTTPException(404, f"no store of platform {platform!r} in the config")
    body, freshness = await _delivery(request, runtime, platform=platform)
    taken = await run_in_threadpool(
        _take_in_app,
        runtime,
        dispatcher_of(request),
        platform,
        public_url(runtime, request),
        request.headers,
        body,
        freshness,
    )
    store = runtime.store_name(taken.store_id) if taken.store_id is not None else None
    fields = {"platform": platform, "store": store, "shop": taken.shop, "size": len(body)}
    return _answer(taken.intake, {**fields, "topic": taken.intake.topic})


async def _delivery(request: Request, runtime: Runtime, **where: str) -> tuple[bytes, Freshness]:
    """A delivery's body, read within the size cap (413, logged with `where`, past it), and
    the app's freshness check."""
    try:
        body = await read_capped(request, runtime.config.webhook_max_bytes)
    except HTTPException as refused:
        log.warning("webhook_refused", reason=refused.detail, **where)
        raise
    return body, getattr(request.app.state, FRESHNESS_STATE, None) or Freshness()


def _answer(intake: Intake, fields: dict[str, object]) -> Response:
    """The HTTP answer to a delivery's intake (the table above), logged."""
    if intake.outcome is Outcome.UNSIGNED:
        log.warning("webhook_refused", reason=intake.reason, **fields)
        raise HTTPException(401, "bad or missing signature")
    if intake.outcome is Outcome.STALE:
        log.warning("webhook_refused", reason=intake.reason, **fields)
        raise HTTPException(400, intake.reason or "stale event")
    if intake.outcome is Outcome.DUPLICATE:
        log.info("webhook_replayed", **fields)
    elif intake.outcome is Outcome.PING:
        log.info("webhook_ping", **fields)
    elif intake.outcome is Outcome.UNROUTED:
        log.warning("webhook_unrouted", reason=intake.reason, **fields)
    else:
        log.info(
            "webhook_received",
            outcome=intake.outcome.value,
            orders=len(intake.order_ids),
            error=intake.reason,
            **fields,
        )
    return Response(status_code=200)
