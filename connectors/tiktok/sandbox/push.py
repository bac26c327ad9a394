"""TikTok Shop webhook delivery: order status (type 1) and return status (type 12) pushes.

Signature: header `Authorization` = lowercase hex HMAC-SHA256(app_secret, app_key +
raw_body) — UNCONFIRMED by the official configuration guide, source easycb/easycb-go
tiktok/sign.go. Bodies as webhooks/order/1-order-status-change.md and
return-and-refund/12-return-status-change.md show them. TikTok retries a failed push after
2 min, 30 min, 3 h and 12 h; the sandbox retries a few times within a second instead, from
one background thread, so an API answer never waits on a receiver.
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

log = structlog.get_logger(__name__)

ORDER_STATUS_PUSH = 1
RETURN_STATUS_PUSH = 12
ATTEMPTS = 3
RETRY_DELAY_SECONDS = 0.2
TIMEOUT_SECONDS = 3.0  # TikTok wants the answer "within 3 seconds"


def push_signature(app_secret: str, app_key: str, body: bytes) -> str:
    return hmac.new(app_secret.encode(), app_key.encode() + body, hashlib.sha256).hexdigest()


def order_status_payload(
    notification_id: str, shop_id: str, order_id: str, status: str, update_time: int, now: int
) -> dict[str, Any]:
    """Type 1. The push spells CANCELLED as "CANCEL" (its documented status values)."""
    return {
        "type": ORDER_STATUS_PUSH,
        "tts_notification_id": notification_id,
        "shop_id": shop_id,
        "timestamp": now,
        "data": {
            "order_id": order_id,
            "order_status": "CANCEL" if status == "CANCELLED" else status,
            "is_on_hold_order": False,
            "update_time": update_time,
        },
    }


def return_status_payload(
    notification_id: str,
    shop_id: str,
    order_id: str,
    return_id: str,
    return_type: str,
    return_status: str,
    create_time: int,
    now: int,
) -> dict[str, Any]:
    return {
        "type": RETURN_STATUS_PUSH,
        "tts_notification_id": notification_id,
        "shop_id": shop_id,
        "timestamp": now,
        "data": {
            "order_id": order_id,
            "return_role": "BUYER",
            "return_type": return_type,
            "return_status": return_status,
            "return_id": return_id,
            "create_time": create_time,
            "update_time": now,
        },
    }


class PushSender:
    """Queues pushes and delivers them from a daemon thread (started on first use)."""

    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[str, bytes, str] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.delivered = 0
        self.failed = 0

    def send(self, url: str, app_key: str, app_secret: str, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        self._ensure_thread()
        self._queue.put((url, body, push_signature(app_secret, app_key, body)))

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every queued push was delivered or given up (seconds); True if done."""
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
                self._thread = threading.Thread(target=self._run, name="tiktok-push", daemon=True)
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
        headers = {"Authorization": signature, "Content-Type": "application/json"}
        for attempt in range(1, ATTEMPTS + 1):
            try:
                response = client.post(url, content=body, headers=headers)
                if response.status_code == 200:
                    self.delivered += 1
                    return
                log.warning("tiktok_push_refused", url=url, status=response.status_code)
            except httpx.HTTPError as exc:
                log.warning("tiktok_push_failed", url=url, error=type(exc).__name__)
            if attempt < ATTEMPTS:
                time.sleep(RETRY_DELAY_SECONDS * attempt)
        self.failed += 1
