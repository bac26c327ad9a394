"""Pure transforms of TikTok Shop 202309 orders and pushes into `sync.types` (no I/O).

Statuses (get-order-list.spec.json) map onto Lapak's status machine. A return is not an
order status on TikTok: it is a separate record of the Return & Refund API
(search-returns.spec.json), so the connector asks for the returns of shipped orders and
`order_status` takes the answer as `returned`.

Line items: TikTok lists one line item per unit (the 202309 line item has no quantity), so
the units of one SKU are folded into one line keyed "{product_id}:{sku_id}".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import structlog
from lapak.connectors.intake import checked_webhook, numbered, read_order
from lapak.connectors.json_body import load_json
from lapak.connectors.tiktok import wire
from lapak.sync.types import OrderStatus, RemoteOrder, RemoteOrderLine, WebhookEvent

log = structlog.get_logger(__name__)

ORDER_STATUS: dict[str, OrderStatus] = {
    status: lapak
    for lapak, statuses in (
        (OrderStatus.UNPAID, ("UNPAID",)),
        (OrderStatus.READY_TO_SHIP, ("ON_HOLD", "AWAITING_SHIPMENT")),
        (OrderStatus.SHIPPED, ("PARTIALLY_SHIPPING", "AWAITING_COLLECTION", "IN_TRANSIT")),
        (OrderStatus.COMPLETED, ("DELIVERED", "COMPLETED")),
        (OrderStatus.CANCELLED, ("CANCELLED", "CANCEL")),
    )
    for status in statuses
}
"""ON_HOLD: paid, the buyer may still cancel; its stock is reserved like any paid order's.
"CANCEL" is how the order-status-change push spells CANCELLED."""

SHIPPED_STATUSES = frozenset(
    s for s, lapak in ORDER_STATUS.items() if lapak in (OrderStatus.SHIPPED, OrderStatus.COMPLETED)
)
RETURNED_STATUSES = frozenset(
    {"RETURN_OR_REFUND_REQUEST_SUCCESS", "RETURN_OR_REFUND_REQUEST_COMPLETE"}
)
"""A return that gave the goods back: approved after the seller received them, or done."""
RETURN_TYPES_WITH_GOODS = frozenset({"RETURN_AND_REFUND"})
"""A REFUND-only request leaves the goods with the buyer; a REPLACEMENT makes a new order."""

ORDER_STATUS_PUSH = 1
CANCELLATION_PUSH = 11
RETURN_PUSH = 12


def order_status(status: str, order_id: str, *, returned: bool = False) -> OrderStatus:
    """Lapak's status of a TikTok order. An unknown status maps to UNPAID: it keeps the
    stock reserved, asks nobody to ship, and Lapak's statuses never move backwards."""
    lapak = ORDER_STATUS.get(status)
    if lapak is None:
        log.warning("tiktok_unknown_order_status", order=order_id, status=status)
        return OrderStatus.UNPAID
    if returned and status in SHIPPED_STATUSES:
        return OrderStatus.RETURNED
    return lapak


def returned_orders(returns: Sequence[wire.ReturnOrder]) -> set[str]:
    """Order ids with a return that brought the goods back."""
    return {
        r.order_id
        for r in returns
        if r.return_status in RETURNED_STATUSES and r.return_type in RETURN_TYPES_WITH_GOODS
    }


def timestamp(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def buyer_city(address: wire.RecipientAddress | None) -> str:
    """The city (or regency) of the recipient, from `district_info`. Which level names
    Indonesian addresses use is UNCONFIRMED: "City"/"Regency", else level L2."""
    if address is None:
        return ""
    for district in address.district_info:
        if district.address_level_name.lower() in ("city", "regency", "kota", "kabupaten"):
            return district.address_name
    return next((d.address_name for d in address.district_info if d.address_level == "L2"), "")


def parse_order(raw: Any, *, returned: bool = False) -> RemoteOrder:
    """One order of Get Order Detail; a malformed or unstorable one is a `PermanentError`
    carrying `raw`."""
    return read_order(
        raw, "tiktok order", lambda r: remote_order(wire.Order.model_validate(r), returned=returned)
    )


def remote_order(order: wire.Order, *, returned: bool = False) -> RemoteOrder:
    city = buyer_city(order.recipient_address)
    raw = order.model_dump(mode="json", exclude={"recipient_address", "buyer_email"})
    raw["recipient_address"] = {"city": city}  # no PII beyond the city
    name = order.recipient_address.name if order.recipient_address else ""
    return RemoteOrder(
        external_id=order.id,
        status=order_status(order.status, order.id, returned=returned),
        created_at=timestamp(order.create_time),
        updated_at=timestamp(max(order.update_time, order.create_time)),
        lines=order_lines(order.line_items),
        total=order.payment.total_amount,
        currency=order.payment.currency,
        buyer_name=name,
        buyer_city=city,
        ship_by=timestamp(order.rts_sla_time) if order.rts_sla_time else None,
        raw=raw,
    )


def order_lines(items: Sequence[wire.LineItem]) -> tuple[RemoteOrderLine, ...]:
    """One line per (product, SKU, unit price): its units counted as the quantity."""
    folded: dict[tuple[str, Decimal], list[wire.LineItem]] = {}
    for item in items:
        key = f"{item.product_id}:{item.sku_id or item.seller_sku}"
        folded.setdefault((key, item.sale_price), []).append(item)
    keys = numbered(key for key, _ in folded)
    lines = []
    for line_key, ((_, price), units) in zip(keys, folded.items(), strict=True):
        first = units[0]
        name = f"{first.product_name} - {first.sku_name}" if first.sku_name else first.product_name
        lines.append(
            RemoteOrderLine(
                line_key=line_key,
                sku=first.seller_sku,
                quantity=len(units),
                unit_price=price,
                name=name,
            )
        )
    return tuple(lines)


# --- push ----------------------------------------------------------------------------------


@checked_webhook
def webhook_event(body: bytes) -> WebhookEvent:
    """A verified push body as a `WebhookEvent`.

    Type 1 (order status change) → "order_status", 11 (cancellation status change) →
    "cancellation", 12 (return status change) → "return"; any other type keeps its number
    ("type_6" for a seller deauthorization). `delivery_id` is `tts_notification_id`,
    `sent_at` the push's `timestamp`, `shop` its `shop_id` (the connector knows its shop
    by cipher only, so it refuses no push by shop: an app-level URL routes them).
    """
    payload = load_json(body, "tiktok push")
    push = wire.validate_push(wire.Push, payload)
    order_id = push.data.get("order_id")
    order_ids = (str(order_id),) if order_id else ()
    topic = {
        ORDER_STATUS_PUSH: "order_status",
        CANCELLATION_PUSH: "cancellation",
        RETURN_PUSH: "return",
    }.get(push.type, f"type_{push.type}")
    return WebhookEvent(
        topic=topic,
        order_ids=order_ids,
        delivery_id=push.tts_notification_id or None,
        sent_at=timestamp(push.timestamp) if push.timestamp else None,
        shop=push.shop_id or None,
        raw=payload,
    )
