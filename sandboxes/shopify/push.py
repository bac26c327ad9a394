"""Shopify webhook delivery: order topics POSTed to a shop's subscription URL, signed in
`X-Shopify-Hmac-SHA256` (docs/MARKETPLACES.md#shopify-webhooks); `X-Shopify-Webhook-Id` is
the same on a retried delivery, so receivers dedupe by it. Shopify gives a receiver 1 s to
connect and 5 s in all and retries for hours; the kit's queue retries a few times at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any
from uuid import UUID

import httpx
from lapak.sandboxes.kit.push import Delivery, RetryingPushQueue
from lapak.sandboxes.shopify.state import Shop

CONNECT_TIMEOUT_SECONDS = 1.0
TOTAL_TIMEOUT_SECONDS = 5.0


def hmac_header(client_secret: str, body: bytes) -> str:
    """The `X-Shopify-Hmac-SHA256` value for `body` (raw bytes)."""
    digest = hmac.new(client_secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def delivery(shop: Shop, topic: str, payload: dict[str, Any], stamp: UUID, at: str) -> Delivery:
    """One webhook of `shop` (to its push URL): `stamp` names the delivery and the event,
    `at` is when the event fired."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-SHA256": hmac_header(shop.client_secret, body),
        "X-Shopify-Shop-Domain": shop.domain,
        "X-Shopify-API-Version": shop.api_version,
        "X-Shopify-Webhook-Id": str(stamp),
        "X-Shopify-Event-Id": str(stamp.int % 10**12),
        "X-Shopify-Triggered-At": at,
    }
    return Delivery(shop.push_url or "", body, headers)


class PushSender(RetryingPushQueue):
    """Queues deliveries and sends them from a daemon thread (started on first use)."""

    platform = "shopify"
    timeout = httpx.Timeout(TOTAL_TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS)
