"""Tokopedia webhooks: order_notification (a new paid order) and order_status (every later
status change), POSTed to the URLs registered for the app, signed and shaped as
docs/MARKETPLACES.md#tokopedia-webhooks says (retries:
docs/MARKETPLACES.md#tokopedia-unconfirmed).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from lapak.sandboxes.kit.push import Delivery, RetryingPushQueue
from lapak.sandboxes.tokopedia.api_order import address_view, product_lines
from lapak.sandboxes.tokopedia.state import Order

JSON = {"Content-Type": "application/json"}

HEADER = "Authorization-Hmac"


def push_signature(webhook_secret: str, body: bytes) -> str:
    return hmac.new(webhook_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def order_status_payload(fs_id: int, order: Order) -> dict[str, Any]:
    return {
        "fs_id": fs_id,
        "order_status": order.status,
        "order_id": order.order_id,
        "shop_id": order.shop_id,
        "warehouse_id": 0,
        "product_details": product_lines(order, "Name", "Rp."),
    }


def order_notification_payload(fs_id: int, order: Order) -> dict[str, Any]:
    recipient = order.recipient
    return {
        "fs_id": fs_id,
        "order_id": order.order_id,
        "invoice_ref_num": order.invoice,
        "products": product_lines(order, "Name", "Rp."),
        "customer": {"id": order.buyer_id, "Name": order.buyer_name, "phone": "", "email": ""},
        "recipient": {
            "Name": recipient["name"],
            "phone": recipient["phone"],
            "address": address_view(recipient, f"{recipient['district']}, {recipient['city']}"),
        },
        "shop_id": order.shop_id,
        "payment_id": order.payment_id,
        "device_type": "",
        "create_time": order.create_time,
    }


class PushSender(RetryingPushQueue):
    """Queues webhooks and delivers them from a daemon thread (started on first use)."""

    platform = "tokopedia"

    def send(self, url: str, webhook_secret: str, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        signature = push_signature(webhook_secret, body)
        self.put(Delivery(url, body, {HEADER: signature, **JSON}))
