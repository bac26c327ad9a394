"""A sandbox's stores and the store half of `SandboxControl`, over the kit's shop state.

`Store` is one shop: its name (as Lapak's config names it), its `Catalog`, its `OrderBook`
and the URL its pushes go to; a platform subclasses it with its own keys and ids.
`StoreSandbox` (mixed into a platform's `SandboxCore`) places and moves orders and sends
the push of every change; `StoreSurface` answers listings, stock, orders and tokens by
store name (`SandboxControl`, kit/control.py) for the conformance suite and the demo.

A platform supplies: its stores by key (`stores`, looked up by `store`), its order and line ids,
its push (`notify`), how a control-made listing looks (`new_listing`), whom a store's
tokens belong to (`token_owner`, for auth codes and token expiry) and what the control
actions pay/cancel/complete/return do to an order (`order_actions`, a table of `ActionRule`).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from lapak.sandboxes.kit.catalog import Catalog, Id, Listing, Status
from lapak.sandboxes.kit.control import (
    ListingMaker,
    ListingSpec,
    OrderAction,
    SandboxListing,
    SandboxOrder,
)
from lapak.sandboxes.kit.core import SandboxCore
from lapak.sandboxes.kit.orders import Order, OrderBook, OrderLine, random_lines
from lapak.sandboxes.kit.surface import SandboxSurface

if TYPE_CHECKING:
    from lapak.sandboxes.kit.buyers import Buyers
    from lapak.sandboxes.kit.push import PushQueue
    from lapak.sandboxes.kit.tokens import TokenStore


@dataclass(slots=True, kw_only=True)
class Store:
    name: str
    catalog: Catalog
    book: OrderBook
    push_url: str | None = None

    @property
    def orders(self) -> Mapping[Id, Order]:
        return self.book.orders

    def ids(self) -> dict[str, Any]:
        """The platform's ids of the store, shown by the control API's store list."""
        return {}

    def summary(self) -> dict[str, Any]:
        """The store as the control API lists it: name, ids, webhook URL, what it holds."""
        return {
            "name": self.name,
            **self.ids(),
            "webhook_url": self.push_url,
            "products": len(self.catalog.live()),
            "orders": len(self.orders),
        }


S = TypeVar("S", bound=Store)


@dataclass(frozen=True, slots=True)
class ActionRule:
    """What one control action (pay, cancel, complete, return) does to an order.

    The action may start from the statuses in `starts` (None: from any) and is refused
    otherwise: ValueError with `refusal`, a format string of {id}, {status} (the order's
    statuses joined by ",") and {action}. From a status in `already` it has nothing left to
    do. Else `first` runs, called as first(sandbox, store, order) (a side effect the moves'
    pushes must show: a refund), then the `moves`, each a (status, by) made with the
    sandbox's `change_status_in`. Where lines keep their own status
    (`OrderRules.line_statuses`) the lines in `starts` move (`move_lines_in`; `by` is not
    kept), and each move takes on the lines the one before moved."""

    moves: tuple[tuple[Status, str], ...] = ()
    starts: frozenset[Status] | None = None
    refusal: str = ""
    already: frozenset[Status] = frozenset()
    first: Callable[[Any, Any, Order], None] | None = None


class UnknownStoreError(LookupError):
    def __init__(self, key: Any):
        super().__init__(f"no store {key!r} in this sandbox")


class UnknownOrderError(LookupError):
    def __init__(self, store: str, order_id: Id):
        super().__init__(f"no order {order_id!r} on store {store}")


class StoreSandbox(SandboxCore, ListingMaker[Any, Id], Generic[S]):
    """The order half every platform's sandbox shares; the caller of a method ending in
    `_in` holds the lock, every other method takes it."""

    stores: dict[Any, S]
    push: PushQueue[Any]
    buyers: Buyers
    new_line_id: Callable[[], Id]
    """The next order line id (a platform's counter)."""
    tokens: TokenStore[Any]

    numeric_keys: ClassVar[bool] = False
    """`stores` are keyed by an int (a shop_id), which `store` also finds by its digits."""

    def store(self, key: Any) -> S:
        """The store by the key the platform's control methods take (`stores`' key)."""
        try:
            return self.stores[int(key) if self.numeric_keys else key]
        except (KeyError, TypeError, ValueError):
            raise UnknownStoreError(key) from None

    @abstractmethod
    def new_order_id(self, store: S) -> Id: ...

    @abstractmethod
    def notify(self, store: S, order: Order) -> None:
        """Push the order's change to the store's URL (when it has one)."""

    @abstractmethod
    def new_listing(self, store: S, spec: ListingSpec) -> Listing:
        """A seller's own listing as the platform makes it (not yet in the catalog)."""

    per_unit: ClassVar[bool] = False
    """One order line per piece bought (Lazada, TikTok)."""

    def place_order(
        self, key: Any, lines: Sequence[tuple[str, int]] | None = None, *, paid: bool = True
    ) -> Id:
        """A buyer checks out `lines` ((sku, quantity)); None picks random in-stock units.

        Stock goes down at once (`OutOfStockError`, `UnknownSkuError`: nothing changes);
        the order is paid or not, and pushed. Returns its id."""
        with self.lock:
            store = self.store(key)
            order = store.book.place(
                self.checkout_lines(store, lines),
                now=self.clock.now_s(),
                rng=self.rng,
                order_id=lambda: self.new_order_id(store),
                line_id=self.line_ids(store),
                paid=paid,
                per_unit=self.per_unit,
            )
            self.placed(store, order)
            self.notify_placed(store, order)
            return order.id

    def checkout_lines(
        self, store: S, lines: Sequence[tuple[str, int]] | None
    ) -> list[tuple[str, int]]:
        """The lines a checkout asks for: `lines`, or random in-stock units when None."""
        return list(lines) if lines else random_lines(store.catalog, self.rng)

    def line_ids(self, store: S) -> Callable[[], Id]:
        """The order line id maker: the sandbox's `new_line_id`, or a store's own counter."""
        return self.new_line_id

    def placed(self, store: S, order: Order) -> None:
        """What the platform adds to a new order (its buyer id, ...), before its push."""

    def notify_placed(self, store: S, order: Order) -> None:
        """The push of a new order: `notify`'s, unless the platform sends another."""
        self.notify(store, order)

    def order_in(self, store: S, order_id: Id) -> Order:
        order = store.book.get(order_id)
        if order is None:
            raise UnknownOrderError(store.name, order_id)
        return order

    def change_status_in(self, store: S, order: Order, status: Status, *, by: str = "") -> bool:
        """Status change with its side effects (stock back, push); False: no change."""
        changed = store.book.change_status(order, status, self.clock.now_s(), by=by)
        if changed:
            self.notify(store, order)
        return changed

    def move_lines_in(
        self, store: S, order: Order, lines: Sequence[OrderLine], status: Status
    ) -> Sequence[OrderLine]:
        """Move `lines` (line statuses) to `status`, pushing the order when any moved;
        returns those that moved."""
        moved = store.book.move_lines(order, lines, status, self.clock.now_s())
        if moved:
            self.notify(store, order)
        return moved

    order_actions: ClassVar[Mapping[str, ActionRule]] = {}
    """What each control action does to an order (`change_order`)."""

    def change_order(self, key: Any, order_id: Id, action: str) -> Order:
        """Apply the control `action` to the order as `order_actions` says; ValueError when
        the action is unknown or may not start from the order's status."""
        with self.lock:
            store = self.store(key)
            order = self.order_in(store, order_id)
            rule = self.order_actions.get(action)
            if rule is None:
                raise ValueError(f"unknown order action {action!r}")
            statuses = order.statuses
            if rule.starts is not None and rule.starts.isdisjoint(statuses):
                shown = ",".join(map(str, statuses))
                raise ValueError(rule.refusal.format(id=order.id, status=shown, action=action))
            if order.status in rule.already:
                return order
            if rule.first is not None:
                rule.first(self, store, order)
            if store.book.rules.line_statuses:
                lines: Sequence[OrderLine] = [
                    line
                    for line in order.lines
                    if rule.starts is None or line.status in rule.starts
                ]
                for status, _ in rule.moves:
                    lines = self.move_lines_in(store, order, lines, status)
            else:
                for status, by in rule.moves:
                    self.change_status_in(store, order, status, by=by)
            return order

    def set_order_status(self, key: Any, order_id: Id, status: str, *, by: str = "") -> Order:
        """Move an order (a status name or a verb of the rules); pushes if it changed."""
        with self.lock:
            store = self.store(key)
            order = self.order_in(store, order_id)
            self.change_status_in(store, order, store.book.rules.resolve(status), by=by)
            return order

    def stock_of(self, key: Any, sku: str) -> int | None:
        """The stock held for a seller SKU (None: no such listing)."""
        with self.lock:
            unit = self.store(key).catalog.find_sku(sku)
            return unit.stock if unit is not None else None

    def create_listing(self, key: Any, listing: ListingSpec) -> Id:
        with self.lock:
            store = self.store(key)
            return store.catalog.add(self.new_listing(store, listing)).id

    def set_push_url(self, key: Any, url: str | None) -> None:
        with self.lock:
            self.store(key).push_url = url or None

    def token_owner(self, store: S) -> Hashable:
        """Whom the store's tokens belong to in `tokens` (its shop id, say)."""
        raise NotImplementedError

    def issue_auth_code(self, key: Any) -> str:
        """A one-time code as the platform's consent redirect gives it."""
        with self.lock:
            return self.tokens.issue_code(self.token_owner(self.store(key)))

    def expire_token(self, key: Any) -> int:
        """The store's access tokens die now (the next call is refused as expired)."""
        with self.lock:
            return self.tokens.expire_access(self.token_owner(self.store(key)))


class StoreSurface(SandboxSurface, Generic[S]):
    """`SandboxControl`'s store half over a `StoreSandbox`, stores named as in Lapak."""

    sandbox: StoreSandbox[S]
    platform: ClassVar[str]
    removed_status: ClassVar[Status | None] = None
    """The status a listing the seller deleted keeps (None: it leaves the catalog)."""
    numeric_order_ids: ClassVar[bool] = False
    """The sandbox keys orders by int: an external id of digits is one."""

    def _store(self, name: str) -> S:
        for store in self.sandbox.stores.values():
            if store.name == name:
                return store
        raise LookupError(f"no store {name!r} in this {self.platform} sandbox")

    def _key(self, name: str) -> Any:
        with self.sandbox.lock:
            store = self._store(name)
            return next(key for key, value in self.sandbox.stores.items() if value is store)

    def create_listing(self, store: str, listing: ListingSpec) -> str:
        return str(self.sandbox.create_listing(self._key(store), listing))

    def listings(self, store: str) -> list[SandboxListing]:
        """One row a unit; its `variant_id` "" where the listing has no variants by the
        platform's rule (`Listing.has_variants`: Lazada's lone SKU is none)."""
        with self.sandbox.lock:
            return [
                SandboxListing(
                    sku=unit.sku,
                    item_id=str(listing.id),
                    variant_id=str(unit.variant.id)
                    if unit.variant is not None and listing.has_variants
                    else "",
                    name=listing.name,
                    price=Decimal(unit.price),
                    stock=unit.stock,
                )
                for listing in self._store(store).catalog.live()
                for unit in listing.units()
            ]

    def set_stock(self, store: str, sku: str, stock: int) -> None:
        with self.sandbox.lock:
            unit = self._store(store).catalog.find_sku(sku)
            if unit is None:
                raise LookupError(f"no SKU {sku!r} on store {store!r}")
            unit.stock = stock
            unit.listing.updated = self.sandbox.clock.now_s()

    def remove_listing(self, store: str, sku: str) -> None:
        with self.sandbox.lock:
            catalog = self._store(store).catalog
            unit = catalog.find_sku(sku)
            if unit is None:
                raise LookupError(f"no SKU {sku!r} on store {store!r}")
            if self.removed_status is None:
                del catalog.listings[unit.listing.id]
            else:
                unit.listing.status = self.removed_status
                unit.listing.updated = self.sandbox.clock.now_s()

    def place_order(
        self, store: str, lines: Sequence[tuple[str, int]] | None = None, *, paid: bool = True
    ) -> str:
        return str(self.sandbox.place_order(self._key(store), lines, paid=paid))

    def change_order(self, store: str, external_id: str, action: OrderAction) -> None:
        self.sandbox.change_order(self._key(store), self.order_id(external_id), action)

    def order_id(self, external_id: str) -> Id:
        """The order's id as the sandbox keys it."""
        if self.numeric_order_ids and external_id.isdigit():
            return int(external_id)
        return external_id

    def order(self, store: str, external_id: str) -> SandboxOrder:
        with self.sandbox.lock:
            order = self.sandbox.order_in(self._store(store), self.order_id(external_id))
            return SandboxOrder(
                external_id=str(order.id),
                status=str(order.status),
                tracking_number=order.tracking_number or None,
                lines=tuple((line.sku, line.quantity) for line in order.lines),
            )

    def order_ids(self, store: str) -> list[str]:
        with self.sandbox.lock:
            return [str(order_id) for order_id in self._store(store).orders]

    def set_webhook_url(self, store: str, url: str | None) -> None:
        self.sandbox.set_push_url(self._key(store), url)

    def expire_token(self, store: str) -> None:
        self.sandbox.expire_token(self._key(store))
