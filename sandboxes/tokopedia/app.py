"""The sandbox's ASGI app: Tokopedia's paths (the token endpoint at /token, the FS API),
our control API under /_sandbox/.

One API request: count it, run it through the fault plan, route it by method and path
template, check its bearer token (401 when missing, unknown or expired) and that the
token's app owns the fs_id of the path or query (403), spend a token of the app's bucket
for that endpoint (429 with X-Ratelimit-* headers when empty), then run the handler under
the sandbox lock and wrap its answer in Tokopedia's envelope. Every answer past the limit
carries the X-Ratelimit-* headers. Handlers raise `TokopediaError` for Tokopedia's errors.
"""

from __future__ import annotations

import json
from typing import Any

from lapak.sandboxes.kit.app import SandboxApp as KitApp
from lapak.sandboxes.kit.wire import JSONBody, Router
from lapak.sandboxes.tokopedia import (
    api_auth,
    api_order,
    api_product,
    api_product_v3,
    api_shop,
    control,
)
from lapak.sandboxes.tokopedia.context import Ctx, Route, find_route
from lapak.sandboxes.tokopedia.ratelimit import bucket_headers
from lapak.sandboxes.tokopedia.sandbox import TokopediaSandbox
from lapak.sandboxes.tokopedia.state import App
from lapak.sandboxes.tokopedia.surface import TokopediaControl
from lapak.sandboxes.tokopedia.wire import (
    TokopediaError,
    envelope,
    error_response,
    forbidden,
    server_error,
    too_many_requests,
    unauthorized,
)
from starlette.requests import Request
from starlette.responses import Response

ROUTER = Router([*api_product.ROUTES, *api_product_v3.ROUTES, *api_order.ROUTES, *api_shop.ROUTES])


def _caller(sandbox: TokopediaSandbox, request: Request) -> App:
    """The app whose bearer token authorizes the request. Lock held."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("missing bearer token")
    client_id = sandbox.tokens.access_owner(token.strip())
    app = sandbox.app_of_client(client_id) if client_id else None
    if app is None:
        raise unauthorized()
    return app


def _check_fs(app: App, route: Route, params: dict[str, str], request: Request) -> None:
    raw = params.get("fs_id") or request.query_params.get("fs_id")
    if raw is None:
        raise TokopediaError("fs_id cannot be empty", "FS_ID_EMPTY")
    if not raw.isdigit():
        raise TokopediaError(f"Invalid field [fs_id] format, value [{raw}] should be int", "FS_ID")
    if int(raw) != app.fs_id:
        raise forbidden(f"fs_id {raw} does not belong to this client")


async def _read_body(request: Request, route: Route) -> Any:
    if route.method == "GET":
        return None
    raw = await request.body()
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise TokopediaError("request body is not valid JSON", "BAD_JSON") from None


class SandboxApp(KitApp):
    """Starlette for the control API; Tokopedia calls skip its routing and middleware."""

    sandbox: TokopediaSandbox
    platform = "tokopedia"
    refused = TokopediaError
    surface = TokopediaControl
    control_routes = control.ROUTES
    refusal = staticmethod(error_response)
    failed = staticmethod(server_error)

    async def serve(self, request: Request, path: str) -> Response:
        sandbox = self.sandbox
        if path == api_auth.TOKEN_PATH:
            with sandbox.lock:
                return api_auth.token(sandbox, request)
        route, params = find_route(ROUTER, request.method, path)
        with sandbox.lock:
            app = _caller(sandbox, request)
            _check_fs(app, route, params, request)
        grant = sandbox.limiter.take_upto((app.fs_id, route.name), 1)
        limits = bucket_headers(sandbox.limiter, grant)
        try:
            if not grant.granted:
                raise too_many_requests()
            body = await _read_body(request, route)
            ctx = Ctx(
                request=request,
                query=request.query_params,
                body=body,
                sandbox=sandbox,
                app=app,
                route=route,
                params=params,
            )
            with sandbox.lock:
                data = route.handler(ctx)
        except TokopediaError as error:  # every answer after the limit carries its headers
            error.headers = {**limits, **error.headers}
            raise
        return JSONBody(envelope(data), headers={**limits, **ctx.row_limits})
