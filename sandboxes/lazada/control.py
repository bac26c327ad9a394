"""The sandbox control API under /_sandbox/ (ours, not Lazada's): JSON in and out, no sign.

A thin HTTP face of `LazadaControl` (stores by Lapak store name). Bodies are validated with
pydantic; errors answer {"detail": ...} with 400 (bad body or a move the order cannot
make), 404 (unknown store, SKU or order) or 409 (stock too short). Also serves the images
/image/migrate stored.
"""

from __future__ import annotations

from lapak.sandboxes.kit.control_api import (
    route,
    shared_routes,
    store_list,
    store_routes,
    store_stock,
)
from lapak.sandboxes.kit.images import image_response
from lapak.sandboxes.lazada.surface import LazadaControl
from starlette.requests import Request
from starlette.responses import JSONResponse, Response


def _control(request: Request) -> LazadaControl:
    return request.app.state.control


def _store(request: Request) -> str:
    return request.path_params["store"]


async def expire_token(request: Request) -> Response:
    """The count of access tokens that died (the kit's answers True)."""
    return JSONResponse({"expired": _control(request).sandbox.expire_token(_store(request))})


async def auth_code(request: Request) -> Response:
    return JSONResponse({"code": _control(request).sandbox.issue_auth_code(_store(request))})


async def image(request: Request) -> Response:
    """An image /image/migrate stored, at the URL it handed out."""
    sandbox = _control(request).sandbox
    name = request.path_params["name"]
    with sandbox.lock:
        data = next(
            (v for k, v in sandbox.images.items() if k.endswith(f"/_sandbox/p/{name}")), None
        )
    return image_response(data)


STORE = "/_sandbox/stores/{store}"
ROUTES = [
    *shared_routes(),
    route("/_sandbox/stores", store_list, ["GET"]),
    *store_routes(STORE),
    route(f"{STORE}/stock", store_stock, ["POST"]),
    route(f"{STORE}/expire_token", expire_token, ["POST"]),
    route(f"{STORE}/auth_code", auth_code, ["POST"]),
    route("/_sandbox/p/{name}", image, ["GET"]),
]
