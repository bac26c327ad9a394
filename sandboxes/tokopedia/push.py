"""Tokopedia webhooks: order_notification (a new paid order) and order_status (every later
status change), POSTed to the URLs registered for the app, signed and shaped as
docs/MARKETPLACES.md#tokopedia-webhooks says (retries:
docs/MARKETPLACES.md#tokopedia-unconfirmed).
"""

from __future__ import annotations

from typing import Any

from lapak.sandboxes.kit.orders import Order
from lapak.sandboxes.kit.push import RetryingPushQueue, hmac_sha256_hex
from lapak.sandboxes.tokopedia.api_order import address_view, product_lines

HEADER = "Authorization-Hmac"


def order_status_payload(fs_id: int, order: Order) -> dict[str, Any]:
    return {
        "fs_id": fs_id,
        "order_status": order.status,
        "order_id": order.id,
        "shop_id": order.fields["shop_id"],
        "warehouse_id": 0,
        "product_details": product_lines(order, "Name", "Rp."),
    }


def order_notification_payload(fs_id: int, order: Order) -> dict[str, Any]:
    buyer, fields = order.buyer, order.fields
    return {
        "fs_id": fs_id,
        "order_id": order.id,
        "invoice_ref_num": fields["invoice"],
        "products": product_lines(order, "Name", "Rp."),
        "customer": {"id": fields["buyer_id"], "Name": buyer.name, "phone": "", "email": ""},
        "recipient": {
            "Name": buyer.name,
            "phone": fields["phone"],
            "address": address_view(buyer, f"{buyer.district}, {buyer.city}"),
        },
        "shop_id": fields["shop_id"],
        "payment_id": fields["payment_id"],
        "device_type": "",
        "create_time": order.created,
    }


class PushSender(RetryingPushQueue):
    """Queues webhooks and delivers them from a daemon thread (started on first use)."""

    platform = "tokopedia"

    def send(self, url: str, webhook_secret: str, payload: dict[str, Any]) -> None:
        self.send_json(url, payload, lambda body: {HEADER: hmac_sha256_hex(webhook_secret, body)})
