"""The sandbox's ASGI app: Shopee v2 paths under /api/v2/, our control API under /_sandbox/.

One request to /api/v2/...: count it, run it through the fault plan, look its handler up
by path (one dict lookup), authenticate (gate.py), spend a token of the shop's rate-limit
bucket, then run the handler under the sandbox lock and wrap its reply in Shopee's
envelope. Handlers raise `ShopeeError` for Shopee's error bodies.
"""

from __future__ import annotations

from lapak.sandboxes.kit.app import SandboxApp as KitApp
from lapak.sandboxes.kit.wire import JSONBody, json_object
from lapak.sandboxes.shopee import (
    api_auth,
    api_listing_read,
    api_listing_write,
    api_logistics,
    api_media,
    api_order,
    consent,
    control,
)
from lapak.sandboxes.shopee.context import Ctx, Route
from lapak.sandboxes.shopee.gate import authenticate
from lapak.sandboxes.shopee.sandbox import ShopeeSandbox
from lapak.sandboxes.shopee.surface import ShopeeControl
from lapak.sandboxes.shopee.wire import (
    ShopeeError,
    envelope,
    error_response,
    invalid,
    server_error,
    throttled,
)
from starlette.requests import Request
from starlette.responses import Response

API_ROUTES: dict[str, Route] = {
    **api_auth.ROUTES,
    **api_listing_read.ROUTES,
    **api_listing_write.ROUTES,
    **api_media.ROUTES,
    **api_order.ROUTES,
    **api_logistics.ROUTES,
}


async def _read_body(request: Request, route: Route) -> object:
    if route.method == "GET":
        return None
    raw = await request.body()
    if route.raw_body:
        return raw
    return json_object(
        raw,
        lambda: invalid("request body is not valid JSON"),
        lambda: invalid("request body should be a JSON object"),
    )


class SandboxApp(KitApp):
    """Starlette for the control API; Shopee calls (/api/...) skip its routing and middleware.

    The benchmark drives ~1,400 calls/s over one connection, so the hot path is kept short.
    """

    sandbox: ShopeeSandbox
    platform = "shopee"
    refused = ShopeeError
    surface = ShopeeControl
    control_routes = control.ROUTES
    consent_page = consent.PAGE
    api_prefix = "/api/"
    failed = staticmethod(server_error)

    def refusal(self, error: ShopeeError) -> Response:
        return error_response(error.error, error.message, error.status)

    async def serve(self, request: Request, path: str) -> Response:
        route = API_ROUTES.get(path)
        if route is None:
            detail = "Wrong parameters, detail: api not found."
            return error_response("error_not_found", detail, 404)
        if request.method != route.method:
            detail = f"Wrong parameters, detail: {path} takes {route.method}."
            return error_response("error_param", detail, 405)
        sandbox, query = self.sandbox, request.query_params
        with sandbox.lock:
            caller = authenticate(sandbox, path, query)
        bucket = caller.shop.shop_id if caller.shop else ("partner", caller.partner_id)
        wait = sandbox.limiter.take(bucket)
        if wait:
            return throttled(wait)
        body = await _read_body(request, route)
        ctx = Ctx(
            request=request,
            query=query,
            body=body,
            sandbox=sandbox,
            partner_id=caller.partner_id,
            shop_or_none=caller.shop,
        )
        with sandbox.lock:
            reply = route.handler(ctx)
        return JSONBody(envelope(reply))
