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
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx
import structlog

log = structlog.get_logger(__name__)

ATTEMPTS = 3
RETRY_DELAY_SECONDS = 0.2
CONNECT_TIMEOUT_SECONDS = 1.0
TOTAL_TIMEOUT_SECONDS = 5.0


def hmac_header(client_secret: str, body: bytes) -> str:
    """The `X-Shopify-Hmac-SHA256` value for `body` (raw bytes)."""
    digest = hmac.new(client_secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


@dataclass(frozen=True, slots=True)
class Delivery:
    url: str
    body: bytes
    headers: dict[str, str]


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


class PushSender:
    """Queues deliveries and sends them from a daemon thread (started on first use)."""

    def __init__(self) -> None:
        self._queue: queue.Queue[Delivery | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.delivered = 0
        self.failed = 0

    def send(self, item: Delivery) -> None:
        self._ensure_thread()
        self._queue.put(item)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every queued delivery was made or given up (seconds); True if done."""
        deadline = time.monotonic() + timeout
        with self._queue.all_tasks_done:
            while self._queue.unfinished_tasks:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._queue.all_tasks_done.wait(remaining)
        return True

    def close(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(TOTAL_TIMEOUT_SECONDS)

    def _ensure_thread(self) -> None:
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="shopify-push", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        timeout = httpx.Timeout(TOTAL_TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS)
        with httpx.Client(timeout=timeout) as client:
            while True:
                item = self._queue.get()
                try:
                    if item is None:
                        return
                    self._deliver(client, item)
                finally:
                    self._queue.task_done()

    def _deliver(self, client: httpx.Client, item: Delivery) -> None:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                response = client.post(item.url, content=item.body, headers=item.headers)
                if response.is_success:
                    self.delivered += 1
                    return
                log.warning("shopify_push_refused", url=item.url, status=response.status_code)
            except httpx.HTTPError as exc:
                log.warning("shopify_push_failed", url=item.url, error=type(exc).__name__)
            if attempt < ATTEMPTS:
                time.sleep(RETRY_DELAY_SECONDS * attempt)
        self.failed += 1
