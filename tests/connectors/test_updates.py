"""`connectors.kit.updates.push_plan`: calls side by side, a repeated listing's last value last."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from lapak.connectors.http import RetryPolicy
from lapak.connectors.kit.updates import Plan, Results, push_plan
from lapak.sync.types import ItemResult, ListingRef, StockUpdate


@dataclass(frozen=True)
class Call:
    indices: tuple[int, ...]


def _update(sku: str, stock: int) -> StockUpdate:
    return StockUpdate(ListingRef(sku, f"item-{sku}"), stock)


def _ok(call: Call, updates: list[StockUpdate]) -> Results:
    return [(i, ItemResult.success(updates[i].ref.sku)) for i in call.indices]


def test_calls_naming_other_listings_go_side_by_side() -> None:
    updates = [_update("A", 1), _update("B", 2)]
    second_started = threading.Event()
    overlapped: list[bool] = []

    def send(call: Call) -> Results:
        if call.indices == (0,):
            overlapped.append(second_started.wait(timeout=10))
        else:
            second_started.set()
        return _ok(call, updates)

    plan = Plan([Call((0,)), Call((1,))], [])
    results = push_plan(plan, updates, send, RetryPolicy(), at_once=4)

    assert overlapped == [True] and [r.ok for r in results] == [True, True]


def test_a_listing_named_again_is_sent_after_its_earlier_value_is_answered() -> None:
    """The plan puts a repeated listing in a later call so that its last value lands last:
    that call waits for the earlier one (it once raced it, and the store kept 5 of 5, 6)."""
    updates = [_update("A", 5), _update("A", 6), _update("B", 1)]
    answered: list[tuple[int, ...]] = []
    later_started = threading.Event()

    def send(call: Call) -> Results:
        if call.indices == (0, 2):
            later_started.wait(timeout=0.3)  # side by side, the later call would end first
        else:
            later_started.set()
        answered.append(call.indices)
        return _ok(call, updates)

    plan = Plan([Call((0, 2)), Call((1,))], [])
    results = push_plan(plan, updates, send, RetryPolicy(), at_once=4)

    assert answered == [(0, 2), (1,)]
    assert [r.ok for r in results] == [True, True, True]
