"""Tokopedia webhooks: order_notification (a new paid order) and order_status (every later
status change), POSTed to the URLs registered for the app.

Signature (guides/webhook-configuration/webhook-security, official Go sample): header
`Authorization-Hmac` = lowercase hex HMAC-SHA256(webhook_secret, raw body). Bodies follow
the examples of get-webhook-payload (docs/MARKETPLACES.md#tokopedia-webhooks), capitalised
"Name" keys included. Deliveries run in one background thread; a refused or failed delivery
is retried a few times, then dropped (Tokopedia's retry policy and expected answer are UNCONFIRMED:
any 2xx counts as delivered).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from lapak.sandboxes.kit.push import Delivery, RetryingPushQueue
from lapak.sandboxes.tokopedia.state import Order

JSON = {"Content-Type": "application/json"}

HEADER = "Authorization-Hmac"


def push_signature(webhook_secret: str, body: bytes) -> str:
    return hmac.new(webhook_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def _product_details(order: Order) -> list[dict[str, Any]]:
    return [
        {
            "id": line.product_id,
            "Name": line.name,
            "notes": "",
            "currency": "Rp.",
            "weight": line.weight_kg,
            "total_weight": round(line.weight_kg * line.quantity, 3),
            "price": line.price,
            "total_price": line.price * line.quantity,
            "quantity": line.quantity,
            "sku": line.sku,
        }
        for line in order.lines
    ]


def order_status_payload(fs_id: int, order: Order) -> dict[str, Any]:
    return {
        "fs_id": fs_id,
        "order_status": order.status,
        "order_id": order.order_id,
        "shop_id": order.shop_id,
        "warehouse_id": 0,
        "product_details": _product_details(order),
    }


def order_notification_payload(fs_id: int, order: Order) -> dict[str, Any]:
    recipient = order.recipient
    return {
        "fs_id": fs_id,
        "order_id": order.order_id,
        "invoice_ref_num": order.invoice,
        "products": _product_details(order),
        "customer": {"id": order.buyer_id, "Name": order.buyer_name, "phone": "", "email": ""},
        "recipient": {
            "Name": recipient["name"],
            "phone": recipient["phone"],
            "address": {
                "address_full": f"{recipient['district']}, {recipient['city']}",
                "district": recipient["district"],
                "city": recipient["city"],
                "province": recipient["province"],
                "country": "Indonesia",
                "postal_code": recipient["postal_code"],
            },
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
