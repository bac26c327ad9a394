"""Webhook delivery as `WC_Webhook::deliver` does it, from a background thread.

POST of the resource JSON (`trim(wp_json_encode($payload))`) with `Content-Type:
application/json`, a `WooCommerce/{version} Hookshot (WordPress/{version})` user agent and
the headers X-WC-Webhook-Source (home URL + "/"), -Topic, -Resource, -Event, -Signature
(base64 HMAC-SHA256 of the body with the webhook's secret), -ID and -Delivery-ID
(`wp_hash(webhook_id . strtotime('now'))`: an HMAC-MD5 with the site's salt, so one
webhook's deliveries within one second share it). A 2xx, 301 or 302 answer is success;
WooCommerce never retries a delivery: it counts consecutive failures and disables the
webhook after more than 5 (`woocommerce_max_webhook_delivery_failures`).

WooCommerce delivers asynchronously through Action Scheduler and builds the payload when
the action runs; the sandbox snapshots the payload when the event happens.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from typing import Any

from lapak.connectors.woocommerce import signing
from lapak.sandboxes.kit.push import Delivery, RetryingPushQueue
from lapak.sandboxes.woocommerce.state import WC_VERSION, WP_VERSION, Webhook
from lapak.sandboxes.woocommerce.wire import php_json

MAX_FAILURES = 5
TIMEOUT_SECONDS = 5.0  # WooCommerce waits MINUTE_IN_SECONDS; tests need answers sooner
USER_AGENT = f"WooCommerce/{WC_VERSION} Hookshot (WordPress/{WP_VERSION})"


def delivery_id(salt: str, webhook_id: int, now: float) -> str:
    """`wp_hash(webhook_id . strtotime('now'))`: HMAC-MD5 keyed with the site's salt."""
    message = f"{webhook_id}{int(now)}".encode()
    return hmac.new(salt.encode(), message, hashlib.md5).hexdigest()


def delivery(
    webhook: Webhook, payload: Any, *, source: str, salt: str, now: float
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of one delivery of `payload` by `webhook`."""
    body = php_json(payload).strip()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-WC-Webhook-Source": source,
        "X-WC-Webhook-Topic": webhook.topic,
        "X-WC-Webhook-Resource": webhook.resource,
        "X-WC-Webhook-Event": webhook.event,
        "X-WC-Webhook-Signature": signing.webhook_signature(webhook.secret, body),
        "X-WC-Webhook-ID": str(webhook.id),
        "X-WC-Webhook-Delivery-ID": delivery_id(salt, webhook.id, now),
    }
    return body, headers


class PushSender(RetryingPushQueue):
    """Sends each delivery once, as WooCommerce does (no retry); after more than
    `MAX_FAILURES` failures in a row the webhook is disabled."""

    platform = "woocommerce"
    timeout = TIMEOUT_SECONDS
    attempts = 1

    def __init__(self) -> None:
        super().__init__()
        self._state_lock = threading.Lock()

    def send(self, webhook: Webhook, body: bytes, headers: dict[str, str]) -> None:
        self.put(Delivery(webhook.delivery_url, body, headers, subject=webhook))

    def accepts(self, status: int) -> bool:
        return 200 <= status < 303

    def succeeded(self, job: Delivery) -> None:
        with self._state_lock:
            job.subject.failure_count = 0

    def gave_up(self, job: Delivery) -> None:
        webhook: Webhook = job.subject
        with self._state_lock:
            if webhook.failure_count > MAX_FAILURES:
                webhook.status = "disabled"
            else:
                webhook.failure_count += 1
