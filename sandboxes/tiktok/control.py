"""The sandbox control API under /_sandbox/ (ours, not TikTok's): JSON in and out, no sign.

The kit's routes (kit/control_api.py, answering errors as its `guarded` does) over
`TikTokControl`, and TikTok's own: stock by SKU path, token expiry, auth codes and the
images Upload Product Image stored.
"""

from __future__ import annotations

from lapak.sandboxes.kit.control_api import control_routes, store_expire_token, store_stock
from lapak.sandboxes.kit.images import image_response
from lapak.sandboxes.tiktok.images import image_kind
from starlette.requests import Request
from starlette.responses import JSONResponse, Response


async def auth_code(request: Request) -> Response:
    store = str(request.path_params["store"])
    return JSONResponse({"auth_code": request.app.state.sandbox.issue_auth_code(store)})


async def image(request: Request) -> Response:
    """An uploaded image, typed by TikTok's wider set of formats (WEBP, BMP, HEIC too)."""
    data = request.app.state.sandbox.images.get(request.path_params["uri"])
    if data is None:
        return image_response(None)
    return Response(data, media_type=f"image/{image_kind(data) or 'png'}")


ROUTES = control_routes(
    "stores",
    {
        "POST listings/{sku}/stock": store_stock,
        "POST expire_token": store_expire_token,
        "POST auth_code": auth_code,
        "GET /_sandbox/images/{uri:path}": image,
    },
)
