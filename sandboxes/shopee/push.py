"""Shopee push (webhook) delivery: code 3 order-status pushes to a shop's callback URL.

Signature (Shopee push guide): header `Authorization` = lowercase hex
HMAC-SHA256(partner_key, callback_url + "|" + raw_body). Body shape from the reference page
of v2.push.get_lost_push_message. Deliveries run in one background thread so an API answer
never waits on a receiver; failures are logged and retried a few times (Shopee's real retry
schedule is UNCONFIRMED), then dropped.
"""

from __future__ import annotations

from typing import Any

from lapak.sandboxes.kit.push import RetryingPushQueue, hmac_sha256_hex

ORDER_STATUS_CODE = 3


def push_signature(partner_key: str, callback_url: str, body: bytes) -> str:
    return hmac_sha256_hex(partner_key, callback_url.encode("utf-8") + b"|" + body)


def order_status_payload(shop_id: int, order_sn: str, status: str, update_time: int) -> dict:
    return {
        "data": {
            "items": [],
            "ordersn": order_sn,
            "status": status,
            "completed_scenario": "",
            "update_time": update_time,
        },
        "shop_id": shop_id,
        "code": ORDER_STATUS_CODE,
        "timestamp": update_time,
    }


class PushSender(RetryingPushQueue):
    """Queues pushes and delivers them from a daemon thread (started on first use)."""

    platform = "shopee"

    def send(self, callback_url: str, partner_key: str, payload: dict[str, Any]) -> None:
        def sign(body: bytes) -> dict[str, str]:
            return {"Authorization": push_signature(partner_key, callback_url, body)}

        self.send_json(callback_url, payload, sign)
