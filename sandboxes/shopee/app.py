"""The sandbox's ASGI app: Shopee v2 paths under /api/v2/, our control API under /_sandbox/.

One request to /api/v2/...: count it, run it through the fault plan (kit/app.py), look its
handler up by path (one dict lookup), authenticate (auth.py), spend a token of the shop's
rate-limit bucket, then run the handler under the sandbox lock and wrap its reply in
Shopee's envelope. Handlers raise `ShopeeError` for Shopee's error bodies.

The control API (JSON in and out, no sign) is the kit's (kit/control_api.py: shops named
as in Lapak's config), plus token expiry and auth codes by shop_id, the placeholder images
and the images upload_image stored.
"""

from __future__ import annotations

from lapak.sandboxes.kit.app import SandboxApp as KitApp
from lapak.sandboxes.kit.control_api import (
    control_routes,
    placeholder_image,
    store_auth_code,
    store_expired_count,
    uploaded_image,
)
from lapak.sandboxes.kit.wire import JSONBody, json_object
from lapak.sandboxes.shopee import (
    api_order,
    api_product,
    auth,
)
from lapak.sandboxes.shopee.sandbox import ShopeeControl, ShopeeSandbox
from lapak.sandboxes.shopee.wire import (
    Ctx,
    Route,
    ShopeeError,
    error_response,
    invalid,
    server_error,
    throttled,
)
from starlette.requests import Request
from starlette.responses import Response

API_ROUTES: dict[str, Route] = {
    **auth.ROUTES,
    **api_product.ROUTES,
    **api_order.ROUTES,
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


CONTROL_ROUTES = control_routes(
    "shops",
    {
        "POST expire_token": store_expired_count,
        "POST auth_code": store_auth_code,
        "GET /_sandbox/images/{name}.png": placeholder_image,
        "GET /_sandbox/uploads/{image_id}": uploaded_image("image_id"),
    },
)


class SandboxApp(KitApp):
    """Starlette for the control API; Shopee calls (/api/...) skip its routing and middleware.

    The benchmark drives ~1,400 calls/s over one connection, so the hot path is kept short.
    """

    sandbox: ShopeeSandbox
    platform = "shopee"
    refused = ShopeeError
    surface = ShopeeControl
    control_routes = CONTROL_ROUTES
    consent_page = auth.CONSENT_PAGE
    api_prefix = "/api/"
    failed = staticmethod(server_error)

    def refusal(self, error: ShopeeError) -> Response:
        return error_response(error.error, error.message)

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
            caller = auth.authenticate(sandbox, path, query)
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
        return JSONBody(reply.envelope())
