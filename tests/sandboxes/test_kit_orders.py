"""The kit's catalog and order book: SKU lookup, all-or-nothing checkout, stock back."""

from __future__ import annotations

import dataclasses
import itertools
import random

import pytest
from lapak.sandboxes.kit.catalog import Catalog, Listing, Status, Unit, Variant
from lapak.sandboxes.kit.orders import (
    BUYERS,
    Order,
    OrderBook,
    OrderRules,
    OutOfStockError,
    UnknownSkuError,
    fresh,
    random_lines,
)

RULES = OrderRules(
    statuses=("UNPAID", "PAID", "SHIPPED", "CANCELLED", "RETURNED"),
    unpaid="UNPAID",
    paid="PAID",
    paid_statuses=frozenset({"PAID"}),
    cancelled=frozenset({"CANCELLED"}),
    gives_back={
        "CANCELLED": frozenset({"UNPAID", "PAID"}),
        "RETURNED": frozenset({"SHIPPED"}),
    },
    shipped_statuses=frozenset({"SHIPPED"}),
    verbs={"pay": "PAID", "cancel": "CANCELLED"},
)


def _catalog() -> Catalog:
    catalog = Catalog(selling={"LIVE"}, gone={"DELETED"})
    catalog.add(Listing(1, "MUG", "Mug", 50_000, 5, "LIVE", 0, 0))
    shirt = catalog.add(Listing(2, "", "Kaos", 0, 0, "LIVE", 0, 0))
    shirt.variants[21] = Variant(21, "KAOS-M", 80_000, 2, ["M"])
    shirt.variants[22] = Variant(22, "KAOS-L", 85_000, 0, ["L"])
    catalog.add(Listing(3, "OLD", "Old", 1, 9, "DELETED", 0, 0))
    catalog.add(Listing(4, "HIDDEN", "Hidden", 1, 9, "UNLISTED", 0, 0))
    return catalog


def _book() -> OrderBook:
    return OrderBook(_catalog(), RULES)


def _place(book: OrderBook, lines: list[tuple[str, int]], *, paid: bool = True):
    ids = itertools.count(1)
    return book.place(
        lines,
        now=100,
        rng=random.Random(0),
        order_id=lambda: f"O{next(ids)}",
        line_id=itertools.count(10).__next__,
        paid=paid,
    )


def test_find_sku_sees_variants_and_skips_deleted_listings() -> None:
    catalog = _catalog()
    unit = catalog.find_sku("KAOS-M")
    assert unit is not None and unit.key == (2, 21) and unit.price == 80_000
    assert catalog.find_sku("MUG").key == (1, None)  # type: ignore[union-attr]
    assert catalog.find_sku("OLD") is None
    assert catalog.find_sku("HIDDEN") is not None  # orderable by SKU, not picked at random
    assert [u.sku for u in catalog.in_stock()] == ["MUG", "KAOS-M"]


def test_place_takes_stock_and_stamps_a_paid_order() -> None:
    book = _book()
    order = _place(book, [("MUG", 2), ("KAOS-M", 1)])
    assert order.status == "PAID" and order.paid_at == 100
    assert [(line.sku, line.quantity, line.options) for line in order.lines] == [
        ("MUG", 2, []),
        ("KAOS-M", 1, ["M"]),
    ]
    assert order.total == 2 * 50_000 + 80_000
    assert order.buyer in BUYERS
    assert book.catalog.find_sku("MUG").stock == 3  # type: ignore[union-attr]
    assert book.get(order.id) is order


def test_place_is_all_or_nothing() -> None:
    book = _book()
    with pytest.raises(OutOfStockError, match="3 wanted, 2 in stock"):
        _place(book, [("MUG", 1), ("KAOS-M", 2), ("KAOS-M", 1)])
    with pytest.raises(UnknownSkuError):
        _place(book, [("MUG", 1), ("NOPE", 1)])
    with pytest.raises(OutOfStockError):
        _place(book, [("MUG", 0)])
    assert book.catalog.find_sku("MUG").stock == 5  # type: ignore[union-attr]
    assert book.orders == {}


def _three_mugs_per_unit(book: OrderBook, *, paid: bool) -> Order:
    """Order 1: three MUGs, one line per piece (lines 1, 2 and 3)."""
    return book.place(
        [("MUG", 3)],
        now=1,
        rng=random.Random(1),
        order_id=lambda: 1,
        line_id=itertools.count(1).__next__,
        paid=paid,
        per_unit=True,
    )


def test_per_unit_orders_have_one_line_per_piece() -> None:
    book = _book()
    order = _three_mugs_per_unit(book, paid=False)
    assert [(line.id, line.quantity) for line in order.lines] == [(1, 1), (2, 1), (3, 1)]
    assert order.status == "UNPAID" and order.paid_at is None


def test_cancel_before_shipping_gives_stock_back_once() -> None:
    book = _book()
    order = _place(book, [("MUG", 2)], paid=False)
    assert book.change_status(order, "PAID", 150)
    assert order.paid_at == 150
    assert book.change_status(order, "CANCELLED", 200, by="buyer")
    assert (order.cancelled_at, order.cancelled_by, order.updated) == (200, "buyer", 200)
    assert not book.change_status(order, "CANCELLED", 300)
    book.change_status(order, "PAID", 300)
    book.change_status(order, "CANCELLED", 300)
    assert book.catalog.find_sku("MUG").stock == 5  # type: ignore[union-attr]


def test_shipped_orders_give_stock_back_only_on_return() -> None:
    book = _book()
    order = _place(book, [("KAOS-M", 2)])
    book.change_status(order, "SHIPPED", 120)
    assert order.shipped_at == 120
    book.change_status(order, "CANCELLED", 130)
    assert order.cancelled_by == "seller"
    assert book.catalog.find_sku("KAOS-M").stock == 0  # type: ignore[union-attr]
    returned = _place(book, [("MUG", 1)])
    book.change_status(returned, "SHIPPED", 140)
    book.change_status(returned, "RETURNED", 150)
    assert book.catalog.find_sku("MUG").stock == 5  # type: ignore[union-attr]


def test_stock_of_a_removed_variant_is_not_given_back() -> None:
    book = _book()
    order = _place(book, [("KAOS-M", 1)])
    del book.catalog.listings[2].variants[21]
    book.change_status(order, "CANCELLED", 110)
    assert order.stock_back


class HoldingBook(OrderBook):
    """A book that counts the units orders hold besides stock, by status."""

    def __init__(self) -> None:
        super().__init__(_catalog(), dataclasses.replace(RULES, line_statuses=True))
        self.holding: dict[object, int] = {}

    def held(self, unit: Unit, quantity: int, old: Status | None, new: Status) -> None:
        self.holding[old] = self.holding.get(old, 0) - quantity
        self.holding[new] = self.holding.get(new, 0) + quantity


def test_lines_with_their_own_statuses_move_alone_and_give_stock_back_once() -> None:
    book = HoldingBook()
    order = _three_mugs_per_unit(book, paid=True)
    first, second, third = order.lines
    assert order.statuses == ["PAID"] and book.holding == {None: -3, "PAID": 3}
    assert book.move_lines(order, [first, second], "SHIPPED", 5) == [first, second]
    assert book.move_lines(order, [first, third], "CANCELLED", 6) == [first, third]
    assert book.move_lines(order, [third], "CANCELLED", 7) == []
    assert [line.status for line in order.lines] == ["CANCELLED", "SHIPPED", "CANCELLED"]
    assert (order.statuses, order.status, order.updated) == (["CANCELLED", "SHIPPED"], "PAID", 6)
    assert (first.updated, second.updated, third.updated) == (6, 5, 6)
    assert book.catalog.find_sku("MUG").stock == 3  # type: ignore[union-attr]  # third only
    book.move_lines(order, [second], "RETURNED", 8)
    book.move_lines(order, [first, third], "RETURNED", 9)  # not shipped: nothing comes back
    assert order.status == "RETURNED" and book.catalog.find_sku("MUG").stock == 4  # type: ignore[union-attr]
    assert book.holding["PAID"] == 0 and book.holding["RETURNED"] == 3


def test_rules_that_hold_stock_in_some_statuses_take_it_on_entering_them() -> None:
    """WooCommerce's way: unpaid orders hold nothing, paying takes the stock (unchecked),
    a cancel or a move back to unpaid puts it back, to be taken again."""
    rules = dataclasses.replace(
        RULES,
        takes_stock=frozenset({"PAID", "SHIPPED"}),
        gives_back={"CANCELLED": frozenset(RULES.statuses), "UNPAID": frozenset(RULES.statuses)},
    )
    book = OrderBook(_catalog(), rules)
    mug = book.catalog.find_sku("MUG")
    assert mug is not None
    unpaid = _place(book, [("MUG", 7)], paid=False)  # more than held: nothing is taken
    assert unpaid.stock_back and mug.stock == 5
    book.change_status(unpaid, "PAID", 110)
    assert not unpaid.stock_back and mug.stock == -2
    book.change_status(unpaid, "UNPAID", 120)
    book.change_status(unpaid, "SHIPPED", 130)
    book.change_status(unpaid, "CANCELLED", 140)
    book.change_status(unpaid, "CANCELLED", 150)
    assert mug.stock == 5
    with pytest.raises(OutOfStockError):
        _place(book, [("MUG", 6)])
    paid = _place(book, [("MUG", 2)])
    book.change_status(paid, "SHIPPED", 160)
    assert mug.stock == 3


def test_a_checkout_that_takes_no_stock_may_still_be_held_to_it() -> None:
    """Tokopedia's way: an unpaid checkout takes nothing but orders no more than shown."""
    rules = dataclasses.replace(
        RULES, takes_stock=frozenset({"PAID", "SHIPPED"}), checkout_checks_stock=True
    )
    book = OrderBook(_catalog(), rules)
    mug = book.catalog.find_sku("MUG")
    assert mug is not None
    with pytest.raises(OutOfStockError):
        _place(book, [("MUG", 6)], paid=False)
    first, second = (_place(book, [("MUG", 5)], paid=False) for _ in range(2))
    assert mug.stock == 5
    book.change_status(first, "PAID", 110)
    book.change_status(second, "PAID", 120)  # paying takes it, checked or not
    assert mug.stock == -5


def test_stock_not_counted_sells_any_quantity_and_moves_nothing() -> None:
    book = _book()
    mug = book.catalog.listings[1]
    mug.manage_stock, mug.stock = False, 0
    assert [u.sku for u in book.catalog.in_stock()] == ["MUG", "KAOS-M"]
    order = _place(book, [("MUG", 9)])
    book.change_status(order, "CANCELLED", 110)
    assert order.stock_back and mug.stock == 0
    for sku, quantity in random_lines(book.catalog, random.Random(1)):
        assert 1 <= quantity <= 3 if sku == "MUG" else quantity <= 2


def test_rules_resolve_verbs_and_names() -> None:
    assert RULES.resolve("pay") == "PAID"
    assert RULES.resolve("shipped") == "SHIPPED"
    with pytest.raises(ValueError, match="known: UNPAID"):
        RULES.resolve("lost")


def test_rules_resolve_lower_case_statuses_in_any_case() -> None:
    """WooCommerce's statuses are lower case ("processing")."""
    rules = dataclasses.replace(RULES, statuses=("pending", "processing"), verbs={})
    assert rules.resolve("processing") == "processing"
    assert rules.resolve("Pending") == "pending"


def test_rules_resolve_number_statuses_by_their_digits() -> None:
    rules = OrderRules(
        statuses=(220, 400, 500),
        unpaid=220,
        paid=400,
        paid_statuses=frozenset({400}),
        cancelled=frozenset({500}),
        gives_back={},
        verbs={"pay": 400},
    )
    assert rules.resolve("500") == 500 and rules.resolve("pay") == 400
    with pytest.raises(ValueError, match="known: 220, 400, 500, pay"):
        rules.resolve("501")


def test_random_lines_pick_in_stock_units_within_their_stock() -> None:
    catalog = _catalog()
    rng = random.Random(3)
    for _ in range(50):
        for sku, quantity in random_lines(catalog, rng):
            unit = catalog.find_sku(sku)
            assert unit is not None and 1 <= quantity <= min(3, unit.stock)
    empty = Catalog(selling={"LIVE"})
    with pytest.raises(OutOfStockError):
        random_lines(empty, rng)


def test_fresh_skips_taken_ids() -> None:
    made = iter(["a", "b", "c"])
    assert fresh(lambda: next(made), {"a", "b"}) == "c"
