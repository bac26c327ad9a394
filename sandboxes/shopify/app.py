"""The sandbox's ASGI app: Shopify's Admin API under /admin/, our control API under /_sandbox/.

One request to /admin/api/{version}/...: count it, run it through the fault plan, find its
handler by method and path, authenticate the `X-Shopify-Access-Token` header (401 with
Shopify's text otherwise), spend the shop's REST request or GraphQL points, then run the
handler under the sandbox lock. REST answers carry `X-Shopify-Shop-Api-Call-Limit`; every
answer carries `X-Shopify-API-Version`.

The app install (Shopify's authorization page and its code → token exchange) sits beside
the API, unversioned and unauthenticated:

    GET  /admin/oauth/authorize?client_id&scope&redirect_uri&state
         "Install Lapak on <shop>?": one Install button per shop whose installed app has
         this Client ID (the sandbox serves many shops on one host)
    POST /admin/oauth/authorize   (the merchant clicks Install)
         303 to redirect_uri with code, hmac, host, shop, state, timestamp; `hmac` signed
         with the app's client secret (docs/MARKETPLACES.md#shopify-auth-and-signing)
    POST /admin/oauth/access_token  {client_id, client_secret, code} (JSON or form)
         → {"access_token", "scope"}: the shop's offline token, once per code

Shopify checks `redirect_uri` against the app's allowed URLs; the sandbox takes any
http(s) URL.
"""

from __future__ import annotations

import base64
import html
import json
import re
from urllib.parse import parse_qsl

from lapak.connectors.shopify import signing
from lapak.sandboxes.kit.app import SandboxApp as KitApp
from lapak.sandboxes.kit.consent import form_of, redirect_with, valid_redirect
from lapak.sandboxes.kit.control_api import control_routes, store_auth_code, store_stock
from lapak.sandboxes.kit.wire import JSONBody, Router, json_object
from lapak.sandboxes.shopify import api_graphql, api_orders, api_products
from lapak.sandboxes.shopify.sandbox import ShopifyControl, ShopifySandbox
from lapak.sandboxes.shopify.state import Shop
from lapak.sandboxes.shopify.wire import (
    API_KIND,
    GRAPHQL_MUTATION_COST,
    INVALID_TOKEN,
    Ctx,
    ShopifyError,
    graphql_throttled,
    not_found,
    rest_throttled,
    server_error,
)
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

API_PREFIX = "/admin/api/"
VERSION = re.compile(r"^(\d{4}-\d{2}|unstable)$")


ROUTER = Router([*api_products.ROUTES, *api_orders.ROUTES, *api_graphql.ROUTES])


async def revoke(request: Request) -> Response:
    """POST /_sandbox/shops/{store}/revoke: the merchant uninstalls the app."""
    request.app.state.sandbox.revoke_token(request.path_params["store"])
    return JSONResponse({"revoked": True})


CONTROL_ROUTES = control_routes(
    "shops", {"POST stock": store_stock, "POST auth_code": store_auth_code, "POST revoke": revoke}
)
"""The control API under /_sandbox/ (ours, not Shopify's): the kit's routes with shops named
as in Lapak's config, and Shopify's own: an install code and an uninstall."""


async def _serve(
    sandbox: ShopifySandbox, request: Request, path: str, headers: dict[str, str]
) -> Response:
    version, _, rest = path[len(API_PREFIX) :].partition("/")
    if not VERSION.match(version):
        raise not_found()
    route, params = ROUTER.find(
        request.method, rest, no_path=not_found, no_method=lambda _: not_found()
    )
    token = request.headers.get("x-shopify-access-token", "")
    with sandbox.lock:
        shop = sandbox.by_token.get(token)
        if shop is None or shop.revoked:
            raise ShopifyError(401, INVALID_TOKEN)
    if rest == "graphql.json":
        if sandbox.points.take(token, GRAPHQL_MUTATION_COST):
            return graphql_throttled(sandbox.points, token)
    else:
        if sandbox.limiter.take(token):
            return rest_throttled(sandbox.limiter)
        filled = max(1, sandbox.limiter.level(token))
        headers["X-Shopify-Shop-Api-Call-Limit"] = f"{filled}/{sandbox.limiter.burst}"
    raw = await request.body() if request.method in ("POST", "PUT") else b""
    body = json_object(raw, lambda: ShopifyError(400, "Bad Request"))
    with sandbox.lock:
        query = request.query_params
        ctx = Ctx(
            request=request, query=query, body=body, sandbox=sandbox, shop=shop, params=params
        )
        reply = route.handler(ctx)
    return JSONBody(reply.body, status_code=reply.status, headers=headers | (reply.headers or {}))


# --- the app install ------------------------------------------------------------------------


AUTHORIZE_PATH = "/admin/oauth/authorize"
TOKEN_PATH = "/admin/oauth/access_token"
FORWARDED = ("client_id", "scope", "redirect_uri", "state")
"""The authorization link's fields the install form posts back."""


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    page = (
        '<!doctype html><html lang="id"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title></head><body><main>{body}</main></body></html>"
    )
    return HTMLResponse(page, status_code=status)


def _error(message: str) -> HTMLResponse:
    return _page(
        "Oauth error", f"<h1>Oauth error invalid_request: {html.escape(message)}</h1>", 400
    )


def _checked(sandbox: ShopifySandbox, fields: dict[str, str]) -> list[Shop] | HTMLResponse:
    """The shops this install request may go to, or the error page it gets."""
    client_id = fields.get("client_id", "")
    shops = [shop for shop in sandbox.stores.values() if client_id and shop.client_id == client_id]
    if not shops:
        return _error("The client_id is not an app installed on this sandbox")
    if not valid_redirect(fields.get("redirect_uri", "")):
        return _error("The redirect_uri is missing or not an http(s) URL")
    return shops


def _install_form(shop: Shop, fields: dict[str, str]) -> str:
    hidden = {**{k: v for k, v in fields.items() if k in FORWARDED}, "shop": shop.domain}
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in hidden.items()
    )
    return (
        f'<form method="post" action="{AUTHORIZE_PATH}">{inputs}'
        f"<h1>Install Lapak on {html.escape(shop.domain)}?</h1><button>Install app</button></form>"
    )


async def authorize(sandbox: ShopifySandbox, request: Request) -> Response:
    fields = dict(request.query_params) if request.method == "GET" else await form_of(request)
    with sandbox.lock:
        shops = _checked(sandbox, fields)
        if isinstance(shops, Response):
            return shops
        if request.method == "GET":
            scopes = "".join(
                f"<li>{html.escape(s)}</li>" for s in fields.get("scope", "").split(",")
            )
            forms = "".join(_install_form(shop, fields) for shop in shops)
            return _page("Install app", f"{forms}<p>The app asks to:</p><ul>{scopes}</ul>")
        shop = next((s for s in shops if s.domain == fields.get("shop")), None)
        if shop is None:
            return _error("The shop is not one this app is installed on")
        slug = shop.domain.removesuffix(".myshopify.com")
        query = {
            "code": sandbox.issue_auth_code(shop.name, fields.get("scope", "")),
            "host": base64.b64encode(f"admin.shopify.com/store/{slug}".encode()).decode(),
            "shop": shop.domain,
            "state": fields.get("state", ""),
            "timestamp": str(sandbox.clock.now_s()),
        }
        query["hmac"] = signing.oauth_hmac(shop.client_secret, query)
    return redirect_with(fields["redirect_uri"], query)


async def access_token(sandbox: ShopifySandbox, request: Request) -> Response:
    """Authorization code → offline access token (Session.request_token posts a form)."""
    raw = await request.body()
    try:
        fields = json.loads(raw) if raw.lstrip().startswith(b"{") else dict(parse_qsl(raw.decode()))
    except ValueError:
        fields = {}
    fields = {**dict(request.query_params), **fields}
    with sandbox.lock:
        granted = sandbox.redeem_auth_code(
            str(fields.get("code") or ""),
            str(fields.get("client_id") or ""),
            str(fields.get("client_secret") or ""),
        )
        if granted is None:
            refusal = "The authorization code was not found or was already used"
            body = {"error": "invalid_request", "error_description": refusal}
            return JSONBody(body, status_code=400)
        shop, scope = granted
    return JSONBody({"access_token": shop.access_token, "scope": scope})


INSTALL = {
    ("GET", AUTHORIZE_PATH): authorize,
    ("POST", AUTHORIZE_PATH): authorize,
    ("POST", TOKEN_PATH): access_token,
}


class SandboxApp(KitApp):
    """Starlette for the control API; Shopify calls (/admin/...) skip its routing."""

    sandbox: ShopifySandbox
    platform = "shopify"
    refused = ShopifyError
    surface = ShopifyControl
    control_routes = CONTROL_ROUTES
    api_prefix = "/admin/"
    failed = staticmethod(server_error)

    async def api(self, request: Request) -> Response:
        path = request.scope["path"]
        install = INSTALL.get((request.method, path))
        if install is not None:  # counted, never faulted
            self.sandbox.count_call(path)
            return await install(self.sandbox, request)
        API_KIND.set("graphql" if path.endswith("/graphql.json") else "rest")
        return await super().api(request)

    async def serve(self, request: Request, path: str) -> Response:
        if not path.startswith(API_PREFIX):
            raise not_found()
        headers = {"X-Shopify-API-Version": path[len(API_PREFIX) :].partition("/")[0]}
        try:
            return await _serve(self.sandbox, request, path, headers)
        except ShopifyError as exc:  # with the version and call-limit headers
            return self.refusal(exc, headers)

    def refusal(self, error: ShopifyError, headers: dict[str, str] | None = None) -> Response:
        return JSONBody({"errors": error.errors}, status_code=error.status, headers=headers)
