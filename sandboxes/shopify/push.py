"""Shopify webhook delivery: order topics POSTed to a shop's subscription URL.

Headers (shopify.dev "Verify webhooks" / delivery structure): `X-Shopify-Hmac-SHA256` =
base64 HMAC-SHA256(app client secret, raw body); `X-Shopify-Topic` ("orders/create"…);
`X-Shopify-Shop-Domain`; `X-Shopify-API-Version`; `X-Shopify-Webhook-Id` (the same on a
retried delivery, so receivers dedupe by it); `X-Shopify-Event-Id`; `X-Shopify-Triggered-At`
(ISO 8601, when the event fired). Shopify gives a receiver 1 s to connect and 5 s in all
and retries failures 8 times over 4 hours; this sandbox retries a few times at once.
Deliveries run on one daemon thread so an API answer never waits on a receiver.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import httpx
from lapak.sandboxes.kit.push import Delivery, RetryingPushQueue

CONNECT_TIMEOUT_SECONDS = 1.0
TOTAL_TIMEOUT_SECONDS = 5.0


def hmac_header(client_secret: str, body: bytes) -> str:
    """The `X-Shopify-Hmac-SHA256` value for `body` (raw bytes)."""
    digest = hmac.new(client_secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def delivery(
    url: str,
    *,
    topic: str,
    payload: dict[str, Any],
    client_secret: str,
    shop_domain: str,
    api_version: str,
    webhook_id: str,
    event_id: str,
    triggered_at: str,
) -> Delivery:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-SHA256": hmac_header(client_secret, body),
        "X-Shopify-Shop-Domain": shop_domain,
        "X-Shopify-API-Version": api_version,
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-Event-Id": event_id,
        "X-Shopify-Triggered-At": triggered_at,
    }
    return Delivery(url, body, headers)


class PushSender(RetryingPushQueue):
    """Queues deliveries and sends them from a daemon thread (started on first use)."""

    platform = "shopify"
    timeout = httpx.Timeout(TOTAL_TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS)
