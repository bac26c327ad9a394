"""Lazada push (webhook) delivery: trade-order messages to a seller's callback URL.

Signature (push-mechanism guide): header `Authorization` = hex HMAC-SHA256 with the app
secret of `app_key + raw_body` (the guide's Java sample writes lowercase hex). Body of a
trade-order message (message_type 0), one per order item whose status changed:
`{"seller_id", "message_type": 0, "data": {"order_status", "status_update_time" (s),
"trade_order_id", "trade_order_line_id"}, "timestamp" (ms), "site": "lazada_id"}`.

Lazada pushes to one callback URL per app; the sandbox keeps one per seller (a store's
URL). Deliveries run in one background thread so an API answer never waits on a
receiver. Lazada retries a failed push every 30 minutes, 12 times; the sandbox retries a few
times at once, then drops it.
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

from connectors.lazada.sandbox.state import SITE

log = structlog.get_logger(__name__)

TRADE_ORDER = 0
ATTEMPTS = 3
RETRY_DELAY_SECONDS = 0.2
TIMEOUT_SECONDS = 5.0


def push_signature(app_key: str, app_secret: str, body: bytes) -> str:
    return hmac.new(
        app_secret.encode("utf-8"), app_key.encode("utf-8") + body, hashlib.sha256
    ).hexdigest()


def trade_order_payload(
    seller_id: str, order_id: int, order_item_id: int, status: str, update_time: int, now_ms: int
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
        self._queue.put((url, body, push_signature(app_key, app_secret, body)))

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
                self._thread = threading.Thread(target=self._run, name="lazada-push", daemon=True)
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
                if response.status_code == 200:  # "ack with Http status code 200"
                    self.delivered += 1
                    return
                log.warning("lazada_push_refused", url=url, status=response.status_code)
            except httpx.HTTPError as exc:
                log.warning("lazada_push_failed", url=url, error=type(exc).__name__)
            if attempt < ATTEMPTS:
                time.sleep(RETRY_DELAY_SECONDS * attempt)
        self.failed += 1
