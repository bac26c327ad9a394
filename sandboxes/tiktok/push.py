"""TikTok Shop webhook delivery: order status (type 1) and return status (type 12) pushes.

Signature and bodies: docs/MARKETPLACES.md#tiktok-shop-webhooks (the signature is
UNCONFIRMED). TikTok retries a failed push after 2 min, 30 min, 3 h and 12 h; the sandbox
retries a few times within a second instead, from one background thread (kit/push.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lapak.sandboxes.kit.orders import Order
from lapak.sandboxes.kit.push import RetryingPushQueue, hmac_sha256_hex
from lapak.sandboxes.tiktok.state import RETURN_STATUS, RETURN_TYPE

ORDER_STATUS_PUSH = 1
RETURN_STATUS_PUSH = 12


def signed_by(app_key: str, app_secret: str) -> Callable[[bytes], dict[str, str]]:
    """The headers of a push of the app: its signature over the raw body."""
    return lambda body: {"Authorization": hmac_sha256_hex(app_secret, app_key.encode() + body)}


def order_status_data(order: Order) -> dict[str, Any]:
    """Of a type 1 push. It spells CANCELLED as "CANCEL" (its documented status values)."""
    return {
        "order_id": order.id,
        "order_status": "CANCEL" if order.status == "CANCELLED" else order.status,
        "is_on_hold_order": False,
        "update_time": order.updated,
    }


def return_status_data(order: Order) -> dict[str, Any]:
    """Of a type 12 push."""
    return {
        "order_id": order.id,
        "return_role": "BUYER",
        "return_type": RETURN_TYPE,
        "return_status": RETURN_STATUS,
        "return_id": order.fields["return_id"],
        "create_time": order.fields["return_time"],
        "update_time": order.fields["return_time"],
    }


class PushSender(RetryingPushQueue):
    """Queues pushes and delivers them from a daemon thread (started on first use)."""

    platform = "tiktok"
    timeout = 3.0  # TikTok wants the answer "within 3 seconds"

    def accepts(self, status: int) -> bool:
        return status == 200
