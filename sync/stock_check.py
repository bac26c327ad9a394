"""Reading a store's stock before writing over it (docs/stock.md).

A marketplace takes a unit at checkout, before Lapak has taken the order in. A push whose
desired stock was computed before that order arrived would set the store's stock back up —
and sell a unit that no longer exists. So a stock write that could raise what the store
shows is preceded by a read:

- zero is written as is (it cannot raise anything);
- any other value is preceded by a read of the store's stock (one batch call per batch of
  writes) — even a value below what Lapak last set: with two sales not yet taken in, "one
  less than before" is still one more than the store shows. Compared with the desired
  value: equal → confirmed without a write; above it → the lower value is written; below it
  → an increase, written only once the store's orders have been pulled since the store was
  seen that low: then every sale behind the lower figure is taken in, and the desired value
  counts it. Until then the increase is *held* (the listing stays dirty, the store shows
  less than it could — never more): the order that explains the drop lowers the desired
  value to what the store shows, or the next pull releases a genuine increase (a restock,
  a cancellation, a hand edit on the marketplace).

Comparing with what Lapak last confirmed is not enough: a store that shows exactly that
may still have sold units Lapak has not heard of while other changes moved the desired
value by the same amount (a property test in tests/sync/test_stock_check.py found it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from lapak.sync.protocol import Connector
from lapak.sync.types import ListingRef, StockUpdate


@dataclass(frozen=True, slots=True)
class StockRow:
    """What a push knows about one bound listing's stock."""

    listing_id: int
    ref: ListingRef
    desired: int
    confirmed: int | None
    recheck: bool
    held_stock: int | None
    held_since: datetime | None

    @property
    def due(self) -> bool:
        return self.recheck or self.confirmed != self.desired


@dataclass(frozen=True, slots=True)
class Hold:
    listing_id: int
    shown: int
    since: datetime


@dataclass
class StockPlan:
    writes: list[tuple[int, StockUpdate]] = field(default_factory=list)
    """Absolute values to send."""
    matched: list[tuple[int, StockUpdate]] = field(default_factory=list)
    """Listings the store already shows at the desired value: confirmed without a write."""
    holds: list[Hold] = field(default_factory=list)
    """Increases held until the store's orders are taken in."""


def plan_stock(
    rows: Sequence[StockRow],
    connector: Connector,
    *,
    pulled_until: datetime | None,
    now: datetime,
) -> StockPlan:
    """Decide, for each due row, whether to write, confirm or hold (reads what it must)."""
    plan = StockPlan()
    due = [row for row in rows if row.due]
    shown = _read(connector, [row for row in due if row.desired > 0])
    for row in due:
        update = (row.listing_id, StockUpdate(row.ref, row.desired))
        seen = shown.get(row.ref)
        if seen is None or seen > row.desired:  # zero, gone from the store, or a decrease
            plan.writes.append(update)
        elif seen == row.desired:
            plan.matched.append(update)
        elif _released(row, seen, pulled_until):
            plan.writes.append(update)
        else:
            plan.holds.append(Hold(row.listing_id, seen, _hold_since(row, seen, now)))
    return plan


def _read(connector: Connector, rows: Sequence[StockRow]) -> dict[ListingRef, int]:
    if not rows:
        return {}
    return {found.ref: found.stock for found in connector.read_stock([row.ref for row in rows])}


def _released(row: StockRow, seen: int, pulled_until: datetime | None) -> bool:
    """The store shows less than desired: raising it is safe once a pull that started after
    the store was first seen this low has taken its orders in."""
    if row.held_since is None or (row.held_stock is not None and seen < row.held_stock):
        return False  # a drop seen just now (or a further one): its orders are not in yet
    return pulled_until is not None and pulled_until > row.held_since


def _hold_since(row: StockRow, seen: int, now: datetime) -> datetime:
    """When the drop was first seen; a further drop starts the wait again."""
    if row.held_since is None or (row.held_stock is not None and seen < row.held_stock):
        return now
    return row.held_since
