"""When each other store shows a sale: read at the instant its sandbox answers a call.

A store's stock on a sandbox changes only while the sandbox serves an API call (the other
stores sell nothing in `propagation.py`; Lapak's push is the only writer). So instead of
polling, `AnsweredHook` sits in front of each sandbox app (`harness.Marketplaces(wrap=...)`)
and, once an API answer has been sent, `Follow` reads that app's stores through their
`SandboxControl` and marks every pending sale whose lower stock a store now shows, stamped
with the clock right after the read. Nothing platform-specific is read: only listings.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from lapak.sync.stock import store_stock

from benchmarks import harness

CONTROL_PATHS = "/_sandbox/"
"""The sandboxes' own control routes and images: not the marketplace's API."""


@dataclass
class Sale:
    """One checkout on the selling store, and when each other store showed it."""

    external_id: str
    sku: str
    at: float
    """`time.monotonic()` when the checkout (which queues the marketplace's webhook) returned."""
    wall: float
    """`time.time()` at the same instant, to compare with Lapak's `orders.ingested_at`."""
    seen: dict[str, float] = field(default_factory=dict)


class Follow:
    """The sales of one run and, per other store, the ones it does not show yet."""

    def __init__(self, seller: str) -> None:
        self.seller = seller
        self.sales: list[Sale] = []
        self._market: harness.Marketplaces | None = None
        self._stores_of_app: dict[int, list[harness.StorePlan]] = {}
        self._on_hand: dict[str, int] = {}
        self._sold: Counter[str] = Counter()
        self._pending: dict[str, dict[str, deque[tuple[int, Sale]]]] = {}
        """store → SKU → (stock that shows the sale, sale), oldest sale first."""
        self._lock = threading.Lock()

    def wrap(self, app: Any) -> AnsweredHook:
        """For `harness.Marketplaces(wrap=...)`."""
        return AnsweredHook(app, self)

    def attach(self, market: harness.Marketplaces, on_hand: dict[str, int]) -> None:
        """Start following: the other stores of `market`, their SKUs' units on hand."""
        others = [plan for plan in market.plans if plan.name != self.seller]
        for plan in others:
            self._stores_of_app.setdefault(id(market.apps[plan.name]), []).append(plan)
            self._pending[plan.name] = {}
        self._on_hand = dict(on_hand)
        self._market = market

    @property
    def others(self) -> int:
        return len(self._pending)

    def sold(self, external_id: str, sku: str, at: float, wall: float) -> None:
        """A checkout of one unit of `sku` on the selling store returned at `at`."""
        sale = Sale(external_id, sku, at, wall)
        with self._lock:
            left = self._on_hand[sku] - self._sold[sku] - 1
            self._sold[sku] += 1
            self.sales.append(sale)
            assert self._market is not None
            for plan in self._market.plans:
                if plan.name in self._pending:
                    shows = store_stock(left, plan.stock_buffer)
                    self._pending[plan.name].setdefault(sku, deque()).append((shows, sale))

    def answered(self, app: Any) -> None:
        """`app` has just answered an API call: read its stores, mark what they show."""
        market = self._market
        if market is None:
            return
        for plan in self._stores_of_app.get(id(app), ()):
            if not self._pending[plan.name]:
                continue
            shown = market.stock(plan.name)
            now = time.monotonic()
            with self._lock:
                waiting = self._pending[plan.name]
                for sku in list(waiting):
                    units = shown.get(sku)
                    queue = waiting[sku]
                    while queue and units is not None and units <= queue[0][0]:
                        queue.popleft()[1].seen[plan.name] = now
                    if not queue:
                        del waiting[sku]

    def waiting(self) -> int:
        """Sales some other store does not show yet."""
        with self._lock:
            return sum(1 for sale in self.sales if len(sale.seen) < self.others)

    def followed(self) -> dict[str, float]:
        """Per sale every other store showed (by external id): seconds from checkout until
        the last of them showed it."""
        with self._lock:
            return {
                sale.external_id: max(sale.seen.values()) - sale.at
                for sale in self.sales
                if len(sale.seen) == self.others
            }

    def by_store(self) -> dict[str, list[float]]:
        """Per other store: seconds from checkout until it showed each sale it showed."""
        with self._lock:
            return {
                store: [sale.seen[store] - sale.at for sale in self.sales if store in sale.seen]
                for store in self._pending
            }

    def unseen_by_store(self) -> dict[str, int]:
        with self._lock:
            return {
                store: sum(len(q) for q in skus.values()) for store, skus in self._pending.items()
            }


class AnsweredHook:
    """ASGI wrapper: after an API answer's last body part is sent, `follow.answered(app)`."""

    def __init__(self, app: Any, follow: Follow) -> None:
        self.app = app
        self.follow = follow

    @property
    def state(self) -> Any:
        return self.app.state

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith(CONTROL_PATHS):
            await self.app(scope, receive, send)
            return

        async def sent(message: Any) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.follow.answered(self.app)

        await self.app(scope, receive, sent)
