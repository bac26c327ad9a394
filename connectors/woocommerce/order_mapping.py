"""Pure transforms of WooCommerce orders and webhook deliveries into `sync.types` (no I/O).

Order statuses (WooCommerce core: pending, processing, on-hold, completed, cancelled,
refunded, failed, plus trash and checkout-draft) map onto Lapak's status machine:

    pending, checkout-draft        UNPAID         no payment yet
    processing, on-hold            READY_TO_SHIP  on-hold: awaiting a bank transfer's check
    completed                      SHIPPED        WooCommerce's "completed" means fulfilled
    delivered                      COMPLETED      custom status of Advanced Shipment Tracking /
                                                  TrackShip (`wc-delivered`); core WooCommerce
                                                  has no "delivered" (UNCONFIRMED slug)
    shipped                        SHIPPED        same plugins' `wc-shipped` (UNCONFIRMED)
    cancelled, failed, trash       CANCELLED
    refunded                       RETURNED after it was completed, else CANCELLED

Any other (plugin-made) status is mapped conservatively, never to a state that releases
stock: READY_TO_SHIP when the order was paid, else UNPAID (`UNKNOWN_STATUS` logs it).

Shipment tracking lives in order meta. Lapak writes `_wc_shipment_tracking_items`, the list
the official WooCommerce Shipment Tracking extension and Advanced Shipment Tracking both
read (entries {tracking_provider, custom_tracking_provider, custom_tracking_link,
tracking_number, date_shipped, tracking_id}; format as those plugins' public code uses it).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import structlog
from lapak.connectors.intake import checked_webhook, read_order
from lapak.connectors.json_body import load_json
from lapak.connectors.kit.paging import time_windows
from lapak.connectors.woocommerce import wire
from lapak.sync.protocol import PermanentError
from lapak.sync.types import OrderStatus, RemoteOrder, RemoteOrderLine, WebhookEvent

log = structlog.get_logger(__name__)

TRACKING_META = "_wc_shipment_tracking_items"
TRACKING_PROVIDER = "Lapak"
"""`custom_tracking_provider` of the entries Lapak writes (the courier is not known)."""

ORDER_STATUS: dict[str, OrderStatus] = {
    status: lapak
    for lapak, statuses in (
        (OrderStatus.UNPAID, ("pending", "checkout-draft")),
        (OrderStatus.READY_TO_SHIP, ("processing", "on-hold")),
        (OrderStatus.SHIPPED, ("completed", "shipped")),
        (OrderStatus.COMPLETED, ("delivered",)),
        (OrderStatus.CANCELLED, ("cancelled", "failed", "trash")),
    )
    for status in statuses
}
NOT_SHIPPABLE = frozenset({"pending", "checkout-draft", "cancelled", "failed", "refunded", "trash"})
SHIPPED = frozenset({"completed", "shipped", "delivered"})
CENT = Decimal("0.01")


# --- orders --------------------------------------------------------------------------------


def gmt_text(moment: float) -> str:
    """Unix seconds as a `dates_are_gmt` query date ("2024-05-01T10:00:00")."""
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def order_windows(since: datetime, until: datetime, span_seconds: int) -> list[tuple[str, str]]:
    """[since, until] as (modified_after, modified_before) pairs of ≤ `span_seconds`.

    WordPress date queries are exclusive (`after` is `>`, `before` is `<`: WP_Date_Query
    without `inclusive`), so each window is widened by one second at both ends; orders on a
    shared boundary are listed twice and de-duplicated by the caller, never missed.
    """
    return [
        (gmt_text(start - 1), gmt_text(stop + 1))
        for start, stop in time_windows(since, until, span_seconds)
    ]


def parse_gmt(text: str) -> datetime:
    """A `*_gmt` date ("2024-05-01T10:00:00", no offset: UTC) as an aware datetime; any
    other text is a `PermanentError`."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise PermanentError(f"{text[:40]!r} is not a WooCommerce date") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def order_status(order: wire.Order) -> OrderStatus:
    if order.status == "refunded":
        return OrderStatus.RETURNED if order.date_completed_gmt else OrderStatus.CANCELLED
    known = ORDER_STATUS.get(order.status)
    if known is not None:
        return known
    fallback = OrderStatus.READY_TO_SHIP if order.date_paid_gmt else OrderStatus.UNPAID
    log.warning("woocommerce_unknown_status", order=order.id, status=order.status, as_=fallback)
    return fallback


def unit_price(item: wire.LineItem) -> Decimal:
    """What one unit cost after discounts: line `total` / quantity (cents when inexact)."""
    if item.quantity <= 0:
        return item.price if item.price is not None else item.total
    value = item.total / item.quantity
    return value if value == value.quantize(CENT) else value.quantize(CENT)


def order_lines(items: Sequence[wire.LineItem]) -> tuple[RemoteOrderLine, ...]:
    return tuple(
        RemoteOrderLine(
            line_key=str(item.id),
            sku=item.sku or "",
            quantity=item.quantity,
            unit_price=unit_price(item),
            name=item.name,
        )
        for item in items
    )


def parse_order(raw: Any) -> RemoteOrder:
    """One order of GET /orders; a malformed or unstorable one is a `PermanentError`
    carrying `raw`."""
    return read_order(
        raw, "woocommerce order", lambda r: remote_order(wire.Order.model_validate(r))
    )


def remote_order(order: wire.Order) -> RemoteOrder:
    address = order.shipping if order.shipping.city else order.billing
    name = " ".join(p for p in (address.first_name, address.last_name) if p)
    created = parse_gmt(order.date_created_gmt)
    raw = order.model_dump(mode="json", exclude={"meta_data", "billing", "shipping"})
    raw["shipping"] = {"city": address.city}  # no PII beyond the city
    return RemoteOrder(
        external_id=str(order.id),
        status=order_status(order),
        created_at=created,
        updated_at=parse_gmt(order.date_modified_gmt) if order.date_modified_gmt else created,
        lines=order_lines(order.line_items),
        total=order.total,
        currency=order.currency,
        buyer_name=name,
        buyer_city=address.city,
        raw=raw,
    )


# --- tracking ------------------------------------------------------------------------------


def tracking_items(order: wire.Order) -> list[dict[str, Any]]:
    value = order.meta(TRACKING_META)
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def tracking_numbers(order: wire.Order) -> list[str]:
    return [str(item.get("tracking_number", "")) for item in tracking_items(order)]


def tracking_entry(tracking_number: str, shipped_at: int) -> dict[str, str]:
    """One `_wc_shipment_tracking_items` entry; `shipped_at` in unix seconds."""
    tracking_id = hashlib.md5(
        f"{TRACKING_PROVIDER}-{tracking_number}{shipped_at}".encode(), usedforsecurity=False
    ).hexdigest()
    return {
        "tracking_provider": "",
        "custom_tracking_provider": TRACKING_PROVIDER,
        "custom_tracking_link": "",
        "tracking_number": tracking_number,
        "date_shipped": str(shipped_at),
        "tracking_id": tracking_id,
    }


def ship_body(
    order: wire.Order, tracking_number: str, shipped_at: int, *, complete: bool = True
) -> dict[str, Any]:
    """`PUT /orders/{id}`: status completed (unless `complete` is False), our entry added
    to the tracking list once (the seller's own entries kept)."""
    items = tracking_items(order)
    if tracking_number not in tracking_numbers(order):
        items.append(tracking_entry(tracking_number, shipped_at))
    body: dict[str, Any] = {"meta_data": [{"key": TRACKING_META, "value": items}]}
    if complete:
        body["status"] = "completed"
    return body


# --- webhooks ------------------------------------------------------------------------------


def header(headers: Mapping[str, str] | None, name: str) -> str | None:
    """A header by case-insensitive name."""
    if not headers:
        return None
    lowered = name.lower()
    return next((value for key, value in headers.items() if key.lower() == lowered), None)


PING = re.compile(rb"webhook_id=\d{1,20}")
"""The body of WooCommerce's webhook ping (form-encoded, unsigned)."""


def is_ping(headers: Mapping[str, str], body: bytes) -> bool:
    """WooCommerce's unsigned "is this URL alive" ping: `webhook_id=N` and no signature."""
    return PING.fullmatch(body) is not None and not header(headers, "X-WC-Webhook-Signature")


@checked_webhook
def webhook_event(body: bytes, headers: Mapping[str, str] | None = None) -> WebhookEvent:
    """A verified delivery as a `WebhookEvent`.

    The body is the resource as `GET /orders/{id}` shows it ({"id"} alone for
    `order.deleted`); the topic is in `X-WC-Webhook-Topic` (without headers, a body with an
    id is taken for an order event: Lapak subscribes to order topics only).

    `delivery_id` is `X-WC-Webhook-Delivery-ID` plus a digest of the body: WooCommerce
    makes that id as `wp_hash(webhook_id . strtotime('now'))` (WC_Webhook::
    get_new_delivery_id), so two different deliveries of one webhook within the same second
    share it. WooCommerce does not retry a failed delivery; a repeat is a replay.
    """
    if PING.fullmatch(body):
        webhook_id = body.split(b"=", 1)[1].decode()
        return WebhookEvent(topic="ping", ping=True, raw={"webhook_id": webhook_id})
    payload = load_json(body, "woocommerce webhook")
    topic = header(headers, "X-WC-Webhook-Topic") or "order"
    delivery = header(headers, "X-WC-Webhook-Delivery-ID")
    delivery_id = f"{delivery}:{hashlib.sha256(body).hexdigest()[:16]}" if delivery else None
    if topic.split(".", 1)[0] != "order":
        raw = payload if isinstance(payload, dict) else {"body": payload}
        return WebhookEvent(topic=topic, delivery_id=delivery_id, raw=raw)
    order = wire.validate_webhook(wire.WebhookOrder, payload)
    raw = order.model_dump(mode="json")  # id, status, date_modified_gmt: no buyer data
    return WebhookEvent(topic=topic, order_ids=(str(order.id),), delivery_id=delivery_id, raw=raw)
