"""The sandbox control API under /_sandbox/ (ours, not Shopify's): the kit's routes
(kit/control_api.py) with shops named as in Lapak's config, and Shopify's own: an install
code and an uninstall."""

from __future__ import annotations

from lapak.sandboxes.kit.control_api import control_routes, store_auth_code, store_stock
from starlette.requests import Request
from starlette.responses import JSONResponse, Response


async def revoke(request: Request) -> Response:
    request.app.state.sandbox.revoke_token(request.path_params["store"])
    return JSONResponse({"revoked": True})


ROUTES = control_routes(
    "shops", {"POST stock": store_stock, "POST auth_code": store_auth_code, "POST revoke": revoke}
)
