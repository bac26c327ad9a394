"""Webhook delivery from a sandbox: a queue drained by a few daemon threads.

A sandbox's API answer never waits on a receiver: pushes are queued and `senders` threads
(started on first use) post them. One sender (the default) delivers in the order the
pushes were made, which the platform tests read; a load test sets more, as a marketplace's
delivery fleet posts side by side (and, like the real platforms, promises no order then).
`flush()` waits until the queue is drained, which is how tests and the demo know every push
was delivered or given up.
`RetryingPushQueue` delivers a signed `Delivery` with a few quick retries (the real
platforms retry over minutes or hours); a platform with other delivery rules sets `attempts`
and `accepts` and hears of each outcome (`succeeded`, `gave_up`: WooCommerce counts a
webhook's failures and disables it).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

import httpx
import structlog

log = structlog.get_logger(__name__)

Job = TypeVar("Job")


class PushQueue(Generic[Job]):
    platform: ClassVar[str]
    timeout: ClassVar[float | httpx.Timeout] = 5.0
    """Of one POST to the receiver (seconds, or an httpx.Timeout)."""
    follow_redirects: ClassVar[bool] = False

    def __init__(self) -> None:
        self.senders = 1  # deliveries in flight at once: set it before the first push
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._start_lock = threading.Lock()
        self._count_lock = threading.Lock()
        self.delivered = 0
        self.failed = 0

    def put(self, job: Job) -> None:
        self._ensure_threads()
        self._queue.put(job)

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
        alive = [thread for thread in self._threads if thread.is_alive()]
        for _ in alive:
            self._queue.put(None)
        total = self.timeout if isinstance(self.timeout, float) else self.timeout.read
        for thread in alive:
            thread.join(total or 5.0)

    def _ensure_threads(self) -> None:
        with self._start_lock:
            self._threads = [thread for thread in self._threads if thread.is_alive()]
            while len(self._threads) < self.senders:
                thread = threading.Thread(
                    target=self._run,
                    name=f"{self.platform}-push-{len(self._threads)}",
                    daemon=True,
                )
                thread.start()
                self._threads.append(thread)

    def _count(self, *, delivered: bool) -> None:
        with self._count_lock:
            if delivered:
                self.delivered += 1
            else:
                self.failed += 1

    def _run(self) -> None:
        with httpx.Client(timeout=self.timeout, follow_redirects=self.follow_redirects) as client:
            while True:
                job = self._queue.get()
                try:
                    if job is None:
                        return
                    self._deliver(client, job)
                finally:
                    self._queue.task_done()

    def _deliver(self, client: httpx.Client, job: Job) -> None:
        raise NotImplementedError


def hmac_sha256_hex(key: str, message: bytes) -> str:
    """Lowercase hex HMAC-SHA256 of `message` under `key` (most platforms' push signature)."""
    return hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Delivery:
    """One push: where, the raw body, and its headers (signature included)."""

    url: str
    body: bytes
    headers: dict[str, str]
    subject: Any = None
    """What the platform's outcome hooks need of it (WooCommerce: the webhook)."""


class RetryingPushQueue(PushQueue[Delivery]):
    attempts: ClassVar[int] = 3
    retry_delay: ClassVar[float] = 0.2
    """Seconds, times the attempt number, between tries."""

    def send_json(
        self,
        url: str,
        payload: Any,
        sign: Callable[[bytes], Mapping[str, str]],
        *,
        ensure_ascii: bool = True,
    ) -> None:
        """Queue `payload` as compact UTF-8 JSON, with the headers `sign` makes of the exact
        body (its signature). `ensure_ascii` False writes non-ASCII text as itself rather
        than as \\u escapes (Shopify's bodies)."""
        body = json.dumps(payload, ensure_ascii=ensure_ascii, separators=(",", ":"))
        encoded = body.encode("utf-8")
        self.put(Delivery(url, encoded, {**sign(encoded), "Content-Type": "application/json"}))

    def accepts(self, status: int) -> bool:
        """The receiver's answer counts as delivered (default: any 2xx)."""
        return 200 <= status < 300

    def succeeded(self, job: Delivery) -> None:
        """Called from the push thread once `job` is delivered."""

    def gave_up(self, job: Delivery) -> None:
        """Called from the push thread once every attempt at `job` failed."""

    def _deliver(self, client: httpx.Client, job: Delivery) -> None:
        for attempt in range(1, self.attempts + 1):
            try:
                response = client.post(job.url, content=job.body, headers=job.headers)
                if self.accepts(response.status_code):
                    self._count(delivered=True)
                    self.succeeded(job)
                    return
                log.warning(
                    "push_refused", platform=self.platform, url=job.url, status=response.status_code
                )
            except httpx.HTTPError as exc:
                log.warning(
                    "push_failed", platform=self.platform, url=job.url, error=type(exc).__name__
                )
            if attempt < self.attempts:
                time.sleep(self.retry_delay * attempt)
        self._count(delivered=False)
        self.gave_up(job)
