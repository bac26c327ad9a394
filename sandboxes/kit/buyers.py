"""The thread a sandbox's buyer simulator runs in: `step()` at a steady pace.

Every platform's `BuyerSimulator` subclasses `BuyerLoop` and implements `step()` (one
checkout, then maybe moving a few existing orders on: pay, cancel, ship, complete); this
class runs it in a daemon thread at a given rate, or tests call `step()` one tick at a time.
"""

from __future__ import annotations

import threading
from typing import ClassVar

import structlog

log = structlog.get_logger(__name__)

MAX_RATE = 1000.0
"""Orders per second, at most."""
RECENT_ORDERS = 500
"""Only the newest orders of a store move on (keeps a tick O(1))."""


class BuyerLoop:
    platform: ClassVar[str]

    def __init__(self) -> None:
        self.orders_per_second = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def step(self) -> object:
        """One tick: a new order, then maybe moving existing ones on."""
        raise NotImplementedError

    def start(self, orders_per_second: float) -> None:
        """Run at `orders_per_second` (0 stops); restarting replaces the running loop."""
        self.stop()
        if orders_per_second <= 0:
            return
        self.orders_per_second = min(float(orders_per_second), MAX_RATE)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._loop,
            args=(self._stop, 1.0 / self.orders_per_second),
            name=f"{self.platform}-buyers",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)
        self._thread = None
        self.orders_per_second = 0.0

    def _loop(self, stop: threading.Event, interval: float) -> None:
        while not stop.wait(interval):
            try:
                self.step()
            except Exception:  # a simulator bug must not die silently mid-demo
                log.exception("buyer_step_failed", platform=self.platform)
