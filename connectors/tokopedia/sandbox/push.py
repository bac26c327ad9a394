"""Tokopedia webhooks: order_notification (a new paid order) and order_status (every later
status change), POSTed to the URLs registered for the app.

Signature (guides/webhook-configuration/webhook-security, official Go sample): header
`Authorization-Hmac` = lowercase hex HMAC-SHA256(webhook_secret, raw body). Bodies follow
the examples of get-webhook-payload (marketplaces.md 2.6), capitalised "Name" keys
included. Deliveries run in one background thread; a refused or failed delivery is retried
a few times, then dropped (Tokopedia's retry policy and expected answer are UNCONFIRMED:
any 2xx counts as delivered).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import threading
import time
from typing import Any

import httpx
import structlog

from connectors.tokopedia.sandbox.state import Order

log = structlog.get_logger(__name__)

ATTEMPTS = 3
RETRY_DELAY_SECONDS = 0.2
TIMEOUT_SECONDS = 5.0
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


class PushSender:
    """Queues webhooks and delivers them from a daemon thread (started on first use)."""

    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[str, bytes, str] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.delivered = 0
        self.failed = 0

    def send(self, url: str, webhook_secret: str, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        self._ensure_thread()
        self._queue.put((url, body, push_signature(webhook_secret, body)))

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every queued webhook was delivered or given up; True if done."""
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
            self._thread.join(TIMEOUT_SECONDS)

    def _ensure_thread(self) -> None:
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="tokopedia-push", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        with httpx.Client(timeout=TIMEOUT_SECONDS) as client:
            while True:
                job = self._queue.get()
                try:
                    if job is None:
                        return
                    self._deliver(client, *job)
                finally:
                    self._queue.task_done()

    def _deliver(self, client: httpx.Client, url: str, body: bytes, signature: str) -> None:
        headers = {HEADER: signature, "Content-Type": "application/json"}
        for attempt in range(1, ATTEMPTS + 1):
            try:
                response = client.post(url, content=body, headers=headers)
                if response.is_success:
                    self.delivered += 1
                    return
                log.warning("tokopedia_push_refused", url=url, status=response.status_code)
            except httpx.HTTPError as exc:
                log.warning("tokopedia_push_failed", url=url, error=type(exc).__name__)
            if attempt < ATTEMPTS:
                time.sleep(RETRY_DELAY_SECONDS * attempt)
        self.failed += 1
