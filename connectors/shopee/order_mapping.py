"""Pure transforms of Shopee v2 orders and pushes into `sync.types` (no I/O).

Shopee's order statuses map onto Lapak's status machine; an order line is keyed by
Shopee's order item id and model id; an order-status push names the order to fetch again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lapak.connectors.intake import checked_webhook, numbered, read_order
from lapak.connectors.json_body import load_json
from lapak.connectors.shopee import wire
from lapak.connectors.shopee.mapping import timestamp_to_datetime
from lapak.sync.protocol import OtherShopError, PermanentError
from lapak.sync.types import OrderStatus, RemoteOrder, RemoteOrderLine, WebhookEvent

ORDER_STATUS_PUSH = 3

ORDER_STATUS: dict[str, OrderStatus] = {
    status: lapak
    for lapak, statuses in (
        (OrderStatus.UNPAID, ("UNPAID", "INVOICE_PENDING")),
        (OrderStatus.READY_TO_SHIP, ("READY_TO_SHIP", "RETRY_SHIP", "IN_CANCEL")),
        (OrderStatus.SHIPPED, ("PROCESSED", "SHIPPED", "TO_CONFIRM_RECEIVE")),
        (OrderStatus.COMPLETED, ("COMPLETED",)),
        (OrderStatus.RETURNED, ("TO_RETURN",)),
        (OrderStatus.CANCELLED, ("CANCELLED",)),
    )
    for status in statuses
}
"""RETRY_SHIP, TO_CONFIRM_RECEIVE and TO_RETURN are not in the get_order_list enum of the
doc pages (UNCONFIRMED); they are mapped in case Shopee sends them."""


# --- orders --------------------------------------------------------------------------------


def order_status(status: str, order_sn: str) -> OrderStatus:
    try:
        return ORDER_STATUS[status]
    except KeyError:
        raise PermanentError(f"order {order_sn}: unknown shopee status {status!r}") from None


def parse_order(raw: Any) -> RemoteOrder:
    """One order of get_order_detail's `order_list`; a malformed or unstorable one is a
    `PermanentError` carrying `raw`."""
    return read_order(raw, "shopee order", lambda r: remote_order(wire.Order.model_validate(r)))


def remote_order(order: wire.Order) -> RemoteOrder:
    city = order.recipient_address.city if order.recipient_address else ""
    raw = order.model_dump(mode="json", exclude={"recipient_address"})
    raw["recipient_address"] = {"city": city}  # no PII beyond the city
    return RemoteOrder(
        external_id=order.order_sn,
        status=order_status(order.order_status, order.order_sn),
        created_at=timestamp_to_datetime(order.create_time),
        updated_at=timestamp_to_datetime(order.update_time),
        lines=order_lines(order.item_list),
        total=order.total_amount,
        currency=order.currency,
        buyer_name=order.buyer_username,
        buyer_city=city,
        ship_by=timestamp_to_datetime(order.ship_by_date) if order.ship_by_date else None,
        raw=raw,
    )


def line_key(item: wire.OrderItem) -> str:
    return f"{item.order_item_id or item.item_id}:{item.model_id}"


def order_lines(items: Sequence[wire.OrderItem]) -> tuple[RemoteOrderLine, ...]:
    """Lines with keys unique within the order (a repeated key gets "#2", "#3", …)."""
    lines = []
    for key, item in zip(numbered(line_key(item) for item in items), items, strict=True):
        price = item.model_discounted_price or item.model_original_price
        name = f"{item.item_name} - {item.model_name}" if item.model_name else item.item_name
        lines.append(
            RemoteOrderLine(
                line_key=key,
                sku=item.model_sku or item.item_sku,
                quantity=item.model_quantity_purchased,
                unit_price=price,
                name=name,
            )
        )
    return tuple(lines)


# --- push ----------------------------------------------------------------------------------


@checked_webhook
def webhook_event(body: bytes, shop_id: int) -> WebhookEvent:
    """A verified push body as a `WebhookEvent` (code 3 → "order_status").

    `sent_at` is the body's `timestamp` (unix seconds; Shopee's push guide: when the push was
    sent), covered by the signature. A push carries no delivery id: a retried push repeats
    its bytes, so Lapak tells a replay by a digest of the body (`sync.webhooks`).
    """
    payload = load_json(body, "shopee push")
    push = wire.validate_push(wire.Push, payload)
    shop = str(push.shop_id)
    if push.shop_id != shop_id:
        message = f"shopee push for shop {push.shop_id}, not shop {shop_id}"
        raise OtherShopError(message, shop=shop)
    sent_at = timestamp_to_datetime(push.timestamp) if push.timestamp > 0 else None
    if push.code == ORDER_STATUS_PUSH:
        data = wire.validate_push(wire.OrderStatusPush, push.data)
        return WebhookEvent(
            topic="order_status",
            order_ids=(data.ordersn,),
            sent_at=sent_at,
            shop=shop,
            raw=payload,
        )
    return WebhookEvent(topic=f"code_{push.code}", sent_at=sent_at, shop=shop, raw=payload)
