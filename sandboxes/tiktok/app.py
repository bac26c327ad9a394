"""The sandbox's ASGI app: TikTok Shop API paths, our control API under /_sandbox/.

One API request is counted and run through the fault plan by its path template (kit/app.py);
then it is authenticated (gate.py; the auth host's token endpoints check the app secret
instead), spends a token of the (app, shop, API) rate-limit bucket, and its handler runs
under the sandbox lock, its `data` wrapped in TikTok's envelope. Handlers raise
`TikTokError` for TikTok's error bodies.
"""

from __future__ import annotations

from lapak.sandboxes.kit.app import SandboxApp
from lapak.sandboxes.kit.wire import Router, json_object
from lapak.sandboxes.tiktok import (
    api_auth,
    api_listing_write,
    api_orders,
    api_products,
    consent,
    control,
)
from lapak.sandboxes.tiktok.context import Ctx, Route
from lapak.sandboxes.tiktok.gate import authenticate
from lapak.sandboxes.tiktok.sandbox import TikTokSandbox
from lapak.sandboxes.tiktok.surface import TikTokControl
from lapak.sandboxes.tiktok.wire import (
    INVALID_FORMAT,
    INVALID_METHOD,
    INVALID_PATH,
    TikTokError,
    error_response,
    server_error,
    success,
    throttled,
)
from starlette.requests import Request
from starlette.responses import Response

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


class TikTokApp(SandboxApp):
    """Starlette for the control API and the consent page; TikTok calls skip its routing."""

    sandbox: TikTokSandbox
    platform = "tiktok"
    refused = TikTokError
    surface = TikTokControl
    control_routes = control.ROUTES
    consent_page = consent.PAGE
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
