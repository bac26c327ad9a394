"""The kit's StoreSandbox, StoreSurface and StoreBuyers over a minimal platform of its own."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
from lapak.sandboxes.kit.buyers import StoreBuyers
from lapak.sandboxes.kit.catalog import Catalog, Listing, Variant
from lapak.sandboxes.kit.control import ListingSpec
from lapak.sandboxes.kit.orders import Order, OrderBook, OrderRules, OutOfStockError
from lapak.sandboxes.kit.stores import (
    ActionRule,
    Store,
    StoreSandbox,
    StoreSurface,
    UnknownOrderError,
    UnknownStoreError,
)
from lapak.sandboxes.kit.wire import JSONBody

RULES = OrderRules(
    statuses=("NEW", "PAID", "SENT", "DONE", "VOID"),
    unpaid="NEW",
    paid="PAID",
    paid_statuses=frozenset({"PAID"}),
    cancelled=frozenset({"VOID"}),
    gives_back={"VOID": frozenset({"NEW", "PAID"})},
    verbs={"pay": "PAID", "cancel": "VOID"},
)


class Buyers(StoreBuyers):
    platform = "toy"
    moves = (("NEW", "PAID", "pay_rate", "buyer"), ("PAID", "SENT", "progress_rate", "system"))


def refund(sandbox: ToySandbox, store: Store, order: Order) -> None:
    sandbox.pushed.append(("refund", order.status))


class ToySandbox(StoreSandbox[Store]):
    per_unit = True
    rules = RULES
    order_actions = {
        "pay": ActionRule(
            moves=(("PAID", "buyer"),),
            starts=frozenset({"NEW"}),
            refusal="order {id} is {status}: nothing to {action}",
        ),
        "cancel": ActionRule(
            moves=(("VOID", "buyer"),),
            starts=frozenset({"NEW", "PAID", "VOID"}),
            refusal="order {id} was sent",
            already=frozenset({"VOID"}),
        ),
        "complete": ActionRule(
            moves=(("SENT", "system"), ("DONE", "system")),
            starts=frozenset({"PAID"}),
            refusal="order {id} is {status}: not paid",
        ),
        "return": ActionRule(
            moves=(("VOID", "buyer"),),
            starts=frozenset({"DONE"}),
            refusal="order {id} is {status}",
            first=refund,
        ),
    }

    def __init__(self) -> None:
        super().__init__(seed=3, error_response=JSONBody, throttle_response=JSONBody)
        catalog = Catalog(selling={"ON"}, gone={"GONE"})
        book = OrderBook(catalog, self.rules)
        self.stores = {"a": Store(name="A", catalog=catalog, book=book)}
        self.buyers = Buyers(self, seed=3, pay_rate=1.0, progress_rate=1.0)
        self.new_line_id = itertools.count(1).__next__
        self.order_ids = itertools.count(100)
        self.pushed: list[tuple[str, object]] = []

    def new_order_id(self, store: Store) -> str:
        return f"O{next(self.order_ids)}"

    def notify(self, store: Store, order: Order) -> None:
        if store.push_url:
            self.pushed.append((store.push_url, order.status))

    def new_listing(self, store: Store, spec: ListingSpec) -> Listing:
        number = len(store.catalog.listings) + 1
        listing = Listing(number, spec.sku, spec.name, spec.price, spec.stock, "ON", 0, 0)
        for vsku, option, vprice, vstock in spec.variants:
            listing.variants[vsku] = Variant(vsku, vsku, vprice, vstock, [option])
        return listing


class ToyControl(StoreSurface[Store]):
    platform = "toy"
    tokens_expire = False
    sample_category = "1"


class KeepingControl(ToyControl):
    removed_status = "GONE"


@pytest.fixture
def toy() -> ToySandbox:
    return ToySandbox()


def test_orders_take_stock_push_and_move_by_verbs(toy: ToySandbox) -> None:
    toy.add_listing("a", sku="TEH", name="Teh", price=5, stock=4)
    toy.set_push_url("a", "http://hook")
    order_id = toy.place_order("a", [("TEH", 3)], paid=False)
    order = toy.store("a").orders[order_id]
    assert [line.quantity for line in order.lines] == [1, 1, 1]  # per_unit
    assert toy.stock_of("a", "TEH") == 1 and toy.stock_of("a", "NOPE") is None
    assert toy.set_order_status("a", order_id, "cancel").status == "VOID"
    assert toy.stock_of("a", "TEH") == 4
    assert toy.pushed == [("http://hook", "NEW"), ("http://hook", "VOID")]
    with pytest.raises(UnknownOrderError):
        toy.set_order_status("a", "O999", "pay")
    with pytest.raises(OutOfStockError):
        toy.place_order("a", [("TEH", 5)])
    with pytest.raises(UnknownStoreError, match="no store 'b'"):
        toy.stock_of("b", "TEH")


def test_buyers_check_out_and_roll_the_platforms_moves(toy: ToySandbox) -> None:
    toy.add_listing("a", sku="", name="Kaos", price=1, variants=[("KAOS-M", "M", 9, 50)])
    for _ in range(5):
        toy.buyers.step()
    statuses = {order.status for order in toy.store("a").orders.values()}
    assert toy.buyers.placed == 5 and statuses <= {"NEW", "PAID", "SENT"} and "SENT" in statuses
    toy.set_push_url("a", None)
    assert toy.store("a").push_url is None


@pytest.mark.parametrize(("control", "kept"), [(ToyControl, None), (KeepingControl, "GONE")])
def test_a_removed_listing_leaves_the_catalog_or_keeps_the_removed_status(
    toy: ToySandbox, control: type[ToyControl], kept: str | None
) -> None:
    toy.add_listing("a", sku="TEH", name="Teh", price=5, stock=4)
    control(toy).remove_listing("A", "TEH")
    assert [item.status for item in toy.store("a").catalog.listings.values()] == (
        [kept] if kept else []
    )
    assert toy.stock_of("a", "TEH") is None
    with pytest.raises(LookupError, match="no SKU 'TEH'"):
        control(toy).remove_listing("A", "TEH")


def test_order_actions_start_from_their_statuses_and_make_their_moves(toy: ToySandbox) -> None:
    toy.add_listing("a", sku="TEH", name="Teh", price=5, stock=4)
    toy.set_push_url("a", "http://hook")
    control = ToyControl(toy)
    order_id = control.place_order("A", [("TEH", 1)], paid=False)
    control.change_order("A", order_id, "pay")
    assert control.order("A", order_id).status == "PAID"
    with pytest.raises(ValueError, match=f"^order {order_id} is PAID: nothing to pay$"):
        control.change_order("A", order_id, "pay")
    control.change_order("A", order_id, "complete")  # two moves, each pushed
    assert toy.pushed[1:] == [("http://hook", s) for s in ("PAID", "SENT", "DONE")]
    with pytest.raises(ValueError, match=f"^order {order_id} was sent$"):
        control.change_order("A", order_id, "cancel")
    control.change_order("A", order_id, "return")  # `first` runs before the moves push
    assert toy.pushed[4:] == [("refund", "DONE"), ("http://hook", "VOID")]
    assert toy.store("a").orders[order_id].cancelled_by == "buyer"  # the move's `by`


def test_an_order_action_already_done_or_unknown(toy: ToySandbox) -> None:
    toy.add_listing("a", sku="TEH", name="Teh", price=5, stock=4)
    order_id = toy.place_order("a", [("TEH", 1)])
    assert toy.change_order("a", order_id, "cancel").status == "VOID"
    toy.set_push_url("a", "http://hook")
    assert toy.change_order("a", order_id, "cancel").status == "VOID"
    assert toy.pushed == []  # cancelling a VOID order has nothing left to do
    with pytest.raises(ValueError, match="unknown order action 'ship'"):
        toy.change_order("a", order_id, "ship")
    with pytest.raises(UnknownOrderError):
        toy.change_order("a", "O999", "pay")


class LineSandbox(ToySandbox):
    """Each order line keeps its own status (Lazada's order items)."""

    rules = replace(RULES, line_statuses=True)


def test_order_actions_move_the_lines_allowed_to_move() -> None:
    toy = LineSandbox()
    toy.add_listing("a", sku="TEH", name="Teh", price=5, stock=4)
    order_id = toy.place_order("a", [("TEH", 3)], paid=False)
    shop = toy.store("a")
    order = shop.orders[order_id]
    shop.book.move_lines(order, order.lines[:1], "VOID", 0)
    toy.set_push_url("a", "http://hook")
    toy.change_order("a", order_id, "pay")
    assert [line.status for line in order.lines] == ["VOID", "PAID", "PAID"]
    assert toy.pushed == [("http://hook", "NEW")]  # one push per move: lines differ
    toy.change_order("a", order_id, "complete")  # every move takes on the lines moved before
    assert [line.status for line in order.lines] == ["VOID", "DONE", "DONE"]
    with pytest.raises(ValueError, match=f"^order {order_id} is VOID,DONE: nothing to pay$"):
        toy.change_order("a", order_id, "pay")
