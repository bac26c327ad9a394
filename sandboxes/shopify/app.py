"""The sandbox's ASGI app: Shopify's Admin API under /admin/, our control API under /_sandbox/.

One request to /admin/api/{version}/...: count it, run it through the fault plan, find its
handler by method and path, authenticate the `X-Shopify-Access-Token` header (401 with
Shopify's text otherwise), spend the shop's REST request or GraphQL points, then run the
handler under the sandbox lock. REST answers carry `X-Shopify-Shop-Api-Call-Limit`; every
answer carries `X-Shopify-API-Version`.
"""

from __future__ import annotations

import re

from lapak.sandboxes.kit.app import SandboxApp as KitApp
from lapak.sandboxes.kit.wire import JSONBody, Router, json_object
from lapak.sandboxes.shopify import api_graphql, api_orders, api_products, control, oauth
from lapak.sandboxes.shopify.context import Ctx
from lapak.sandboxes.shopify.sandbox import ShopifySandbox
from lapak.sandboxes.shopify.surface import ShopifyControl
from lapak.sandboxes.shopify.wire import (
    API_KIND,
    GRAPHQL_MUTATION_COST,
    INVALID_TOKEN,
    ShopifyError,
    graphql_throttled,
    not_found,
    rest_throttled,
    server_error,
)
from starlette.requests import Request
from starlette.responses import Response

API_PREFIX = "/admin/api/"
INSTALL = {
    ("GET", oauth.AUTHORIZE_PATH): oauth.authorize,
    ("POST", oauth.AUTHORIZE_PATH): oauth.authorize,
    ("POST", oauth.TOKEN_PATH): oauth.access_token,
}
"""The app install (oauth.py), beside the API: unversioned and unauthenticated."""
VERSION = re.compile(r"^(\d{4}-\d{2}|unstable)$")


ROUTER = Router([*api_products.ROUTES, *api_orders.ROUTES, *api_graphql.ROUTES])


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
    limits = sandbox.limits
    if rest == "graphql.json":
        if limits.graphql.take(token, GRAPHQL_MUTATION_COST):
            maximum, available, restore = limits.graphql_status(token)
            return graphql_throttled(GRAPHQL_MUTATION_COST, maximum, available, restore)
    else:
        if limits.rest.take(token):
            return rest_throttled(limits.rest_retry_after(), limits.rest_size)
        filled = max(1, limits.rest.level(token))
        headers["X-Shopify-Shop-Api-Call-Limit"] = f"{filled}/{limits.rest_size}"
    raw = await request.body() if request.method in ("POST", "PUT") else b""
    body = json_object(raw, lambda: ShopifyError(400, "Bad Request"))
    with sandbox.lock:
        query = request.query_params
        ctx = Ctx(
            request=request, query=query, body=body, sandbox=sandbox, shop=shop, params=params
        )
        reply = route.handler(ctx)
    return JSONBody(reply.body, status_code=reply.status, headers=headers | (reply.headers or {}))


class SandboxApp(KitApp):
    """Starlette for the control API; Shopify calls (/admin/...) skip its routing."""

    sandbox: ShopifySandbox
    platform = "shopify"
    refused = ShopifyError
    surface = ShopifyControl
    control_routes = control.ROUTES
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
