"""Bringing many orders' reservations in line with their statuses in a few statements.

docs/rules.md, rule 4; the order state machine is `sync.orders`.

Each order's status implies what every reservation of its lines must be (active, released,
deducted, returned: `sync.orders.reservation_target`). `settle` does that for a batch of
orders with one read of their lines with their reservations, one of their products' stock,
one INSERT of the missing reservations, one UPDATE per kind of move and one executemany
UPDATE of the on-hand and reserved counts that move (`Product.reserved` is kept here, the
one place reservations are written). The outcome is that of settling the orders one
after the other in the given order, which it computes in memory: each new order is
measured for oversold units against the orders settled before it (docs/stock.md, "Oversold
orders"). The caller holds the products' locks (`sync.changes.lock_stock_rows`) and the
orders'.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

from lapak.sync.changes import reserved_units
from lapak.sync.stock import available
from lapak.sync.store.dialect import among, inserted_rows
from lapak.sync.store.models import OrderLine, Product, Reservation, utcnow
from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class NewLine:
    """An order line of a catalog product that this intake has just inserted."""

    id: int
    product_id: int
    quantity: int


@dataclass(frozen=True)
class Settling:
    """One order to settle: its id, the reservation state its status implies
    (`sync.orders.reservation_target`), and whether this intake first saw it."""

    order_id: int
    target: str
    first_seen: bool
    new_lines: Sequence[NewLine] | None = None
    """Its lines of catalog products when the caller has just inserted them (none can
    have a reservation yet); None: they are read from the database."""


@dataclass
class Settled:
    changed: set[int] = field(default_factory=set)
    """Products whose reservations or on-hand count moved."""
    oversold_units: int | None = None
    """Units beyond what was available, when reservations were made for the order now
    (None: the order keeps what it had)."""


@dataclass
class _Line:
    id: int
    product_id: int
    quantity: int
    state: str | None
    """Its reservation's state, None while the line has none."""


@dataclass
class _Ledger:
    """The stock of the batch's products as the orders settled so far left it, and the
    writes that bring the database there."""

    on_hand: dict[int, int]
    reserved: dict[int, int]
    moves: dict[tuple[str, str], list[int]] = field(default_factory=lambda: defaultdict(list))
    """(from state, to state) → order line ids."""
    on_hand_delta: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    reserved_delta: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    def reserve(self, line: _Line) -> None:
        """A reservation just inserted for the line (active)."""
        line.state = "active"
        self._reserved(line.product_id, line.quantity)

    def move(self, line: _Line, to: str) -> None:
        assert line.state is not None
        self.moves[(line.state, to)].append(line.id)
        if line.state == "active":
            self._reserved(line.product_id, -line.quantity)
        if to == "deducted":
            self._on_hand(line.product_id, -line.quantity)
        elif to == "returned":
            self._on_hand(line.product_id, line.quantity)
        line.state = to

    def _on_hand(self, product_id: int, delta: int) -> None:
        self.on_hand[product_id] += delta
        self.on_hand_delta[product_id] += delta

    def _reserved(self, product_id: int, delta: int) -> None:
        self.reserved[product_id] += delta
        self.reserved_delta[product_id] += delta

    def short(self, lines: Sequence[_Line]) -> int:
        """Units of these lines beyond what is available now (theirs reserved already)."""
        wanted: dict[int, int] = defaultdict(int)
        for line in lines:
            wanted[line.product_id] += line.quantity
        short = 0
        for product_id, quantity in wanted.items():
            left = available(self.on_hand[product_id], self.reserved[product_id])
            short += min(quantity, max(0, -left))
        return short


def settle(
    session: Session, orders: Sequence[Settling], reserved: dict[int, int] | None = None
) -> list[Settled]:
    """Create missing reservations and move them to each order's target, in this order
    (each order once).

    `reserved`: the kept reserved counts (`Product.reserved`) this transaction knows of
    products it holds locked (what an earlier settle of it left here); they are not read
    again. It is brought up to date in place: after the writes it holds the count of every
    product it held before or whose count this settle read, each as its own UPDATE left it
    (the locks keep every other writer out), so the caller's listing recompute need not read
    them (`sync.changes.products_changed`)."""
    known = {} if reserved is None else reserved
    lines = _lines_of(session, [order.order_id for order in orders if order.new_lines is None])
    for order in orders:
        if order.new_lines is not None:
            lines[order.order_id] = [
                _Line(line.id, line.product_id, line.quantity, None)
                for line in sorted(order.new_lines, key=lambda line: line.id)
            ]
    reserving = [
        lines[order.order_id]
        for order in orders
        if order.target != "released" or not order.first_seen
    ]
    creating = [line for found in reserving for line in found if line.state is None]
    # The stock is read only to measure orders getting new reservations (`_Ledger.short`);
    # the moves of existing ones are written as deltas without it.
    products = sorted({line.product_id for found in reserving for line in found if _any_new(found)})
    # When it is read at all, the reserved count is read for every product whose
    # reservations this settle may move (in the same statement), so that the recompute after
    # it knows them all.
    unknown = sorted({ln.product_id for found in reserving for ln in found} - known.keys())
    read = {product_id: 0 for product_id in unknown} if products else {}
    if read:
        read.update(reserved_units(session, unknown))
    ledger = _Ledger(
        on_hand=defaultdict(int, _on_hand(session, products)),
        reserved=defaultdict(int, {**known, **read}),
    )
    created = _insert_active(session, creating)
    outcomes = [_settle_one(ledger, order, lines[order.order_id], created) for order in orders]
    _write(session, ledger)
    for product_id in [*known, *read]:
        known[product_id] = ledger.reserved[product_id]
    return outcomes


def _any_new(lines: Sequence[_Line]) -> bool:
    return any(line.state is None for line in lines)


def _settle_one(ledger: _Ledger, order: Settling, lines: list[_Line], created: set[int]) -> Settled:
    """One order, as `ledger` stands after the orders before it (`created`: the line ids
    whose reservation this batch inserted)."""
    settled = Settled()
    new = [line for line in lines if line.id in created]
    for line in new:
        ledger.reserve(line)
    if new:
        settled.changed |= {line.product_id for line in lines}
        if order.target in ("active", "deducted"):
            settled.oversold_units = ledger.short(lines)
    target = order.target
    if target == "active":
        return settled
    if target == "returned":
        for line in lines:
            if line.state == "deducted":
                ledger.move(line, "returned")
                settled.changed.add(line.product_id)
        target = "released"  # units Lapak never saw leave are simply no longer held
    for line in lines:
        if line.state == "active":
            ledger.move(line, target)
            settled.changed.add(line.product_id)
    return settled


def _lines_of(session: Session, order_ids: Sequence[int]) -> dict[int, list[_Line]]:
    """Each order's lines of catalog products, with their reservation's state.

    Two lookups by key (the lines by order, their reservations by line) rather than one
    join: joined, PostgreSQL without fresh statistics scanned both whole tables for every
    batch, a cost that grew with every order ever taken in. (New orders' lines need no
    lookup: `Settling.new_lines`.)"""
    if not order_ids:
        return {}
    rows = session.execute(
        select(OrderLine.order_id, OrderLine.id, OrderLine.product_id, OrderLine.quantity)
        .where(among(session, OrderLine.order_id, order_ids), OrderLine.product_id.is_not(None))
        .order_by(OrderLine.id)
    ).all()
    states = _reservation_states(session, [row.id for row in rows])
    lines: dict[int, list[_Line]] = {order_id: [] for order_id in order_ids}
    for order_id, line_id, product_id, quantity in rows:
        assert product_id is not None  # lines of catalog products only
        lines[order_id].append(_Line(line_id, product_id, quantity, states.get(line_id)))
    return lines


def _reservation_states(session: Session, line_ids: Sequence[int]) -> dict[int, str]:
    if not line_ids:
        return {}
    query = select(Reservation.order_line_id, Reservation.state).where(
        among(session, Reservation.order_line_id, line_ids)
    )
    return {line_id: state for line_id, state in session.execute(query)}


def _insert_active(session: Session, lines: Sequence[_Line]) -> set[int]:
    """Active reservations for these lines unless they have one; the line ids inserted."""
    rows = [
        {"order_line_id": ln.id, "product_id": ln.product_id, "quantity": ln.quantity}
        for ln in lines
    ]
    inserted = inserted_rows(
        session, Reservation, rows, ["order_line_id"], Reservation.order_line_id
    )
    return {line_id for (line_id,) in inserted}


def _on_hand(session: Session, product_ids: Sequence[int]) -> dict[int, int]:
    if not product_ids:
        return {}
    query = select(Product.id, Product.on_hand).where(among(session, Product.id, product_ids))
    return {product_id: on_hand for product_id, on_hand in session.execute(query)}


def _write(session: Session, ledger: _Ledger) -> None:
    """The ledger's moves: one UPDATE per (from, to) pair of states, one executemany UPDATE
    of the on-hand and reserved counts, by product id."""
    now = utcnow()
    for (was, to), line_ids in sorted(ledger.moves.items()):
        session.execute(
            update(Reservation)
            .where(among(session, Reservation.order_line_id, line_ids), Reservation.state == was)
            .values(state=to, updated_at=now),
            execution_options={"synchronize_session": False},
        )
    moved = sorted(set(ledger.on_hand_delta) | set(ledger.reserved_delta))
    deltas = [
        {
            "product": product_id,
            "on_hand_delta": ledger.on_hand_delta.get(product_id, 0),
            "reserved_delta": ledger.reserved_delta.get(product_id, 0),
        }
        for product_id in moved
    ]
    deltas = [row for row in deltas if row["on_hand_delta"] or row["reserved_delta"]]
    if deltas:
        table = cast(Table, Product.__table__)
        session.execute(
            update(table)
            .where(table.c.id == bindparam("product"))
            .values(
                on_hand=table.c.on_hand + bindparam("on_hand_delta"),
                reserved=table.c.reserved + bindparam("reserved_delta"),
            ),
            deltas,
        )
