"""The sandbox control API under /_sandbox/ (ours, not Shopify's): the kit's shared and
store endpoints (kit/control_api.py) with shops named as in Lapak's config, and Shopify's
own: an install code and an uninstall."""

from __future__ import annotations

from lapak.sandboxes.kit.control_api import (
    route,
    shared_routes,
    store_list,
    store_routes,
    store_stock,
)
from starlette.requests import Request
from starlette.responses import JSONResponse, Response


async def auth_code(request: Request) -> Response:
    store = request.path_params["store"]
    return JSONResponse({"code": request.app.state.sandbox.issue_auth_code(store)})


async def revoke(request: Request) -> Response:
    request.app.state.sandbox.revoke_token(request.path_params["store"])
    return JSONResponse({"revoked": True})


SHOP = "/_sandbox/shops/{store}"
ROUTES = [
    *shared_routes(),
    route("/_sandbox/shops", store_list, ["GET"]),
    *store_routes(SHOP),
    route(f"{SHOP}/stock", store_stock, ["POST"]),
    route(f"{SHOP}/auth_code", auth_code, ["POST"]),
    route(f"{SHOP}/revoke", revoke, ["POST"]),
]
