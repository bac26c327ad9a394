"""Stock and price APIs of the sandbox: UpdateSellableQuantity and UpdatePriceQuantity.

Both take a payload of ≤ 50 SKUs (docs/MARKETPLACES.md#lazada-batches), each named by ItemId
+ SkuId or SellerSku, by SkuId, or by SellerSku. A batch applies every SKU it can and reports
the others in `detail` under E501 "Update product failed". UpdatePriceQuantity's `Quantity`
sets the total, which cannot go below the units orders hold (inventory-calculation-logic
guide); UpdateSellableQuantity sets what buyers can buy.
"""

from __future__ import annotations

from typing import Any

from lapak.sandboxes.lazada.api_products import count, price
from lapak.sandboxes.lazada.context import Ctx, Route, route
from lapak.sandboxes.lazada.state import WAREHOUSE, Seller, Sku
from lapak.sandboxes.lazada.wire import LazadaError, as_dict, as_list, payload, text

BATCH_MAX = 50  # UpdatePriceQuantity / UpdateSellableQuantity


def update_sellable(ctx: Ctx) -> dict[str, Any]:
    rows = _sku_rows(ctx, "204", "E204: Too many SKU in one request")
    detail: list[dict[str, Any]] = []
    for raw, sku in _resolved(ctx.seller, rows, detail):
        quantity = count(_sellable_in(raw), default=None)
        if quantity is None:
            detail.append(_detail(raw, sku, "SellableQuantity", "SELLABLE_QUANTITY_INVALID"))
            continue
        sku.stock = quantity
    return _batch_outcome(detail)


def _sellable_in(raw: dict[str, Any]) -> Any:
    if "SellableQuantity" in raw:
        return raw["SellableQuantity"]
    warehouses = as_list(
        as_dict(raw.get("MultiWarehouseInventories")).get("MultiWarehouseInventory")
    )
    return next(
        (
            as_dict(w).get("SellableQuantity")
            for w in warehouses
            if text(as_dict(w).get("WarehouseCode")) == WAREHOUSE
        ),
        None,
    )


def update_price_quantity(ctx: Ctx) -> dict[str, Any]:
    rows = _sku_rows(
        ctx,
        "4171",
        "The updated SKU quantity exceeds the maximum number 50, please do not update more "
        "than 50 SKUs at once",
    )
    detail: list[dict[str, Any]] = []
    for raw, sku in _resolved(ctx.seller, rows, detail):
        if text(raw.get("Price")).strip():
            amount = price(raw.get("Price"))
            if amount is None:
                detail.append(_detail(raw, sku, "Price", "BIZ_CHECK_PRICE_IS_ZERO"))
                continue
            if isinstance(amount, str):
                detail.append(_detail(raw, sku, "Price", "BIZ_CHECK_PRICE_PRECISION_INVALID"))
                continue
        else:
            amount = None
        quantity = None
        if text(raw.get("Quantity")).strip():
            quantity = count(raw.get("Quantity"), default=None)
            if quantity is None or quantity < sku.withhold + sku.occupy:
                message = "The inventory cannot be less than WithholdQuantity+OccupyQuantity"
                detail.append(_detail(raw, sku, "Quantity", message))
                continue
        if amount is not None:
            sku.price = amount
        if quantity is not None:
            sku.stock = quantity - sku.withhold - sku.occupy
    return _batch_outcome(detail)


def _sku_rows(ctx: Ctx, code: str, message: str) -> list[dict[str, Any]]:
    request = payload(ctx.params)
    rows = [
        as_dict(s) for s in as_list(as_dict(as_dict(request.get("Product")).get("Skus")).get("Sku"))
    ]
    if not rows:
        raise LazadaError("30", "E030: Empty Request")
    if len(rows) > BATCH_MAX:
        raise LazadaError(code, message)
    keys = [(text(r.get("ItemId")), text(r.get("SkuId")), text(r.get("SellerSku"))) for r in rows]
    if len(set(keys)) < len(keys):
        raise LazadaError("4105", "BIZ_CHECK_SELLER_SKU_DUPLICATE: SellerSku repeat")
    return rows


def _resolved(
    seller: Seller, rows: list[dict[str, Any]], detail: list[dict[str, Any]]
) -> list[tuple[dict[str, Any], Sku]]:
    """Each row with the SKU it names (ItemId + SkuId or SellerSku, SkuId, or SellerSku);
    a row naming none, or contradicting itself, goes to `detail`."""
    found = []
    for raw in rows:
        sku = _sku_named(seller, raw)
        if sku is None:
            detail.append(_detail(raw, None, "SellerSku", "SELLER_SKU_INVALID"))
        else:
            found.append((raw, sku))
    return found


def _sku_named(seller: Seller, raw: dict[str, Any]) -> Sku | None:
    item_id, sku_id = text(raw.get("ItemId")).strip(), text(raw.get("SkuId")).strip()
    seller_sku = text(raw.get("SellerSku")).strip()
    if item_id:
        product = seller.products.get(int(item_id)) if item_id.isdigit() else None
        candidates = [product] if product is not None and not product.deleted else []
    else:
        candidates = seller.live_products()
    for product in candidates:
        if sku_id:
            sku = product.skus.get(int(sku_id)) if sku_id.isdigit() else None
        elif seller_sku:
            sku = product.sku_by_seller_sku(seller_sku)
        else:
            sku = None
        if sku is not None and (not seller_sku or sku.sku == seller_sku):
            return sku
    return None


def _detail(raw: dict[str, Any], sku: Sku | None, field: str, message: str) -> dict[str, Any]:
    seller_sku = text(raw.get("SellerSku")).strip() or (sku.sku if sku else "")
    entry: dict[str, Any] = {"field": field, "message": message}
    if seller_sku:
        entry["seller_sku"] = seller_sku
    return entry


def _batch_outcome(detail: list[dict[str, Any]]) -> dict[str, Any]:
    if detail:
        raise LazadaError("501", "E501: Update product failed", detail=detail)
    return {}


ROUTES: dict[str, Route] = {
    "/product/stock/sellable/update": route("GET/POST", update_sellable),
    "/product/price_quantity/update": route("POST", update_price_quantity),
}
