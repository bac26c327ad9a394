"""The sandbox control API under /_sandbox/ (ours, not Tokopedia's): JSON in and out, no
auth, stores named as in Lapak and driven through `SandboxControl` (`app.state.control`).

The kit's routes (kit/control_api.py): errors answer {"detail": ...} with 400 (bad body),
404 (unknown store, SKU or order) or 409 (stock too short for an order). Tokopedia's own:
its store list (with its ids and webhook URLs) and stock by SKU in the body.
"""

from __future__ import annotations

from lapak.sandboxes.kit.control_api import (
    Body,
    control_routes,
    read_body,
    store_expire_token,
)
from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response


class StockEdit(Body):
    sku: str
    stock: int = Field(ge=0)


async def stores(request: Request) -> Response:
    """Every store with its Tokopedia ids, webhook URLs and how much it holds."""
    sandbox = request.app.state.sandbox
    with sandbox.lock:
        rows = [
            {
                "name": s.name,
                "shop_id": s.shop_id,
                "fs_id": s.fs_id,
                "webhooks": dict(sandbox.apps[s.fs_id].urls),
                "products": len(s.products()),
                "orders": len(s.orders),
            }
            for s in sandbox.stores.values()
        ]
    return JSONResponse(rows)


async def stock(request: Request) -> Response:
    body = await read_body(request, StockEdit)
    request.app.state.control.set_stock(request.path_params["store"], body.sku, body.stock)
    return JSONResponse({"sku": body.sku, "stock": body.stock})


ROUTES = control_routes(
    "stores",
    {"GET /_sandbox/stores": stores, "POST stock": stock, "POST expire_token": store_expire_token},
)
