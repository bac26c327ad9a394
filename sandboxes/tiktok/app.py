"""The sandbox's ASGI app: TikTok Shop API paths, the seller's consent page, and our control
API under /_sandbox/.

One API request is counted and run through the fault plan by its path template (kit/app.py);
then it is authenticated (wire.py; the auth host's token endpoints check the app secret
instead), spends a token of the (app, shop, API) rate-limit bucket, and its handler runs
under the sandbox lock, its `data` wrapped in TikTok's envelope. Handlers raise
`TikTokError` for TikTok's error bodies.
"""

from __future__ import annotations

from collections.abc import Mapping

from lapak.sandboxes.kit.app import SandboxApp
from lapak.sandboxes.kit.consent import ConsentPage, ConsentRefused, Grant, valid_redirect
from lapak.sandboxes.kit.control_api import (
    control_routes,
    store_expire_token,
    store_stock,
    uploaded_image,
)
from lapak.sandboxes.kit.wire import Router, json_object
from lapak.sandboxes.tiktok import api_auth, api_listing_write, api_orders, api_products
from lapak.sandboxes.tiktok.api_products import image_kind
from lapak.sandboxes.tiktok.sandbox import TikTokControl, TikTokSandbox
from lapak.sandboxes.tiktok.wire import (
    INVALID_FORMAT,
    INVALID_METHOD,
    INVALID_PATH,
    Ctx,
    Route,
    TikTokError,
    authenticate,
    error_response,
    server_error,
    success,
    throttled,
)
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

ROUTER = Router(
    [*api_auth.ROUTES, *api_products.ROUTES, *api_listing_write.ROUTES, *api_orders.ROUTES]
)


def _not_json() -> TikTokError:
    return TikTokError(
        INVALID_FORMAT,
        "Invalid request format. The request body format must be `application/json` for "
        "structured data or `multipart/form-data` for binary files.",
    )


def _no_path() -> TikTokError:
    text = "Invalid path. The specified path does not match any available endpoint."
    return TikTokError(INVALID_PATH, text)


def _no_method(_: list[Route]) -> TikTokError:
    text = "Invalid method. The HTTP method used is not supported by this endpoint."
    return TikTokError(INVALID_METHOD, text)


# --- the seller authorization page: GET/POST /open/authorize (services.tiktokshop.com) ----
# The link (TikTok Shop's authorization guide, 202309): `/open/authorize?service_id&state`,
# `service_id` being the app's service in Partner Center. TikTok sends the seller back to
# the redirect URL registered for the app, with `code` and the link's `state`. The sandbox
# has no Partner Center: it sends the browser to the link's own `redirect_uri` (Lapak's link
# names it; TikTok reads the registered one). The code "expires in 30 minutes and can only
# be used once" (api_auth.py); GET /api/v2/token/get exchanges it.


def _consent(request: Request, link: Mapping[str, str]) -> Grant:
    sandbox: TikTokSandbox = request.app.sandbox
    service_id = link.get("service_id", "")
    if not valid_redirect(link.get("redirect_uri", "")):
        raise ConsentRefused("no redirect URL is registered for this service")
    with sandbox.lock:
        app_key = sandbox.services.get(service_id)
        if app_key is None:
            raise ConsentRefused(f"no service with service_id {service_id!r}", 404)
        shops = [(s.name, s.name) for s in sandbox.stores.values() if s.app_key == app_key]
    return Grant(f"app {app_key}", shops, sandbox.issue_auth_code)


CONSENT_PAGE = ConsentPage(
    "TikTok Shop",
    "/open/authorize",
    ("service_id", "state", "redirect_uri"),
    _consent,
    echo=("state",),
)

# --- the control API under /_sandbox/ (ours, not TikTok's): JSON in and out, no sign -----
# The kit's routes over `TikTokControl`, and TikTok's own: stock by SKU path, token expiry,
# auth codes and the images Upload Product Image stored.


async def _auth_code(request: Request) -> Response:
    store = str(request.path_params["store"])
    return JSONResponse({"auth_code": request.app.state.sandbox.issue_auth_code(store)})


CONTROL_ROUTES = control_routes(
    "stores",
    {
        "POST listings/{sku}/stock": store_stock,
        "POST expire_token": store_expire_token,
        "POST auth_code": _auth_code,
        "GET /_sandbox/images/{uri:path}": uploaded_image("uri", image_kind),
    },
)


class TikTokApp(SandboxApp):
    """Starlette for the control API and the consent page; TikTok calls skip its routing."""

    sandbox: TikTokSandbox
    platform = "tiktok"
    refused = TikTokError
    surface = TikTokControl
    control_routes = CONTROL_ROUTES
    consent_page = CONSENT_PAGE
    failed = staticmethod(server_error)

    def api_path(self, request: Request) -> str:
        routes, _ = ROUTER.match(request.url.path)
        return routes[0].template if routes else request.url.path

    async def serve(self, request: Request, path: str) -> Response:
        sandbox = self.sandbox
        route, params = ROUTER.find(
            request.method, request.url.path, no_path=_no_path, no_method=_no_method
        )
        multipart = (
            request.headers.get("content-type", "").lower().startswith("multipart/form-data")
        )
        raw = await request.body() if route.method != "GET" else b""
        if route.multipart and not multipart:
            raise TikTokError(
                36009023,
                "Invalid request format. The value of the `content-type` header must be "
                "`multipart/form-data`.",
            )
        caller = None
        if route.signed:
            signed_body = "" if multipart else raw.decode("utf-8", "replace")
            with sandbox.lock:
                caller = authenticate(
                    sandbox,
                    request.url.path,
                    request.query_params,
                    request.headers,
                    signed_body,
                    shop_scoped=route.shop,
                )
            bucket = (caller.app_key, caller.shop_cipher, route.template)
        else:
            bucket = (request.query_params.get("app_key", ""), "", route.template)
        wait = sandbox.limiter.take(bucket)
        if wait:
            return throttled(wait)
        body = raw if route.multipart else json_object(raw, _not_json)
        ctx = Ctx(
            sandbox=sandbox,
            caller=caller,
            query=request.query_params,
            params=params,
            body=body,
            request=request,
        )
        with sandbox.lock:
            data = route.handler(ctx)
        return success(data)

    def refusal(self, error: TikTokError) -> Response:
        return error_response(error.code, error.message)
