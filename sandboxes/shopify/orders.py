"""Order life in the Shopify sandbox beyond the kit's: fulfillment orders, fulfilments,
delivery, cancel and refund.

Functions over a `Shop`; the caller holds the sandbox lock, stamps `updated` and sends the
webhooks. Inventory follows Shopify's states for a tracked item (`state.RULES`): a checkout
lowers `available` at once, a fulfilment leaves it alone, a cancellation before shipping or
a refund puts the units back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from lapak.sandboxes.kit.orders import Order, OrderLine
from lapak.sandboxes.shopify.state import (
    Fulfillment,
    FulfillmentOrder,
    Ids,
    Refund,
    Shipping,
    Shop,
    Variant,
    fulfillment_status,
    shipping,
)
from lapak.sandboxes.shopify.wire import ShopifyError

SHIPPED = frozenset({"fulfilled", "partial"})


def opened(shop: Shop, order: Order, ids: Ids) -> None:
    """What Shopify adds to the kit's new order: its number, each line's inventory item and
    weight, and the one open fulfillment order at the shop's location that ships it."""
    now = order.created
    fo_lines = []
    for line in order.lines:
        variant = cast(Variant, _variant_of(shop, line))
        variant.level_updated = now
        line.fields = {"inventory_item_id": variant.inventory_item_id, "grams": variant.grams}
        fo_lines.append(
            {
                "id": next(ids["fulfillment_order_line"]),
                "line_item_id": int(line.id),
                "inventory_item_id": variant.inventory_item_id,
                "variant_id": variant.id,
                "quantity": line.quantity,
                "fulfillable_quantity": line.quantity,
            }
        )
    fo = FulfillmentOrder(
        next(ids["fulfillment_order"]), shop.location_id, "open", fo_lines, now, now
    )
    gateway = "bogus" if order.status == "paid" else "Cash on Delivery (COD)"
    order.fields["shopify"] = Shipping(shop.next_number, next(ids["customer"]), gateway, [fo])
    shop.next_number += 1


def _variant_of(shop: Shop, line: OrderLine) -> Variant | None:
    unit = shop.catalog.unit(line.listing_id, line.variant_id)
    return cast("Variant | None", unit.variant if unit is not None else None)


def _stamp_levels(shop: Shop, order: Order, now: int) -> None:
    """The restocked items' inventory levels changed now."""
    for line in order.lines:
        variant = _variant_of(shop, line)
        if variant is not None:
            variant.level_updated = now


def pay(shop: Shop, order: Order, now: int) -> bool:
    if order.cancelled_at is not None or order.status != "pending":
        return False
    return shop.book.change_status(order, "paid", now)


def cancel(shop: Shop, order: Order, now: int, reason: str = "customer") -> bool:
    """Cancel a not-yet-shipped order, restocking it; a paid one is refunded in full."""
    if order.cancelled_at is not None:
        return False
    if fulfillment_status(order) in SHIPPED:
        raise ValueError(f"order {order.id} has been fulfilled: cancel its fulfilments first")
    shop.book.change_status(order, "refunded" if order.status == "paid" else "voided", now)
    _stamp_levels(shop, order, now)
    order.cancelled_at = now
    order.cancel_reason = reason
    held = shipping(order)
    held.closed_at = now
    for fo in held.fulfillment_orders:
        fo.status = "closed"
        fo.updated_at = now
        for line in fo.lines:
            line["fulfillable_quantity"] = 0
    return True


def fulfill(
    order: Order,
    requests: Sequence[tuple[FulfillmentOrder, dict[int, int] | None]],
    *,
    tracking_number: str | None,
    tracking_company: str | None,
    now: int,
    ids: Ids,
) -> Fulfillment:
    """One fulfilment over fulfillment orders (None: all their remaining lines).

    Raises `ShopifyError` 422 for a fulfillment order that is not open/in progress, or a
    quantity beyond what is fulfillable (messages as Shopify writes them).
    """
    plans = []
    for fo, quantities in requests:
        if fo.status not in ("open", "in_progress"):
            raise ShopifyError(
                422, [f"Fulfillment order {fo.id} has an unfulfillable status= {fo.status}."]
            )
        by_id = {line["id"]: line for line in fo.lines}
        wanted = quantities or {i: line["fulfillable_quantity"] for i, line in by_id.items()}
        for line_id, quantity in wanted.items():
            line = by_id.get(line_id)
            if line is None or quantity < 0 or quantity > line["fulfillable_quantity"]:
                raise ShopifyError(422, ["Invalid fulfillment order line item quantity requested."])
        plans.append((fo, by_id, wanted))
    shipped: list[tuple[int, int]] = []
    for fo, by_id, wanted in plans:
        for line_id, quantity in wanted.items():
            if quantity:
                by_id[line_id]["fulfillable_quantity"] -= quantity
                shipped.append((by_id[line_id]["line_item_id"], quantity))
        left = sum(line["fulfillable_quantity"] for line in fo.lines)
        fo.status = "closed" if left == 0 else "in_progress"
        fo.updated_at = now
    location = requests[0][0].location_id
    made = Fulfillment(
        next(ids["fulfillment"]), location, tracking_number, tracking_company, shipped, now, now
    )
    shipping(order).fulfillments.append(made)
    if tracking_number:
        order.tracking_number, order.carrier = tracking_number, tracking_company or ""
    return made


def deliver(order: Order, now: int) -> bool:
    """The courier delivered every shipment; the order is archived (closed)."""
    if fulfillment_status(order) not in SHIPPED:
        raise ValueError(f"order {order.id} was not shipped: nothing to deliver")
    held = shipping(order)
    changed = False
    for fulfillment in held.fulfillments:
        if fulfillment.shipment_status != "delivered":
            fulfillment.shipment_status = "delivered"
            fulfillment.updated_at = now
            changed = True
    if held.closed_at is None:
        held.closed_at = now
        changed = True
    return changed


def refund_return(shop: Shop, order: Order, now: int, ids: Ids) -> Refund | None:
    """The buyer sent a shipped order back: a full refund that restocks every line."""
    if fulfillment_status(order) not in SHIPPED:
        raise ValueError(f"order {order.id} was not shipped: nothing to return")
    if order.status == "refunded":
        return None
    shop.book.change_status(order, "refunded", now)
    _stamp_levels(shop, order, now)
    lines = [(int(line.id), line.quantity) for line in order.lines]
    refund = Refund(next(ids["refund"]), lines, now)
    shipping(order).refunds.append(refund)
    return refund
