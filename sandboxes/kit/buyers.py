"""Buyer simulators: random checkouts on in-stock listings, and life after checkout.

`BuyerLoop` runs `step()` in a daemon thread at a given rate (orders per second), or tests
call `step()` one tick at a time. `Buyers` is the tick every platform shares: one checkout
on a random store (some left unpaid), then each store's recent orders move on by the
platform's own rules (`_move_on`, usually a table of status moves rolled by `_rolled`).
"""

from __future__ import annotations

import itertools
import random
import threading
from abc import abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import structlog
from lapak.sandboxes.kit.catalog import Status
from lapak.sandboxes.kit.orders import Order, OutOfStockError

if TYPE_CHECKING:
    from lapak.sandboxes.kit.stores import StoreSandbox

log = structlog.get_logger(__name__)


class Sandbox(Protocol):
    """What the tick needs of every sandbox; a platform's simulator names its own type."""

    @property
    def lock(self) -> AbstractContextManager[Any]: ...


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


class Buyers(BuyerLoop):
    """One tick: a checkout on a random store, then moving recent orders on.

    A platform says where its stores are (`_stores`), how an order is placed (`_place`,
    raising one of `out_of_stock` when the store has nothing to sell) and how a store's
    orders move on (`_move_on`)."""

    out_of_stock: ClassVar[tuple[type[Exception], ...]]

    def __init__(
        self,
        sandbox: Sandbox,
        *,
        seed: int = 0,
        unpaid_rate: float = 0.2,
        pay_rate: float = 0.5,
        cancel_rate: float = 0.05,
        progress_rate: float = 0.3,
    ) -> None:
        self._sandbox = sandbox
        self._rng = random.Random(seed + 1)
        self.unpaid_rate = unpaid_rate
        self.pay_rate = pay_rate
        self.cancel_rate = cancel_rate
        self.progress_rate = progress_rate
        super().__init__()
        self.placed = 0

    @abstractmethod
    def _stores(self) -> Mapping[Any, Any]:
        """The sandbox's stores by the key `_place` takes."""

    @abstractmethod
    def _place(self, store: Any, paid: bool) -> Any:
        """Place one order on `store`; its id."""

    @abstractmethod
    def _move_on(self, shop: Any) -> None:
        """Move some of `shop`'s recent orders on (the lock is held)."""

    def place_one(self, store: Any = None) -> Any:
        """One random checkout (on `store` or a random one); None when nothing is in stock."""
        with self._sandbox.lock:
            stores = [store] if store is not None else list(self._stores())
            self._rng.shuffle(stores)
            paid = self._rng.random() >= self.unpaid_rate
            for candidate in stores:
                try:
                    placed = self._place(candidate, paid)
                except self.out_of_stock:
                    continue
                self.placed += 1
                return placed
        return None

    def step(self) -> Any:
        """One tick: a new order, then maybe moving existing ones on."""
        placed = self.place_one()
        with self._sandbox.lock:
            for shop in self._stores().values():
                self._move_on(shop)
        return placed

    def _recent(self, shop: Any) -> Iterator[Any]:
        """The store's newest orders, newest first."""
        return itertools.islice(reversed(shop.orders.values()), RECENT_ORDERS)

    def _rolled(
        self, shop: Any, moves: Sequence[tuple[Any, Any, float, str]]
    ) -> Iterator[tuple[Any, Any, Any, str]]:
        """For each (source, target, rate, by) move whose dice roll hits, a random recent
        order in `source` (an order stands in each of its `statuses`: its lines' where they
        keep their own): (order, source, target, by)."""
        by_status: dict[Any, list[Any]] = {}
        for order in self._recent(shop):
            for status in order.statuses:
                by_status.setdefault(status, []).append(order)
        for source, target, rate, by in moves:
            candidates = by_status.get(source)
            if candidates and self._rng.random() < rate:
                yield self._rng.choice(candidates), source, target, by


class StoreBuyers(Buyers):
    """The buyers of a `StoreSandbox` (kit/stores.py): checkouts through its `place_order`,
    and `moves` rolled on each store's recent orders: (source status, target status, name
    of the rate attribute, who moves it)."""

    _sandbox: StoreSandbox[Any]
    out_of_stock = (OutOfStockError,)
    moves: ClassVar[tuple[tuple[Status, Status, str, str], ...]]

    def _stores(self) -> Mapping[Any, Any]:
        return self._sandbox.stores

    def _place(self, store: Any, paid: bool) -> Any:
        return self._sandbox.place_order(store, None, paid=paid)

    def _move_on(self, shop: Any) -> None:
        table = [
            (source, target, getattr(self, rate), by) for source, target, rate, by in self.moves
        ]
        for order, source, target, by in self._rolled(shop, table):
            self._move(shop, order, source, target, by)

    def _move(self, shop: Any, order: Order, source: Status, target: Status, by: str) -> None:
        """One rolled move: the order's status (a platform whose lines keep their own moves
        those in `source`)."""
        self._sandbox.change_status_in(shop, order, target, by=by)
