"""Property tests: the stock arithmetic and the order status machine (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from lapak.sync.orders import RANK, next_status, reservation_target
from lapak.sync.stock import available, store_price, store_stock
from lapak.sync.types import OrderStatus

units = st.integers(min_value=0, max_value=1_000_000)
statuses = st.sampled_from(list(OrderStatus))


@given(units, units, units, st.none() | units)
def test_store_stock_is_never_negative_nor_above_what_is_free(on_hand, reserved, buffer, cap):
    free = available(on_hand, reserved)
    shown = store_stock(free, buffer, cap)
    assert shown >= 0
    assert shown <= max(0, free)
    if cap is not None:
        assert shown <= cap


@given(units, st.lists(st.integers(min_value=1, max_value=50), max_size=30), units)
def test_sum_of_any_store_cannot_exceed_on_hand_minus_reservations(on_hand, orders, buffer):
    reserved = sum(orders)
    assert store_stock(available(on_hand, reserved), buffer) <= max(0, on_hand - reserved)


@given(
    st.decimals(min_value=0, max_value=10_000_000, places=2),
    st.decimals(min_value=0, max_value=300, places=2),
    st.sampled_from([Decimal(1), Decimal(100), Decimal(500), Decimal("0.01")]),
)
def test_store_price_rounds_up_to_the_step_and_never_below_markup(base, markup, step):
    price = store_price(base, markup, step)
    exact = base * (1 + markup / 100)
    assert price >= exact
    assert price - exact < step
    assert price % step == 0


@given(st.lists(statuses, min_size=1, max_size=12))
def test_status_never_moves_backwards_and_cancel_and_return_are_terminal(events):
    current = None
    for incoming in events:
        new = next_status(current, incoming)
        if current in (OrderStatus.CANCELLED, OrderStatus.RETURNED):
            assert new is current
        elif current is not None and new is not OrderStatus.CANCELLED:
            assert RANK[new] >= RANK[current]
        current = new


@given(st.permutations(list(OrderStatus)))
def test_final_status_of_any_event_order(events):
    """Cancelled wins only when it arrives before the order was seen shipped (or returned);
    otherwise the return, which comes last in an order's life, is where it ends."""
    final = None
    for incoming in events:
        final = next_status(final, incoming)
    cancel = events.index(OrderStatus.CANCELLED)
    shipped_before_cancel = any(
        RANK.get(e, -1) >= RANK[OrderStatus.SHIPPED] for e in events[:cancel]
    )
    expected = OrderStatus.RETURNED if shipped_before_cancel else OrderStatus.CANCELLED
    assert final is expected


LEGAL_MOVES = {
    "active": {"active", "released", "deducted", "returned"},
    "released": {"released"},
    "deducted": {"deducted", "returned"},
    "returned": {"returned"},
}


@given(st.lists(statuses, min_size=1, max_size=12))
def test_reservation_targets_only_move_forward(events):
    """Once released it stays released; once deducted it can only come back by a return."""
    current = None
    target = "active"
    for incoming in events:
        current = next_status(current, incoming)
        moved = reservation_target(current)
        assert moved in LEGAL_MOVES[target], (target, moved)
        target = moved
