"""Shopee push (webhook) delivery: code 3 order-status pushes to a shop's callback URL.

Signature (Shopee push guide): header `Authorization` = lowercase hex
HMAC-SHA256(partner_key, callback_url + "|" + raw_body). Body shape from the reference page
of v2.push.get_lost_push_message. Deliveries run in one background thread so an API answer
never waits on a receiver; failures are logged and retried a few times (Shopee's real retry
schedule is UNCONFIRMED), then dropped.
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

ORDER_STATUS_CODE = 3
ATTEMPTS = 3
RETRY_DELAY_SECONDS = 0.2
TIMEOUT_SECONDS = 5.0


def push_signature(partner_key: str, callback_url: str, body: bytes) -> str:
    base = callback_url.encode("utf-8") + b"|" + body
    return hmac.new(partner_key.encode("utf-8"), base, hashlib.sha256).hexdigest()


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


class PushSender:
    """Queues pushes and delivers them from a daemon thread (started on first use)."""

    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[str, bytes, str] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.delivered = 0
        self.failed = 0

    def send(self, callback_url: str, partner_key: str, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        self._ensure_thread()
        self._queue.put((callback_url, body, push_signature(partner_key, callback_url, body)))

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
                self._thread = threading.Thread(target=self._run, name="shopee-push", daemon=True)
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
                if response.is_success:
                    self.delivered += 1
                    return
                log.warning("shopee_push_refused", url=url, status=response.status_code)
            except httpx.HTTPError as exc:
                log.warning("shopee_push_failed", url=url, error=type(exc).__name__)
            if attempt < ATTEMPTS:
                time.sleep(RETRY_DELAY_SECONDS * attempt)
        self.failed += 1
