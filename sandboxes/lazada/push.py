"""Lazada push (webhook) delivery: one trade-order message (message_type 0) per order item
whose status changed, signed as in docs/MARKETPLACES.md#lazada-webhooks.

Lazada pushes to one callback URL per app; the sandbox keeps one per seller (a store's
URL). Lazada retries a failed push every 30 minutes, 12 times; the sandbox retries a few
times at once, then drops it.
"""

from __future__ import annotations

from typing import Any

from lapak.sandboxes.kit.catalog import Id
from lapak.sandboxes.kit.push import RetryingPushQueue, hmac_sha256_hex
from lapak.sandboxes.lazada.state import SITE

TRADE_ORDER = 0


def push_signature(app_key: str, app_secret: str, body: bytes) -> str:
    return hmac_sha256_hex(app_secret, app_key.encode("utf-8") + body)


def trade_order_payload(
    seller_id: str, order_id: Id, order_item_id: Id, status: str, update_time: int, now_ms: int
) -> dict[str, Any]:
    return {
        "seller_id": seller_id,
        "message_type": TRADE_ORDER,
        "data": {
            "order_status": status,
            "status_update_time": update_time,
            "trade_order_id": str(order_id),
            "trade_order_line_id": str(order_item_id),
        },
        "timestamp": now_ms,
        "site": SITE,
    }


class PushSender(RetryingPushQueue):
    """Queues pushes and delivers them from a daemon thread (started on first use)."""

    platform = "lazada"

    def send(self, url: str, app_key: str, app_secret: str, payload: dict[str, Any]) -> None:
        self.send_json(
            url, payload, lambda body: {"Authorization": push_signature(app_key, app_secret, body)}
        )

    def accepts(self, status: int) -> bool:
        return status == 200  # "ack with Http status code 200"
