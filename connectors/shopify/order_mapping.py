"""Pure transforms of Shopify orders and webhooks into `sync.types` (no I/O).

A Shopify order has no single status: Lapak's is read from `cancelled_at`,
`financial_status` (pending, authorized, partially_paid, paid, partially_refunded,
refunded, voided), `fulfillment_status` (null, partial, fulfilled; legacy "restocked"),
the fulfilments' `shipment_status` and `closed_at`:

    shipped (fulfilled/partial) and fully refunded   RETURNED
    cancelled, or refunded before shipping           CANCELLED
    fulfilled and delivered, or fulfilled and closed COMPLETED
    fulfilled                                        SHIPPED
    paid, authorized, partially paid or refunded     READY_TO_SHIP (a partial shipment too:
                                                     lines are still to send)
    pending, voided, or anything unknown             UNPAID (conservative: the units stay
                                                     reserved, nothing is released)

A shop that archives orders on fulfilment ("automatically archive the order") closes them
at once, so its fulfilled orders read COMPLETED straight away. A partial refund after
shipping stays SHIPPED/COMPLETED: not every unit came back. Cash on delivery orders are
"pending" until the courier pays, so they read UNPAID (Lapak ships paid orders only).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import structlog
from lapak.connectors.intake import checked_webhook, read_order
from lapak.connectors.json_body import load_json
from lapak.connectors.shopify import wire
from lapak.sync.protocol import PermanentError
from lapak.sync.types import OrderStatus, RemoteOrder, RemoteOrderLine, WebhookEvent

log = structlog.get_logger(__name__)

PAID = frozenset({"paid", "partially_paid", "authorized", "partially_refunded"})
UNPAID = frozenset({"pending", "voided"})
SHIPPED = frozenset({"fulfilled", "partial"})
PII_FIELDS = frozenset(
    {
        "email",
        "contact_email",
        "phone",
        "customer",
        "billing_address",
        "shipping_address",
        "browser_ip",
        "client_details",
        "note",
        "note_attributes",
        "landing_site",
        "referring_site",
        "customer_locale",
    }
)


def order_status(order: wire.Order) -> OrderStatus:
    financial = (order.financial_status or "").lower()
    fulfillment = (order.fulfillment_status or "").lower()
    shipped = fulfillment in SHIPPED
    if shipped and financial == "refunded":
        return OrderStatus.RETURNED
    if order.cancelled_at is not None or financial == "refunded":
        return OrderStatus.CANCELLED
    if fulfillment == "fulfilled":
        delivered = any(f.shipment_status == "delivered" for f in order.fulfillments)
        if delivered or order.closed_at is not None:
            return OrderStatus.COMPLETED
        return OrderStatus.SHIPPED
    if financial in PAID:
        return OrderStatus.READY_TO_SHIP
    if financial not in UNPAID:
        log.warning("shopify_unknown_financial_status", order=order.id, status=financial)
    return OrderStatus.UNPAID


def utc(moment: datetime) -> datetime:
    """`moment` in UTC; one that falls beyond year 9999 there is a `PermanentError`."""
    try:
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except OverflowError:
        raise PermanentError(f"time {moment.isoformat()} is out of range") from None


def order_lines(items: Sequence[wire.LineItem]) -> tuple[RemoteOrderLine, ...]:
    """One line per line item, keyed by Shopify's line item id (unique in the order)."""
    return tuple(
        RemoteOrderLine(
            line_key=str(item.id),
            sku=item.sku,
            quantity=item.quantity,
            unit_price=item.price,
            name=f"{item.title} - {item.variant_title}" if item.variant_title else item.title,
        )
        for item in items
    )


def buyer_name(order: wire.Order) -> str:
    if order.customer is not None:
        name = " ".join(p for p in (order.customer.first_name, order.customer.last_name) if p)
        if name:
            return name
    address = order.shipping_address or order.billing_address
    return (address.name or "") if address else ""


def parse_order(raw: Any) -> RemoteOrder:
    """One order of orders.json; a malformed or unstorable one is a `PermanentError`
    carrying `raw`."""
    return read_order(raw, "shopify order", lambda r: remote_order(wire.Order.model_validate(r), r))


def remote_order(order: wire.Order, raw: Mapping[str, Any]) -> RemoteOrder:
    address = order.shipping_address or order.billing_address
    city = (address.city or "") if address else ""
    kept = {key: value for key, value in raw.items() if key not in PII_FIELDS}
    kept["shipping_address"] = {"city": city}  # no PII beyond the city
    return RemoteOrder(
        external_id=str(order.id),
        status=order_status(order),
        created_at=utc(order.created_at),
        updated_at=utc(order.updated_at),
        lines=order_lines(order.line_items),
        total=order.total_price,
        currency=order.currency,
        buyer_name=buyer_name(order),
        buyer_city=city,
        raw=kept,
    )


# --- webhooks ----------------------------------------------------------------------------------


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    if not headers:
        return None
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def _sent_at(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return utc(datetime.fromisoformat(value.strip()))
    except (ValueError, PermanentError):
        return None


@checked_webhook
def webhook_event(body: bytes, headers: Mapping[str, str] | None = None) -> WebhookEvent:
    """A verified webhook as a `WebhookEvent`.

    The topic comes from `X-Shopify-Topic` when the headers are at hand; a stored body
    alone tells an order (orders/* topics) from a resource naming its order
    (refunds/create, fulfillments/*), and is reported as "orders" or "order_child".
    `delivery_id` is `X-Shopify-Webhook-Id` (repeated by a retried delivery); `sent_at`
    is `X-Shopify-Triggered-At`.
    """
    payload = load_json(body, "shopify webhook")
    if not isinstance(payload, dict):
        raise PermanentError("shopify webhook: body is not a JSON object")
    parsed = wire.validate_webhook(wire.WebhookBody, payload)
    topic = _header(headers, "X-Shopify-Topic")
    is_order = parsed.line_items is not None or parsed.financial_status is not None
    if is_order and parsed.id is not None and (topic is None or topic.startswith("orders/")):
        order_ids: tuple[str, ...] = (str(parsed.id),)
        topic = topic or "orders"
    elif parsed.order_id is not None:
        order_ids = (str(parsed.order_id),)
        topic = topic or "order_child"
    else:
        order_ids = ()
        topic = topic or "unknown"
    return WebhookEvent(
        topic=topic,
        order_ids=order_ids,
        delivery_id=_header(headers, "X-Shopify-Webhook-Id"),
        sent_at=_sent_at(_header(headers, "X-Shopify-Triggered-At")),
        raw={key: value for key, value in payload.items() if key not in PII_FIELDS},
    )
