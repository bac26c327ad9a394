"""Pure transforms of Tokopedia orders and webhooks into `sync.types` (no I/O).

Order status codes (the doc's "Order Status Code" notes; the full table is copied in the
IZI juragan_webhook Odoo module `ORDER_STATUS_DICT`, which also groups them): 220, 400,
500, 10 and 0 are confirmed by the doc pages and plvhx's constants; the rest of the table
is UNCONFIRMED against an official page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import structlog
from lapak.connectors.intake import checked_webhook, numbered, read_order
from lapak.connectors.json_body import load_json
from lapak.connectors.tokopedia import wire
from lapak.sync.protocol import OtherShopError, PermanentError
from lapak.sync.types import OrderStatus, RemoteOrder, RemoteOrderLine, WebhookEvent

log = structlog.get_logger(__name__)

PAYMENT_VERIFIED = 220
ACCEPTED = 400
SHIPPED = 500
TO_ACCEPT = frozenset({220, 221})
"""Codes at which the seller still has to accept (ack) before confirming shipping."""
SENT = frozenset({OrderStatus.SHIPPED, OrderStatus.COMPLETED})

ORDER_STATUS: dict[int, OrderStatus] = {
    code: lapak
    for lapak, codes in (
        # 0 seller cancel, 2 reject replaced, 3 reject: empty stock, 4 reject approval,
        # 5 cancelled by fraud, 6 auto cancel (UNCONFIRMED), 10 rejected by seller,
        # 15 instant cancel by buyer (UNCONFIRMED)
        (OrderStatus.CANCELLED, (0, 2, 3, 4, 5, 6, 10, 15)),
        # 11 pending replacement, 100 pending, 103 waiting 3rd-party payment, 200 payment
        # confirmation
        (OrderStatus.UNPAID, (11, 100, 103, 200)),
        # 220 payment verified, 221 waiting partner approval, 400 accepted, 450 waiting pickup
        (OrderStatus.READY_TO_SHIP, (220, 221, 400, 450)),
        # 500 shipment, 501 waiting resi, 520 invalid AWB, 530 AWB correction requested,
        # 540 delivered to pickup point
        (OrderStatus.SHIPPED, (500, 501, 520, 530, 540)),
        # 600 delivered, 601 buyer opened a case to finish, 690/691/695/698 fraud review
        # (after delivery: the goods are gone), 699 invalid after 25 days of shipping,
        # 700 finished, 701 assumed finished
        (OrderStatus.COMPLETED, (600, 601, 690, 691, 695, 698, 699, 700, 701)),
        # 550 return to seller: the parcel came back
        (OrderStatus.RETURNED, (550,)),
    )
    for code in codes
}
"""IZI's module groups 690–699 with the cancellations; Lapak maps them to COMPLETED instead,
because they follow delivery (releasing stock for goods that left would oversell)."""


def order_status(code: int, order_id: int | str) -> OrderStatus:
    """Lapak's status for a Tokopedia code. An unknown code is mapped by the range it falls
    in (Tokopedia numbers its codes along the order's life) to the status that keeps stock
    reserved or deducted — never released: < 220 UNPAID, < 500 READY_TO_SHIP, < 600 SHIPPED,
    else COMPLETED — and logged."""
    known = ORDER_STATUS.get(code)
    if known is not None:
        return known
    if code < PAYMENT_VERIFIED:
        guess = OrderStatus.UNPAID
    elif code < SHIPPED:
        guess = OrderStatus.READY_TO_SHIP
    elif code < 600:
        guess = OrderStatus.SHIPPED
    else:
        guess = OrderStatus.COMPLETED
    log.warning("tokopedia_unknown_order_status", order_id=str(order_id), code=code, as_=guess)
    return guess


# --- listing windows -----------------------------------------------------------------------


# --- orders --------------------------------------------------------------------------------


def parse_time(value: str | None) -> datetime | None:
    """An RFC 3339 time of the order API; Go's zero time ("0001-01-01T00:00:00Z") is None."""
    if not value or value.startswith("0001-01-01"):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_order(raw: Any) -> RemoteOrder:
    """`data` of the single-order API; a malformed or unstorable order is a `PermanentError`
    carrying `raw`."""
    return read_order(
        raw, "tokopedia order", lambda r: remote_order(wire.SingleOrder.model_validate(r))
    )


def remote_order(order: wire.SingleOrder) -> RemoteOrder:
    """A single order as Lapak keeps it. `total` is the goods total (`item_price`, without
    shipping); `raw` keeps no buyer contact data (name and city only)."""
    created = parse_time(order.create_time)
    if created is None:
        raise PermanentError(f"tokopedia order {order.order_id}: no create_time")
    updated = max(parse_time(order.update_time) or created, created)
    destination = order.order_info.destination
    raw = order.model_dump(mode="json", exclude={"buyer_info", "order_info"})
    raw["buyer_info"] = {"buyer_fullname": order.buyer_info.buyer_fullname}
    raw["order_info"] = {
        "order_detail": [line.model_dump(mode="json") for line in order.order_info.order_detail],
        "destination": {"address_city": destination.address_city},
        "shipping_info": order.order_info.shipping_info.model_dump(mode="json"),
    }
    return RemoteOrder(
        external_id=str(order.order_id),
        status=order_status(order.order_status, order.order_id),
        created_at=created,
        updated_at=updated,
        lines=order_lines(order.order_info.order_detail),
        total=order.item_price,
        currency="IDR",
        buyer_name=order.buyer_info.buyer_fullname,
        buyer_city=destination.address_city,
        ship_by=parse_time(order.shipment_fulfillment.confirm_shipping_deadline),
        raw=raw,
    )


def order_lines(details: Sequence[wire.OrderDetailLine]) -> tuple[RemoteOrderLine, ...]:
    """Lines keyed by order_detail_id (a repeated key gets "#2", "#3", …)."""
    keys = numbered(str(detail.order_detail_id or detail.product_id) for detail in details)
    lines = []
    for key, detail in zip(keys, details, strict=True):
        lines.append(
            RemoteOrderLine(
                line_key=key,
                sku=detail.sku,
                quantity=detail.quantity,
                unit_price=detail.product_price,
                name=detail.product_name,
            )
        )
    return tuple(lines)


# --- webhooks ------------------------------------------------------------------------------


@checked_webhook
def webhook_event(body: bytes, fs_id: int, shop_id: int) -> WebhookEvent:
    """A verified webhook body as a `WebhookEvent`.

    Tokopedia names no topic in the body or headers: a body with `order_status` is an
    order-status push ("order_status"), one without it a new-order notification
    ("order_notification"). Neither carries a delivery id or a send time (both None).
    `shop` is the body's `shop_id` (the sandbox and Tokopedia's examples send it; `fs_id`
    is the app's, shared by its shops); a body for another shop of the same app is an
    `OtherShopError`.
    """
    payload = load_json(body, "tokopedia webhook")
    if not isinstance(payload, Mapping):
        raise PermanentError("tokopedia webhook: body is not a JSON object")
    push = wire.validate_push(wire.OrderPush, payload)
    if push.fs_id != fs_id:
        raise PermanentError(f"tokopedia webhook for fs_id {push.fs_id}, not {fs_id}")
    shop = str(push.shop_id) if push.shop_id is not None else None
    if shop is not None and push.shop_id != shop_id:
        message = f"tokopedia webhook for shop {push.shop_id}, not shop {shop_id}"
        raise OtherShopError(message, shop=shop)
    topic = "order_status" if push.order_status is not None else "order_notification"
    return WebhookEvent(topic=topic, order_ids=(str(push.order_id),), shop=shop, raw=dict(payload))
