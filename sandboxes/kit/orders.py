"""Order life as every sandbox runs it: checkout taking stock, status moves, stock back.

An `OrderBook` holds a shop's orders over its `Catalog`. `place` takes the stock of every
line or of none (`OutOfStockError`, nothing changes); `change_status` moves an order along
and puts its units back when the platform's `OrderRules` say the move gives stock back
(a cancel before shipping, a return after), once. Where each line keeps its own status
(Lazada's order items: `OrderRules.line_statuses`), `move_lines` moves lines alone, each
giving its units back once. Where the order's statuses say when it holds its stock
(WooCommerce: `OrderRules.takes_stock`), an unpaid checkout takes none and stock goes and
comes back with the moves. A unit whose stock is not counted (`Unit.manage_stock`) sells
any quantity and moves no stock. The buyer is one of the Indonesian `BUYERS`; `random_lines`
is the random checkout of the buyer simulator.

A platform supplies its `OrderRules` (status names, which are paid, which moves give
stock back, the control API's verbs), its id makers (order and line ids in its own
format), and keeps its own order attributes in `fields` (or in subclasses of `Order` and
`OrderLine` its book makes: `order_type`, `line_type`, with `held` for what it counts
besides stock); how an order reads on the wire (names, addresses, masks) is its own.
Callers hold the sandbox lock and send the pushes.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from lapak.sandboxes.kit.catalog import Catalog, Id, Price, Status, Unit

T = TypeVar("T")


class OutOfStockError(ValueError):
    """An order line asks for more than the unit has, or for less than one piece."""


class UnknownSkuError(LookupError):
    """An order line names a SKU no live listing has."""


@dataclass(frozen=True, slots=True)
class Buyer:
    username: str
    first_name: str
    last_name: str
    city: str
    province: str
    district: str
    zipcode: str

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


BUYERS = tuple(
    Buyer(*row.split("|"))
    for row in (
        "budi_santoso|Budi|Santoso|Jakarta Selatan|DKI Jakarta|Kebayoran Baru|12190",
        "sitinurhaliza|Siti|Nurhaliza|Bandung|Jawa Barat|Coblong|40115",
        "agus.pratama|Agus|Pratama|Surabaya|Jawa Timur|Gubeng|60271",
        "dewi_lestari|Dewi|Lestari|Yogyakarta|DI Yogyakarta|Gondokusuman|55213",
        "rizky_m|Rizky|Maulana|Medan|Sumatera Utara|Medan Baru|20112",
        "putri.ayu|Putri|Ayu|Makassar|Sulawesi Selatan|Panakkukang|90111",
        "hendra88|Hendra|Wijaya|Semarang|Jawa Tengah|Candisari|50132",
        "nanda_r|Nanda|Rahmawati|Denpasar|Bali|Denpasar Barat|80232",
    )
)
"""The sandboxes' Indonesian buyers: username|first|last|city|province|district|zipcode
(names and addresses are made up)."""


@dataclass(slots=True)
class OrderLine:
    id: Id
    listing_id: Id
    variant_id: Id | None
    sku: str
    name: str
    """The listing's name."""
    options: list[str]
    """The variant's option values (empty for a listing without variants)."""
    quantity: int
    price: Price
    status: Status | None = None
    """The line's own status (`OrderRules.line_statuses`); None: the order's is the line's."""
    updated: int = 0
    """When the line last moved (with line statuses)."""
    stock_back: bool = False
    """The line holds none of its units: they went back on their listing (cancelled or
    returned), only once, or were never taken (`OrderRules.takes_stock`)."""
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Order:
    id: Id
    status: Status
    created: int
    updated: int
    lines: list[OrderLine]
    buyer: Buyer
    paid_at: int | None = None
    shipped_at: int | None = None
    cancelled_at: int | None = None
    tracking_number: str = ""
    carrier: str = ""
    cancelled_by: str = ""
    cancel_reason: str = ""
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> Price:
        return sum((line.price * line.quantity for line in self.lines), 0)

    @property
    def stock_back(self) -> bool:
        """The order holds none of its units (they went back, or were never taken)."""
        return all(line.stock_back for line in self.lines)

    @property
    def statuses(self) -> list[Status]:
        """Its lines' distinct statuses where they keep their own, else its status."""
        own = [line.status for line in self.lines if line.status is not None]
        return list(dict.fromkeys(own)) if own else [self.status]


@dataclass(frozen=True, slots=True)
class OrderRules:
    """A platform's order statuses and what moving between them does.

    `gives_back` maps a target status to the statuses an order may come from for the move
    to put its stock back (Shopee: CANCELLED from any not-yet-shipped status).
    """

    statuses: tuple[Status, ...]
    unpaid: Status
    paid: Status
    paid_statuses: frozenset[Status]
    """Entering one stamps `paid_at` (when not stamped yet)."""
    cancelled: frozenset[Status]
    """Entering one stamps `cancelled_at` and `cancelled_by`."""
    gives_back: Mapping[Status, frozenset[Status]]
    shipped_statuses: frozenset[Status] = frozenset()
    """Entering one stamps `shipped_at` (when not stamped yet)."""
    verbs: Mapping[str, Status] = field(default_factory=dict)
    """Friendly names of the control API ("pay", "cancel", ...) for the platform's own."""
    canceller: str = "seller"
    """`cancelled_by` when a cancel names nobody."""
    line_statuses: bool = False
    """Each line keeps its own status and moves alone (`OrderBook.move_lines`); the order's
    `status` is the one its lines last all had."""
    takes_stock: frozenset[Status] | None = None
    """None: the checkout takes the order's stock, a move `gives_back` puts it back once.
    Else the statuses in which the order holds it (WooCommerce's paid and on-hold ones,
    `wc_maybe_reduce_stock_levels`): a checkout into another takes none, entering one takes
    it (unchecked) whenever the order holds none, and a move `gives_back` puts it back
    (`wc_maybe_increase_stock_levels`), to be taken again by the next entry."""
    checkout_checks_stock: bool = False
    """With `takes_stock`: a checkout into a status that holds none still refuses more
    units than the listing shows, taking none (Tokopedia: a buyer orders at most the shown
    stock, which leaves only at payment)."""

    def holds_stock(self, status: Status) -> bool:
        """Whether an order in `status` holds its stock, by `takes_stock`."""
        return self.takes_stock is None or status in self.takes_stock

    def resolve(self, name: str) -> Status:
        """A status by a verb, or by its name in any case (a number status by its digits,
        Tokopedia's 220 by "220"); ValueError naming the known ones."""
        by_name = {str(s).lower(): s for s in self.statuses}
        status = self.verbs.get(name.lower(), by_name.get(name.lower()))
        if status not in self.statuses:
            known = ", ".join(str(s) for s in (*self.statuses, *self.verbs))
            raise ValueError(f"unknown order status {name!r} (known: {known})")
        return status


class OrderBook:
    """A shop's orders (in placing order) over its catalog, moved by the platform's rules.

    A platform with its own order or line attributes subclasses the book with its
    `order_type` and `line_type` (subclasses of `Order` and `OrderLine`)."""

    order_type: type[Order] = Order
    line_type: type[OrderLine] = OrderLine

    def __init__(self, catalog: Catalog, rules: OrderRules) -> None:
        self.catalog = catalog
        self.rules = rules
        self.orders: dict[Id, Order] = {}

    def get(self, order_id: Id) -> Order | None:
        return self.orders.get(order_id)

    def place(
        self,
        lines: Sequence[tuple[str, int]],
        *,
        now: int,
        rng: random.Random,
        order_id: Callable[[], Id],
        line_id: Callable[[], Id],
        paid: bool,
        per_unit: bool = False,
    ) -> Order:
        """An order for `lines` ((sku, quantity)); its stock is taken, all or nothing.

        `per_unit`: one line per piece bought (Lazada, TikTok), each of quantity 1. The
        order is `rules.paid` (stamped paid now) when `paid`, else `rules.unpaid`, and so
        are its lines with line statuses; a status that holds no stock
        (`OrderRules.takes_stock`) takes none and checks none unless the rules say
        `checkout_checks_stock`. Raises `UnknownSkuError` or `OutOfStockError` and changes
        nothing."""
        status = self.rules.paid if paid else self.rules.unpaid
        takes = self.rules.holds_stock(status)
        checks = takes or self.rules.checkout_checks_stock
        wanted = take_stock(self.catalog, lines, take=takes, check=checks)
        for unit, quantity in wanted:
            self.held(unit, quantity, None, status)
        order_lines = [
            self.line_type(
                id=line_id(),
                listing_id=unit.listing.id,
                variant_id=unit.variant.id if unit.variant is not None else None,
                sku=unit.sku,
                name=unit.listing.name,
                options=list(unit.variant.options) if unit.variant is not None else [],
                quantity=piece,
                price=unit.price,
                status=status if self.rules.line_statuses else None,
                updated=now,
                stock_back=not takes,
            )
            for unit, quantity in wanted
            for piece in ([1] * quantity if per_unit else [quantity])
        ]
        order = self.order_type(
            id=order_id(),
            status=status,
            created=now,
            updated=now,
            lines=order_lines,
            buyer=rng.choice(BUYERS),
            paid_at=now if paid else None,
        )
        self.orders[order.id] = order
        return order

    def change_status(self, order: Order, status: Status, now: int, *, by: str = "") -> bool:
        """Move `order` to `status`, putting its stock back when the rules say so.

        Returns False when the order already had that status (nothing changes, no push)."""
        if order.status == status:
            return False
        rules = self.rules
        if order.status in rules.gives_back.get(status, ()):
            self.restore_stock(order)
        if rules.takes_stock is not None and status in rules.takes_stock:
            self.retake_stock(order)
        if status in rules.cancelled:
            order.cancelled_at = now
            order.cancelled_by = by or rules.canceller
        if status in rules.paid_statuses and order.paid_at is None:
            order.paid_at = now
        if status in rules.shipped_statuses and order.shipped_at is None:
            order.shipped_at = now
        order.status = status
        order.updated = max(now, order.updated)
        return True

    def move_lines(
        self, order: Order, lines: Sequence[OrderLine], status: Status, now: int
    ) -> list[OrderLine]:
        """Move `lines` of `order` (line statuses) to `status` one by one, each putting its
        stock back when the rules say so; returns those that moved (no stamps)."""
        moved = [line for line in lines if line.status != status]
        for line in moved:
            unit = self.catalog.unit(line.listing_id, line.variant_id)
            if line.status in self.rules.gives_back.get(status, ()):
                self._give_back(line, unit)
            if unit is not None:
                self.held(unit, line.quantity, line.status, status)
            line.status = status
            line.updated = max(now, line.updated)
        if moved:
            order.updated = max(now, order.updated)
            if all(line.status == status for line in order.lines):
                order.status = status
        return moved

    def held(self, unit: Unit, quantity: int, old: Status | None, new: Status) -> None:
        """What else `quantity` units of `unit` going from `old` (None: checkout) to `new`
        does: nothing here; a platform's book that counts units held by orders besides
        stock (Lazada's withhold and occupy) says it."""

    def restore_stock(self, order: Order) -> None:
        """Put the order's units back on their listings, each line once."""
        for line in order.lines:
            self._give_back(line, self.catalog.unit(line.listing_id, line.variant_id))

    def retake_stock(self, order: Order) -> None:
        """Take the units of the order's lines that hold none, unchecked (stock may go
        below zero, as WooCommerce's does); a listing or variant gone gives none."""
        for line in order.lines:
            unit = self.catalog.unit(line.listing_id, line.variant_id)
            if line.stock_back and unit is not None and unit.manage_stock:
                unit.stock -= line.quantity
            line.stock_back = False

    @staticmethod
    def _give_back(line: OrderLine, unit: Unit | None) -> None:
        """The line's units back on `unit`, once (a listing or variant gone, or one whose
        stock is not counted, takes none)."""
        if not line.stock_back and unit is not None and unit.manage_stock:
            unit.stock += line.quantity
        line.stock_back = True


def take_stock(
    catalog: Catalog,
    lines: Sequence[tuple[str, int]],
    *,
    take: bool,
    check: bool,
) -> list[tuple[Unit, int]]:
    """The units of (sku, quantity) lines, found all or nothing: refused when short
    (`check`), their stock taken (`take`); uncounted stock is never short."""
    if not lines:
        raise OutOfStockError("an order needs at least one line")
    wanted: dict[tuple[Id, Id | None], int] = {}
    resolved: list[tuple[Unit, int]] = []
    for sku, quantity in lines:
        unit = catalog.find_sku(sku)
        if unit is None:
            raise UnknownSkuError(f"no listing with SKU {sku!r}")
        if quantity < 1:
            raise OutOfStockError(f"SKU {sku!r}: quantity must be >= 1")
        wanted[unit.key] = wanted.get(unit.key, 0) + quantity
        if check and unit.manage_stock and unit.stock < wanted[unit.key]:
            raise OutOfStockError(f"SKU {sku!r}: {wanted[unit.key]} wanted, {unit.stock} in stock")
        resolved.append((unit, quantity))
    for unit, quantity in resolved:
        if take and unit.manage_stock:
            unit.stock -= quantity
    return resolved


def random_lines(catalog: Catalog, rng: random.Random) -> list[tuple[str, int]]:
    """One or two random in-stock units, 1..3 pieces each (never more than held);
    `OutOfStockError` when nothing is in stock."""
    units = catalog.in_stock()
    if not units:
        raise OutOfStockError("nothing in stock")
    picked = rng.sample(units, k=min(len(units), rng.choice((1, 1, 2))))
    return [
        (unit.sku, rng.randint(1, min(3, unit.stock) if unit.manage_stock else 3))
        for unit in picked
    ]


def fresh(make: Callable[[], T], taken: Container[object]) -> T:
    """A new id from `make` (a random one) that is not in `taken`."""
    while True:
        candidate = make()
        if candidate not in taken:
            return candidate


def random_text(rng: random.Random, alphabet: str, length: int) -> str:
    """`length` random characters of `alphabet` (order numbers, tokens, masked digits)."""
    return "".join(rng.choice(alphabet) for _ in range(length))
