"""The sandbox's ASGI app: LazOP API paths at the root (or under /rest, as on
api.lazada.co.id/rest), the seller authorization page, our control API under /_sandbox/.

The kit's `SandboxApp` counts a call and runs it through the fault plan; `serve` looks its
handler up by path, reads its parameters (query string and form-urlencoded body merged:
lazop-sdk POSTs every parameter as a form body), authenticates (`authenticate`), spends a
token of the seller's rate-limit bucket, then runs the handler under the sandbox lock and
wraps its answer in LazOP's envelope. Handlers raise `LazadaError` for Lazada's error bodies.
"""

from __future__ import annotations

import hashlib
import hmac
import inspect
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import parse_qsl

from lapak.sandboxes.kit.app import SandboxApp
from lapak.sandboxes.kit.consent import ConsentPage, ConsentRefused, Grant, valid_redirect
from lapak.sandboxes.kit.control_api import (
    control_routes,
    store_auth_code,
    store_expired_count,
    store_stock,
)
from lapak.sandboxes.kit.images import image_response
from lapak.sandboxes.lazada import api_auth, api_orders, api_products
from lapak.sandboxes.lazada.sandbox import LazadaControl, LazadaSandbox
from lapak.sandboxes.lazada.state import Seller
from lapak.sandboxes.lazada.wire import (
    ISV,
    Ctx,
    JSONBody,
    LazadaError,
    Route,
    error_response,
    missing,
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
    **api_orders.ROUTES,
}
REST_PREFIX = "/rest"
FORM = "application/x-www-form-urlencoded"
TIMESTAMP_WINDOW_SECONDS = 7200
SIGN_METHODS = frozenset({"sha256"})


# --- the gate ------------------------------------------------------------------------------
# The checks every LazOP call passes before its handler runs: common parameters, timestamp
# within 7200 s (milliseconds, or ISO 8601 per doc 108067), sign method and sign
# (docs/MARKETPLACES.md#lazada-auth-and-signing), then the access token of a seller API. The
# order of the checks and some codes are the sandbox's (docs/MARKETPLACES.md#lazada-unconfirmed).


def sign(app_secret: str, api_path: str, params: Mapping[str, str]) -> str:
    base = api_path + "".join(k + params[k] for k in sorted(params) if k != "sign")
    return hmac.new(app_secret.encode(), base.encode(), hashlib.sha256).hexdigest().upper()


def timestamp_seconds(raw: str) -> float | None:
    """Milliseconds since the epoch, or ISO 8601 text; None when neither."""
    if raw.isdigit():
        return int(raw) / 1000
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.timestamp() if moment.tzinfo else None


def authenticate(
    sandbox: LazadaSandbox, path: str, params: Mapping[str, str], *, seller_api: bool
) -> tuple[str, Seller | None]:
    """The calling app key and seller (None for the token APIs), or a `LazadaError`. Lock
    held."""
    for name in ("app_key", "timestamp", "sign_method", "sign"):
        if not params.get(name):
            raise missing(name)
    app_key = params["app_key"]
    app_secret = sandbox.apps.get(app_key)
    if app_secret is None:
        raise LazadaError("InvalidAppKey", "Specified app key is invalid", type=ISV)
    moment = timestamp_seconds(params["timestamp"])
    if moment is None or abs(sandbox.clock.now() - moment) > TIMESTAMP_WINDOW_SECONDS:
        raise LazadaError("InvalidTimestamp", "The timestamp is invalid or expired", type=ISV)
    if params["sign_method"] not in SIGN_METHODS:
        raise LazadaError("InvalidSignMethod", "The sign method is not supported", type=ISV)
    if seller_api and not params.get("access_token"):
        raise missing("access_token")
    expected = sign(app_secret, path, params)
    if not hmac.compare_digest(expected, params["sign"].strip().upper()):
        message = "The request signature does not conform to lazop standards"
        raise LazadaError("IncompleteSignature", message, type=ISV)
    if not seller_api:
        return app_key, None
    seller_id = sandbox.tokens.access_owner(params["access_token"])
    seller = sandbox.stores.get(seller_id) if seller_id is not None else None
    if seller is None or seller.app_key != app_key:
        message = "The specified access token is invalid or expired"
        raise LazadaError("IllegalAccessToken", message, type=ISV)
    return app_key, seller


async def _params(request: Request) -> dict[str, str]:
    params = dict(request.query_params)
    if request.method == "POST":
        content_type = request.headers.get("content-type", "")
        body = await request.body()
        if body and content_type.split(";")[0].strip().lower() == FORM:
            params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    return params


# --- the seller authorization page ---------------------------------------------------------
# GET/POST /oauth/authorize (on auth.lazada.com). The link (Lazada's "Seller authorization
# introduction"): `/oauth/authorize?response_type=code&force_auth=true&redirect_uri&client_id
# [&state]`, `client_id` being the app key. After the seller authorizes, Lazada sends the
# browser to `redirect_uri` with `code` (and the link's `state`, unchanged). The code "is
# valid for half an hour and can only be used once" (api_auth.py).


def grant(request: Request, link: Mapping[str, str]) -> Grant:
    sandbox: LazadaSandbox = request.app.sandbox
    app_key = link.get("client_id", "")
    if link.get("response_type") != "code":
        raise ConsentRefused("response_type must be code")
    if not valid_redirect(link.get("redirect_uri", "")):
        raise ConsentRefused("the link has no valid redirect_uri")
    with sandbox.lock:
        if app_key not in sandbox.apps:
            raise ConsentRefused(f"no app with client_id {app_key!r}", 404)
        sellers = [(s.seller_id, s.name) for s in sandbox.stores.values() if s.app_key == app_key]
    return Grant(f"app {app_key}", sellers, sandbox.issue_auth_code)


LINK_FIELDS = ("response_type", "force_auth", "client_id", "redirect_uri", "state")
CONSENT = ConsentPage("Lazada", "/oauth/authorize", LINK_FIELDS, grant, echo=("state",))


# --- the control API -----------------------------------------------------------------------
# Ours, not Lazada's: JSON in and out, no sign. The kit's routes (kit/control_api.py) over
# `LazadaControl` (stores by Lapak store name), errors answered {"detail": ...} with 400
# (bad body or a move the order cannot make), 404 (unknown store, SKU or order) or 409
# (stock too short); Lazada's own: stock, token expiry (how many died), auth codes and the
# images /image/migrate stored.


async def image(request: Request) -> Response:
    """An image /image/migrate stored, at the URL it handed out."""
    sandbox = request.app.state.sandbox
    name = request.path_params["name"]
    with sandbox.lock:
        data = next(
            (v for k, v in sandbox.images.items() if k.endswith(f"/_sandbox/p/{name}")), None
        )
    return image_response(data)


CONTROL_ROUTES = control_routes(
    "stores",
    {
        "POST stock": store_stock,
        "POST expire_token": store_expired_count,
        "POST auth_code": store_auth_code,
        "GET /_sandbox/p/{name}": image,
    },
)


class LazadaApp(SandboxApp):
    """Starlette for the control API and the consent page; LazOP calls skip its routing."""

    sandbox: LazadaSandbox
    platform = "lazada"
    refused = LazadaError
    surface = LazadaControl
    control_routes = CONTROL_ROUTES
    consent_page = CONSENT
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
            app_key, seller = authenticate(sandbox, path, params, seller_api=route.seller)
        if sandbox.limiter.take(seller.seller_id if seller else ("app", app_key)):
            return throttled()
        ctx = Ctx(
            request=request,
            query=request.query_params,
            body=None,
            sandbox=sandbox,
            app_key=app_key,
            seller_or_none=seller,
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
