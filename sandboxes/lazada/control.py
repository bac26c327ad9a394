"""The sandbox control API under /_sandbox/ (ours, not Lazada's): JSON in and out, no sign.

The kit's routes (kit/control_api.py) over `LazadaControl` (stores by Lapak store name),
errors answered {"detail": ...} with 400 (bad body or a move the order cannot make), 404
(unknown store, SKU or order) or 409 (stock too short); Lazada's own: stock, token expiry
(how many died), auth codes and the images /image/migrate stored.
"""

from __future__ import annotations

from lapak.sandboxes.kit.control_api import (
    control_routes,
    store_auth_code,
    store_expired_count,
    store_stock,
)
from lapak.sandboxes.kit.images import image_response
from starlette.requests import Request
from starlette.responses import Response


async def image(request: Request) -> Response:
    """An image /image/migrate stored, at the URL it handed out."""
    sandbox = request.app.state.sandbox
    name = request.path_params["name"]
    with sandbox.lock:
        data = next(
            (v for k, v in sandbox.images.items() if k.endswith(f"/_sandbox/p/{name}")), None
        )
    return image_response(data)


ROUTES = control_routes(
    "stores",
    {
        "POST stock": store_stock,
        "POST expire_token": store_expired_count,
        "POST auth_code": store_auth_code,
        "GET /_sandbox/p/{name}": image,
    },
)
