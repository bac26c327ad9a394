"""The sandbox control API under /_sandbox/ (ours, not Tokopedia's): JSON in and out, no auth.

Bodies are validated with pydantic; errors answer {"detail": ...} with 400 (bad body),
404 (unknown shop/product/order) or 409 (stock too short for an order).
"""

from __future__ import annotations

from typing import Any

from lapak.sandboxes.kit.control_api import (
    Body,
    NewListing,
    NewOrder,
    WebhookUrl,
    read_body,
    route,
    shared_routes,
)
from lapak.sandboxes.kit.orders import Order
from lapak.sandboxes.tokopedia.state import ACTIVE, Product
from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response


class StockEdit(Body):
    stock: int = Field(ge=0)


class StatusChange(Body):
    status: int


def _sandbox(request: Request) -> Any:
    return request.app.state.sandbox


def _shop_id(request: Request) -> int:
    return _sandbox(request).store(request.path_params["shop_id"]).shop_id


def _product_json(product: Product) -> dict[str, Any]:
    return {
        "product_id": product.product_id,
        "parent_id": product.parent_id,
        "children": list(product.children),
        "sku": product.sku,
        "name": product.name,
        "price": product.price,
        "stock": product.stock,
        "status": ACTIVE,
    }


def _order_json(order: Order) -> dict[str, Any]:
    return {
        "order_id": order.id,
        "invoice": order.fields["invoice"],
        "status": order.status,
        "awb": order.tracking_number,
        "create_time": order.created,
        "update_time": order.updated,
        "lines": [{"sku": x.sku, "quantity": x.quantity, "price": x.price} for x in order.lines],
    }


async def shops(request: Request) -> Response:
    sandbox = _sandbox(request)
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


async def products(request: Request) -> Response:
    return JSONResponse([_product_json(p) for p in _sandbox(request).products(_shop_id(request))])


async def create_product(request: Request) -> Response:
    body = await read_body(request, NewListing)
    product_id = _sandbox(request).add_listing(
        _shop_id(request),
        sku=body.sku,
        name=body.name,
        price=body.price,
        stock=body.stock,
        variants=body.variant_rows(),
    )
    return JSONResponse({"product_id": product_id}, status_code=201)


async def edit_stock(request: Request) -> Response:
    body = await read_body(request, StockEdit)
    sandbox, product_id = _sandbox(request), int(request.path_params["product_id"])
    with sandbox.lock:
        product = sandbox.store(_shop_id(request)).product(product_id)
        if product is None or not product.sellable:
            raise LookupError(f"no sellable product {product_id}")
        product.stock = body.stock
        product.touch(sandbox.clock.now_s())
    return JSONResponse({"product_id": product_id, "stock": body.stock})


async def orders(request: Request) -> Response:
    sandbox = _sandbox(request)
    with sandbox.lock:
        rows = [_order_json(o) for o in sandbox.store(_shop_id(request)).orders.values()]
    return JSONResponse(rows)


async def place_order(request: Request) -> Response:
    body = await read_body(request, NewOrder)
    lines = body.line_pairs()
    order_id = _sandbox(request).place_order(_shop_id(request), lines, paid=body.paid)
    return JSONResponse({"order_id": order_id}, status_code=201)


async def order_status(request: Request) -> Response:
    body = await read_body(request, StatusChange)
    sandbox, shop_id = _sandbox(request), _shop_id(request)
    with sandbox.lock:
        shop = sandbox.store(shop_id)
        order = sandbox.order_in(shop, int(request.path_params["order_id"]))
        sandbox.change_status_in(shop, order, body.status, by="control")
        return JSONResponse(_order_json(order))


async def webhook(request: Request) -> Response:
    body = await read_body(request, WebhookUrl)
    _sandbox(request).set_push_url(_shop_id(request), body.url)
    return JSONResponse({"url": body.url})


async def expire_token(request: Request) -> Response:
    return JSONResponse({"expired": _sandbox(request).expire_token(_shop_id(request))})


ROUTES = [
    *shared_routes(),
    route("/_sandbox/shops", shops, ["GET"]),
    route("/_sandbox/shops/{shop_id}/products", products, ["GET"]),
    route("/_sandbox/shops/{shop_id}/products", create_product, ["POST"]),
    route("/_sandbox/shops/{shop_id}/products/{product_id}/stock", edit_stock, ["POST"]),
    route("/_sandbox/shops/{shop_id}/orders", orders, ["GET"]),
    route("/_sandbox/shops/{shop_id}/orders", place_order, ["POST"]),
    route("/_sandbox/shops/{shop_id}/orders/{order_id}/status", order_status, ["POST"]),
    route("/_sandbox/shops/{shop_id}/webhook", webhook, ["POST"]),
    route("/_sandbox/shops/{shop_id}/expire_token", expire_token, ["POST"]),
]
