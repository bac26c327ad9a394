"""The sandbox's ASGI app: TikTok Shop API paths, our control API under /_sandbox/.

One API request: count it, run it through the fault plan, find its route by path template,
authenticate it (gate.py; the auth host's token endpoints check the app secret instead),
spend a token of the (app, shop, API) rate-limit bucket, then run the handler under the
sandbox lock and wrap its `data` in TikTok's envelope. Handlers raise `TikTokError` for
TikTok's error bodies.
"""

from __future__ import annotations

import json

import structlog
from lapak.sandboxes.kit.app import SandboxApp as KitApp
from lapak.sandboxes.tiktok import (
    api_auth,
    api_listing_write,
    api_orders,
    api_products,
    consent,
)
from lapak.sandboxes.tiktok import control as control_api
from lapak.sandboxes.tiktok.context import Ctx, Route, Router
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
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route as StarletteRoute

log = structlog.get_logger(__name__)

ROUTER = Router(
    [*api_auth.ROUTES, *api_products.ROUTES, *api_listing_write.ROUTES, *api_orders.ROUTES]
)


def _json_body(raw: bytes) -> dict:
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise TikTokError(
            INVALID_FORMAT,
            "Invalid request format. The request body format must be `application/json` for "
            "structured data or `multipart/form-data` for binary files.",
        )
    return body


async def _serve(sandbox: TikTokSandbox, request: Request, route: Route, params: dict) -> Response:
    content_type = request.headers.get("content-type", "")
    multipart = content_type.lower().startswith("multipart/form-data")
    try:
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
        body = raw if route.multipart else (_json_body(raw) if route.method != "GET" else {})
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
    except TikTokError as exc:
        return error_response(exc.code, exc.message)
    except ClientDisconnect:  # the caller went away mid-request: no one to answer
        return Response(status_code=499)
    except Exception:  # a sandbox bug answers like TikTok's own hiccups, and is logged
        log.exception("tiktok_sandbox_handler_failed", path=request.url.path)
        return server_error()
    return success(data)


class SandboxApp(KitApp):
    """Starlette for the control API; TikTok calls skip its routing and middleware."""

    sandbox: TikTokSandbox

    def __init__(self, sandbox: TikTokSandbox) -> None:
        consent_route = StarletteRoute(consent.PATH, consent.authorize, methods=["GET", "POST"])
        super().__init__(sandbox, TikTokControl(sandbox), [*control_api.ROUTES, consent_route])

    def is_api(self, path: str) -> bool:
        return not path.startswith("/_sandbox/") and path != consent.PATH

    async def api(self, request: Request) -> Response:
        path = request.scope["path"]
        routes, params = ROUTER.match(path)
        self.sandbox.count_call(routes[0].template if routes else path)
        return await self.sandbox.faults.run(path, lambda: self._dispatch(request, routes, params))

    async def _dispatch(self, request: Request, routes: list[Route], params: dict) -> Response:
        if not routes:
            return error_response(
                INVALID_PATH,
                "Invalid path. The specified path does not match any available endpoint.",
            )
        route = next((r for r in routes if r.method == request.method), None)
        if route is None:
            return error_response(
                INVALID_METHOD,
                "Invalid method. The HTTP method used is not supported by this endpoint.",
            )
        return await _serve(self.sandbox, request, route, params)


def build_app(sandbox: TikTokSandbox) -> SandboxApp:
    """The ASGI app serving `sandbox` (stops its background threads on shutdown)."""
    return SandboxApp(sandbox)
