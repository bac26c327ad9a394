"""The sandbox control API under /_sandbox/ (ours, not TikTok's): JSON in and out, no sign.

The kit's shared and store routes (kit/control_api.py, answering errors as its `guarded`
does) over `TikTokControl`, and TikTok's own: stock by SKU path, auth codes and the images
Upload Product Image stored.
"""

from __future__ import annotations

from lapak.sandboxes.kit.control_api import (
    route,
    shared_routes,
    store_expire_token,
    store_list,
    store_routes,
    store_stock,
)
from lapak.sandboxes.kit.images import image_response
from lapak.sandboxes.tiktok.images import image_kind
from starlette.requests import Request
from starlette.responses import JSONResponse, Response


def _store(request: Request) -> str:
    """The store the path names (an unknown one is the control's LookupError: 404)."""
    return str(request.path_params["store"])


async def auth_code(request: Request) -> Response:
    return JSONResponse({"auth_code": request.app.state.sandbox.issue_auth_code(_store(request))})


async def image(request: Request) -> Response:
    """An uploaded image, typed by TikTok's wider set of formats (WEBP, BMP, HEIC too)."""
    data = request.app.state.sandbox.images.get(request.path_params["uri"])
    if data is None:
        return image_response(None)
    return Response(data, media_type=f"image/{image_kind(data) or 'png'}")


STORE = "/_sandbox/stores/{store}"
ROUTES = [
    *shared_routes(),
    route("/_sandbox/stores", store_list, ["GET"]),
    *store_routes(STORE),
    route(f"{STORE}/listings/{{sku}}/stock", store_stock, ["POST"]),
    route(f"{STORE}/expire_token", store_expire_token, ["POST"]),
    route(f"{STORE}/auth_code", auth_code, ["POST"]),
    route("/_sandbox/images/{uri:path}", image, ["GET"]),
]
