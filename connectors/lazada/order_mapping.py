"""Pure transforms of LazOP orders and pushes into `sync.types` (no I/O).

Lazada keeps the status on each order item (one item per unit bought: there is no
quantity), and an order's `statuses` lists the distinct ones. Lapak's status of an order is
derived from its items that are not cancelled (all cancelled: CANCELLED), taking the least
advanced of them: an order with one unit still to pack is READY_TO_SHIP.

Item statuses (GetOrders status filter error table: unpaid, pending, packed, canceled,
ready_to_ship, delivered, returned, shipped, failed, topack, toship, lost, lost_by_3pl,
damaged_by_3pl, failed_delivery, shipped_back, shipped_back_success, shipped_back_failed,
package_scrapped; "repacked" from the order-status-flow guide; "shipping" from the
fulfilment pages, docs/MARKETPLACES.md#lazada-status-mapping) map as below. "ready_to_ship"
is Lazada's name for what follows the seller's RTS call with a tracking number, i.e. Lapak's
SHIPPED (Shopee's PROCESSED maps the
same way). A status Lazada adds later maps to READY_TO_SHIP, which keeps the order's units
reserved (the safe side) until a known status arrives, and is logged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import structlog
from lapak.connectors.intake import MAX_UNIX_SECONDS, checked_webhook, read_order
from lapak.connectors.json_body import load_json
from lapak.connectors.lazada import wire
from lapak.sync.protocol import OtherShopError
from lapak.sync.types import OrderStatus, RemoteOrder, RemoteOrderLine, WebhookEvent

log = structlog.get_logger(__name__)

TRADE_ORDER_PUSH = 0
"""Push message_type of a trade-order status change (push-mechanism guide)."""
TOKEN_EXPIRY_PUSH = 8
"""Push message_type warning that a seller's authorization expires (48 h ahead)."""

ITEM_STATUS: dict[str, OrderStatus] = {
    status: lapak
    for lapak, statuses in (
        (OrderStatus.UNPAID, ("unpaid",)),
        (OrderStatus.READY_TO_SHIP, ("pending", "packed", "repacked", "topack", "toship")),
        (
            OrderStatus.SHIPPED,
            (
                "ready_to_ship",
                "shipped",
                "shipping",
                "failed_delivery",
                "shipped_back",
                "shipped_back_failed",
            ),
        ),
        # Units that will not come back (lost, damaged, scrapped: the seller is compensated).
        (
            OrderStatus.COMPLETED,
            ("delivered", "lost", "lost_by_3pl", "damaged_by_3pl", "package_scrapped"),
        ),
        # Units back with the seller. "failed" (delivery failed, parcel returned) UNCONFIRMED.
        (OrderStatus.RETURNED, ("returned", "shipped_back_success", "failed")),
        (OrderStatus.CANCELLED, ("canceled", "cancelled")),
    )
    for status in statuses
}

_ORDER = (
    OrderStatus.UNPAID,
    OrderStatus.READY_TO_SHIP,
    OrderStatus.SHIPPED,
    OrderStatus.COMPLETED,
    OrderStatus.RETURNED,
)
RTS_OR_LATER = frozenset(
    status
    for status, lapak in ITEM_STATUS.items()
    if lapak in (OrderStatus.SHIPPED, OrderStatus.COMPLETED, OrderStatus.RETURNED)
)
"""Item statuses that follow the seller's ready-to-ship call."""


# --- times ---------------------------------------------------------------------------------


def iso(seconds: float, *, up: bool = False) -> str:
    """Unix seconds as the ISO 8601 text LazOP filters take ("2024-05-01T03:00:00+00:00"),
    whole seconds (rounded down, or up with `up`)."""
    whole = math.ceil(seconds) if up else math.floor(seconds)
    return datetime.fromtimestamp(whole, UTC).isoformat()


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


# --- orders --------------------------------------------------------------------------------


def item_status(status: str, order_id: str) -> OrderStatus:
    found = ITEM_STATUS.get(status.lower())
    if found is None:
        log.warning("lazada_unknown_order_status", order=order_id, status=status)
        return OrderStatus.READY_TO_SHIP
    return found


def order_status(statuses: Sequence[str], order_id: str) -> OrderStatus:
    """Lapak's status of an order whose items have `statuses` (see the module docstring)."""
    mapped = [item_status(s, order_id) for s in statuses]
    active = [s for s in mapped if s is not OrderStatus.CANCELLED]
    if not active:
        return OrderStatus.CANCELLED
    if all(s is OrderStatus.RETURNED for s in active):
        return OrderStatus.RETURNED
    return min((s for s in active if s is not OrderStatus.RETURNED), key=_ORDER.index)


def parse_order(header: Any, items: Any) -> RemoteOrder:
    """An order from its GetOrders header and its GetMultipleOrderItems entry; a malformed
    or unstorable one is a `PermanentError` carrying both."""
    raw = {"header": header, "items": items}
    return read_order(
        raw,
        "lazada order",
        lambda r: remote_order(
            wire.OrderHeader.model_validate(r["header"]),
            wire.OrderItems.model_validate(r["items"]).order_items,
        ),
    )


def remote_order(header: wire.OrderHeader, items: Sequence[wire.OrderItem]) -> RemoteOrder:
    """An order from its header (/orders/get or /order/get) and its items (fresh)."""
    status = order_status([item.status for item in items] or header.statuses, header.order_id)
    times = [header.updated_at, *(item.updated_at for item in items if item.updated_at)]
    city = header.address_shipping.city if header.address_shipping else ""
    buyer = " ".join(p for p in (header.customer_first_name, header.customer_last_name) if p)
    raw = header.model_dump(
        mode="json", exclude={"address_shipping", "address_billing", "customer_last_name"}
    )
    raw["address_shipping"] = {"city": city}  # no PII beyond the buyer's name and city
    raw["statuses"] = sorted({item.status for item in items}) or list(header.statuses)
    raw["tracking_numbers"] = sorted({i.tracking_code for i in items if i.tracking_code})
    ship_by = [i.promised_shipping_time for i in items if i.promised_shipping_time]
    return RemoteOrder(
        external_id=header.order_id,
        status=status,
        created_at=header.created_at.astimezone(UTC),
        updated_at=max(times).astimezone(UTC),
        lines=order_lines(items, status),
        total=header.price,
        currency=next((i.currency for i in items if i.currency), "IDR"),
        buyer_name=buyer,
        buyer_city=city,
        ship_by=min(ship_by).astimezone(UTC) if ship_by else None,
        raw=raw,
    )


def order_lines(
    items: Sequence[wire.OrderItem], status: OrderStatus
) -> tuple[RemoteOrderLine, ...]:
    """One line per SKU and unit price, its quantity the number of units (order items).

    A line is keyed by its lowest order_item_id, which no later change of the order moves.
    Cancelled units of an order that goes on are not counted: they will not ship."""
    groups: dict[tuple[str, Decimal], list[wire.OrderItem]] = {}
    for item in items:
        groups.setdefault((item.sku, item.item_price), []).append(item)
    lines = []
    for (sku, price), members in groups.items():
        kept = [
            item
            for item in members
            if status is OrderStatus.CANCELLED
            or ITEM_STATUS.get(item.status.lower()) is not OrderStatus.CANCELLED
        ]
        if not kept:
            continue
        first = min(members, key=_item_order)
        lines.append(
            RemoteOrderLine(
                line_key=first.order_item_id,
                sku=sku,
                quantity=len(kept),
                unit_price=price,
                name=f"{first.name} - {first.variation}" if first.variation else first.name,
            )
        )
    return tuple(lines)


def _item_order(item: wire.OrderItem) -> tuple[int, str]:
    digits = item.order_item_id.isdigit()
    return (int(item.order_item_id) if digits else 0, "" if digits else item.order_item_id)


# --- push ----------------------------------------------------------------------------------


@checked_webhook
def webhook_event(body: bytes, seller_id: str | None) -> WebhookEvent:
    """A verified push body as a `WebhookEvent` (message_type 0 → "trade_order")."""
    payload = load_json(body, "lazada push")
    push = wire.validate_push(wire.Push, payload)
    shop = push.seller_id
    if seller_id is not None and shop != seller_id:
        message = f"lazada push for seller {shop}, not seller {seller_id}"
        raise OtherShopError(message, shop=shop)
    sent_at = _sent_at(push.timestamp)
    if push.message_type == TRADE_ORDER_PUSH:
        data = wire.validate_push(wire.TradeOrderPush, push.data)
        return WebhookEvent(
            topic="trade_order",
            order_ids=(data.trade_order_id,),
            sent_at=sent_at,
            shop=shop,
            raw=payload,
        )
    if push.message_type == TOKEN_EXPIRY_PUSH:
        return WebhookEvent(topic="token_expiry", sent_at=sent_at, shop=shop, raw=payload)
    # Other messages (IM, reverse orders, products...) may carry buyer text: not kept.
    return WebhookEvent(
        topic=f"message_{push.message_type}",
        sent_at=sent_at,
        shop=shop,
        raw=_without_data(payload),
    )


def _sent_at(timestamp: int) -> datetime | None:
    """The push's signed `timestamp` (milliseconds in the guide's example; seconds accepted)."""
    if not 0 < timestamp <= MAX_UNIX_SECONDS * 1000:  # checked before dividing
        return None
    seconds = timestamp / 1000 if timestamp > 100_000_000_000 else timestamp
    return datetime.fromtimestamp(seconds, UTC)


def _without_data(payload: Mapping[str, object]) -> dict[str, object]:
    return {key: value for key, value in payload.items() if key != "data"} | {"data": {}}
