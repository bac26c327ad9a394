"""The sandbox's ASGI app: the WooCommerce REST API under /wp-json/wc/v3/, the
key approval endpoint under /wc-auth/v1/ (auth.py), our control API under /_sandbox/.

One request to /wp-json/...: count it, run it through the fault plan, spend a token of the
store's rate-limit bucket (a host's limiter sits in front of WordPress), authenticate
(auth.py: errors before routing, as `rest_authentication_errors` runs first), match the
route (`rest_no_route`), parse a JSON body (`rest_invalid_json`), download the images the
body names (outside the lock), then run the handler under the sandbox lock.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from lapak.sandboxes.kit.app import SandboxApp
from lapak.sandboxes.woocommerce import auth, control, orders, products
from lapak.sandboxes.woocommerce.media import download, image_sources
from lapak.sandboxes.woocommerce.sandbox import WooSandbox
from lapak.sandboxes.woocommerce.wire import (
    Ctx,
    JSONBody,
    WooError,
    error_response,
    match,
    server_error,
    throttled,
)
from starlette.requests import Request
from starlette.responses import Response

ROUTES = [*products.ROUTES, *orders.ROUTES]


def _raw_path(request: Request) -> str:
    """The path as sent (REQUEST_URI's, not percent-decoded), which OAuth signs."""
    raw = request.scope.get("raw_path")
    return raw.decode("latin-1").split("?", 1)[0] if raw else request.scope["path"]


def _rate_key(params: Mapping[str, str], authorization: str | None) -> str:
    return (
        params.get("oauth_consumer_key")
        or params.get("consumer_key")
        or (authorization or "anonymous")
    )


def _body(raw: bytes, method: str) -> Any:
    if method in ("GET", "DELETE", "HEAD") or not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise WooError(
            "rest_invalid_json",
            "Invalid JSON body passed.",
            400,
            data={"json_error_code": 4, "json_error_message": str(exc)},
        ) from None


class WooApp(SandboxApp):
    """Starlette for the control API; REST calls (/wp-json/...) skip its routing."""

    sandbox: WooSandbox
    platform = "woocommerce"
    refused = WooError
    surface = control.WooControl
    control_routes = (*control.ROUTES, auth.ROUTE)
    api_prefix = "/wp-json/"

    def refusal(self, error: WooError) -> Response:
        return error_response(error)

    def failed(self) -> Response:
        return server_error()

    async def serve(self, request: Request, path: str) -> Response:
        sandbox, method = self.sandbox, request.method
        params = request.query_params  # as PHP's `$_GET`: the last of repeated names wins
        authorization = request.headers.get("authorization")
        wait = sandbox.limiter.take(_rate_key(params, authorization))
        if wait:
            return throttled(wait, sandbox.limiter.burst)
        site_url = f"{request.url.scheme}://{request.url.netloc}"
        with sandbox.lock:
            caller = auth.authenticate(
                sandbox.keys,
                https=request.url.scheme == "https",
                method=method,
                base_uri=f"{site_url}{_raw_path(request)}",
                params=params,
                authorization=authorization,
                now=sandbox.clock.now(),
            )
        route, handler, ids = match(ROUTES, path, method)
        body = _body(await request.body(), method)
        images = await download(image_sources(body)) if route.fetches_images else {}
        with sandbox.lock:
            if caller is not None:
                caller.site_url = site_url
            ctx = Ctx(
                request=request,
                query=params,
                body=body,
                sandbox=sandbox,
                caller=caller,
                ids=ids,
                now=sandbox.clock.now(),
                images=images,
            )
            reply = handler(ctx)
        return JSONBody(reply.body, status_code=reply.status, headers=reply.headers or None)
