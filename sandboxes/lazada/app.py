"""The sandbox's ASGI app: LazOP API paths at the root (or under /rest, as on
api.lazada.co.id/rest), our control API under /_sandbox/.

The kit's `SandboxApp` counts a call and runs it through the fault plan; `serve` looks its
handler up by path, reads its parameters (query string and form-urlencoded body merged:
lazop-sdk POSTs every parameter as a form body), authenticates (gate.py), spends a token of
the seller's rate-limit bucket, then runs the handler under the sandbox lock and wraps its
answer in LazOP's envelope. Handlers raise `LazadaError` for Lazada's error bodies.
"""

from __future__ import annotations

import inspect
from urllib.parse import parse_qsl

from lapak.sandboxes.kit.app import SandboxApp
from lapak.sandboxes.lazada import (
    api_auth,
    api_media,
    api_orders,
    api_products,
    api_stock,
    consent,
    control,
)
from lapak.sandboxes.lazada.context import Ctx, Route
from lapak.sandboxes.lazada.gate import authenticate
from lapak.sandboxes.lazada.sandbox import LazadaSandbox
from lapak.sandboxes.lazada.surface import LazadaControl
from lapak.sandboxes.lazada.wire import (
    ISV,
    JSONBody,
    LazadaError,
    error_response,
    ok,
    request_id,
    server_error,
    throttled,
)
from starlette.requests import Request
from starlette.responses import Response

API_ROUTES: dict[str, Route] = {
    **api_auth.ROUTES,
    **api_products.ROUTES,
    **api_media.ROUTES,
    **api_stock.ROUTES,
    **api_orders.ROUTES,
}
REST_PREFIX = "/rest"
FORM = "application/x-www-form-urlencoded"


async def _params(request: Request) -> dict[str, str]:
    params = dict(request.query_params)
    if request.method == "POST":
        content_type = request.headers.get("content-type", "")
        body = await request.body()
        if body and content_type.split(";")[0].strip().lower() == FORM:
            params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    return params


class LazadaApp(SandboxApp):
    """Starlette for the control API and the consent page; LazOP calls skip its routing."""

    sandbox: LazadaSandbox
    platform = "lazada"
    refused = LazadaError
    surface = LazadaControl
    control_routes = control.ROUTES
    consent_page = consent.PAGE
    refusal = staticmethod(error_response)
    failed = staticmethod(server_error)

    def api_path(self, request: Request) -> str:
        path = str(request.scope["path"])
        return path[len(REST_PREFIX) :] if path.startswith(REST_PREFIX + "/") else path

    async def serve(self, request: Request, path: str) -> Response:
        route = API_ROUTES.get(path)
        if route is None:
            text = f"The specified API {path} is invalid"
            raise LazadaError("InvalidApiPath", text, type=ISV, status=404)
        if request.method not in route.methods:
            text = f"The API {path} takes {'/'.join(sorted(route.methods))}"
            raise LazadaError("InvalidMethod", text, type=ISV, status=405)
        params = await _params(request)
        sandbox = self.sandbox
        with sandbox.lock:
            caller = authenticate(sandbox, path, params, seller_api=route.seller)
        bucket = caller.seller.seller_id if caller.seller else ("app", caller.app_key)
        if sandbox.limiter.take(bucket):
            return throttled()
        ctx = Ctx(
            request=request,
            query=request.query_params,
            body=None,
            sandbox=sandbox,
            app_key=caller.app_key,
            seller_or_none=caller.seller,
            params=params,
        )
        if inspect.iscoroutinefunction(route.handler):
            data = await route.handler(ctx)
        else:
            with sandbox.lock:
                data = route.handler(ctx)
        if not route.seller:  # token APIs answer at the top level
            return JSONBody({**data, "code": "0", "request_id": request_id()})
        return JSONBody(ok(data, route.key))
