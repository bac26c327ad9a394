"""The sandbox's ASGI app: Tokopedia's paths (the token endpoint at /token, the FS API),
our control API under /_sandbox/.

One API request: count it, run it through the fault plan, route it by method and path
template, check its bearer token (401 when missing, unknown or expired) and that the
token's app owns the fs_id of the path or query (403), spend a token of the app's bucket
for that endpoint (429 with X-Ratelimit-* headers when empty), then run the handler under
the sandbox lock and wrap its answer in Tokopedia's envelope. Every answer past the limit
carries the X-Ratelimit-* headers. Handlers raise `TokopediaError` for Tokopedia's errors.

The control API is the kit's (kit/control_api.py) with its stores listed by
`Shop.summary`, stock by SKU in the body and token expiry.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from typing import Any

from lapak.sandboxes.kit.app import SandboxApp as KitApp
from lapak.sandboxes.kit.control_api import control_routes, store_expire_token, store_stock
from lapak.sandboxes.kit.wire import JSONBody, Router
from lapak.sandboxes.tokopedia import api_order, api_product, api_product_v3
from lapak.sandboxes.tokopedia.sandbox import TokopediaControl, TokopediaSandbox
from lapak.sandboxes.tokopedia.state import App
from lapak.sandboxes.tokopedia.wire import (
    Ctx,
    Route,
    TokopediaError,
    bucket_headers,
    envelope,
    error_response,
    forbidden,
    server_error,
    too_many_requests,
    unauthorized,
)
from starlette.requests import Request
from starlette.responses import Response

TOKEN_PATH = "/token"
ROUTER = Router([*api_product.ROUTES, *api_product_v3.ROUTES, *api_order.ROUTES])


# --- POST /token ---------------------------------------------------------------------------


def _token_refusal(status: int, error: str, description: str) -> Response:
    """A refusal in RFC 6749's shape (docs/MARKETPLACES.md#tokopedia-unconfirmed)."""
    headers = {"WWW-Authenticate": 'Basic realm="tokopedia"'} if status == 401 else None
    return JSONBody(
        {"error": error, "error_description": description}, status_code=status, headers=headers
    )


def _basic_client(header: str) -> tuple[str, str] | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (client_id, secret) if sep else None


def token(sandbox: TokopediaSandbox, request: Request) -> Response:
    """Client credentials for a bearer token, not enveloped
    (docs/MARKETPLACES.md#tokopedia-auth-and-signing). Lock held."""
    if request.method != "POST":
        return _token_refusal(405, "invalid_request", "the token endpoint takes POST")
    if request.query_params.get("grant_type") != "client_credentials":
        return _token_refusal(
            400, "unsupported_grant_type", "grant_type must be client_credentials"
        )
    pair = _basic_client(request.headers.get("Authorization", ""))
    if pair is None:
        return _token_refusal(401, "invalid_client", "Basic client authentication is required")
    client_id, secret = pair
    app = sandbox.app_of_client(client_id)
    if app is None or not hmac.compare_digest(app.client_secret.encode(), secret.encode()):
        return _token_refusal(401, "invalid_client", "Client authentication failed")
    access_token, expires_at = sandbox.token_for(client_id)
    lifetime = max(1, round(expires_at - sandbox.clock.now()))
    return JSONBody({"access_token": access_token, "expires_in": lifetime, "token_type": "Bearer"})


# --- the FS API ----------------------------------------------------------------------------


def _route(method: str, path: str) -> tuple[Route, dict[str, str]]:
    """The route of a call; 404/405 as an API gateway answers them."""

    def no_method(routes: list[Route]) -> TokopediaError:
        allowed = ", ".join(sorted({r.method for r in routes}))
        return TokopediaError(f"method {method} not allowed ({allowed})", "NOT_ALLOWED", status=405)

    def no_path() -> TokopediaError:
        return TokopediaError(f"path {path} not found", "NOT_FOUND", status=404)

    return ROUTER.find(method, path, no_path=no_path, no_method=no_method)


def _caller(sandbox: TokopediaSandbox, request: Request) -> App:
    """The app whose bearer token authorizes the request. Lock held."""
    scheme, _, bearer = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not bearer.strip():
        raise unauthorized("missing bearer token")
    client_id = sandbox.tokens.access_owner(bearer.strip())
    app = sandbox.app_of_client(client_id) if client_id else None
    if app is None:
        raise unauthorized()
    return app


def _check_fs(app: App, params: dict[str, str], request: Request) -> None:
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
    control_routes = control_routes(
        "stores", {"POST stock": store_stock, "POST expire_token": store_expire_token}
    )
    refusal = staticmethod(error_response)
    failed = staticmethod(server_error)

    async def serve(self, request: Request, path: str) -> Response:
        sandbox = self.sandbox
        if path == TOKEN_PATH:
            with sandbox.lock:
                return token(sandbox, request)
        route, params = _route(request.method, path)
        with sandbox.lock:
            app = _caller(sandbox, request)
            _check_fs(app, params, request)
        grant = sandbox.limiter.take_upto((app.fs_id, route.template), 1)
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
