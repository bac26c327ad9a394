"""Connecting a store from the browser (docs/connect.md).

- `GET|POST /connect/{store}/callback`: where a marketplace sends the seller back after
  they authorized Lapak (WooCommerce POSTs its keys here). `sync.connect.finish` checks the
  `state` (good once, the store's own) and exchanges the code; the page says, in plain
  words, that the store is connected or why not and what to do. `/connect/callback` is the
  same for an app that registers one redirect URL for all its stores (the state names the
  store).
- `GET /ops/connect/{store}` (operator): a fresh link, answered with a 303 to the
  marketplace; a platform without a seller step is connected at once and the page shown.

No token or code is ever written to the page or a log line.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from lapak.sync import connect
from lapak.sync.i18n import N_, using_language
from lapak.web.sessions import (
    CurrentOperator,
    dispatcher_of,
    language_of,
    local_time,
    render_page,
    runtime_of,
)
from starlette.concurrency import run_in_threadpool

router = APIRouter(include_in_schema=False)

CALLBACK_BODY_LIMIT = 64 * 1024
"""A callback's body (WooCommerce's keys) is a few hundred bytes."""


def base_url(request: Request) -> str:
    """Lapak's public address, else the address this request reached."""
    return runtime_of(request).config.public_url or str(request.base_url).rstrip("/")


async def _params(request: Request) -> dict[str, str]:
    """The callback's parameters: the query, and a posted form or JSON object over it."""
    params = dict(request.query_params)
    if request.method != "POST":
        return params
    body = await request.body()
    if len(body) > CALLBACK_BODY_LIMIT:
        return params
    if "json" in request.headers.get("content-type", ""):
        try:
            posted: Any = json.loads(body or b"{}")
        except ValueError:
            posted = {}
        if isinstance(posted, dict):
            params.update({str(k): str(v) for k, v in posted.items() if v is not None})
        return params
    params.update(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
    return params


def _result(
    request: Request, store: str, outcome: connect.Connected | connect.ConnectError
) -> Response:
    if isinstance(outcome, connect.ConnectError):
        with using_language(language_of(request)):  # the refusal in the page's language
            message = outcome.message
        context = {"store": store, "connected": False, "message": message}
        return render_page(request, "connect.html", context, status_code=outcome.status)
    with using_language(language_of(request)):
        expires = local_time(outcome.token_expires_at, "d MMM yyyy HH:mm")
    context = {
        "store": outcome.store,
        "platform": outcome.platform,
        "connected": True,
        "expires": expires if outcome.token_expires_at else "",
    }
    return render_page(request, "connect.html", context)


async def _finish(request: Request, store: str, params: dict[str, str]) -> Response:
    runtime = runtime_of(request)
    try:
        connected = await run_in_threadpool(
            connect.finish,
            runtime,
            store,
            params,
            redirect_uri=connect.callback_url(base_url(request), store),
            dispatcher=dispatcher_of(request),
        )
    except connect.ConnectError as refused:
        return _result(request, store, refused)
    return _result(request, store, connected)


@router.api_route("/connect/{store}/callback", methods=["GET", "POST"])
async def callback(request: Request, store: str) -> Response:
    return await _finish(request, store, await _params(request))


@router.api_route("/connect/callback", methods=["GET", "POST"])
async def callback_any_store(request: Request) -> Response:
    params = await _params(request)
    store = await run_in_threadpool(
        connect.store_of_state, runtime_of(request), params.get("state", "")
    )
    if store is None:
        refused = connect.ConnectError(
            N_(
                "this authorization link was already used or is older than 30 minutes: "
                "start the connection again (lapak connect STORE)"
            )
        )
        return _result(request, "", refused)
    return await _finish(request, store, params)


@router.get("/ops/connect/{store}")
async def connect_store(request: Request, store: str, operator: CurrentOperator) -> Response:
    runtime = runtime_of(request)
    try:
        started = await run_in_threadpool(connect.start, runtime, store, base_url=base_url(request))
    except connect.ConnectError as refused:
        return _result(request, store, refused)
    if started.link is not None:
        return RedirectResponse(started.link, status_code=303)
    return await _finish(request, store, {"state": started.state})
