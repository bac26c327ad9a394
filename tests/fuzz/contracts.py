"""What a parser may hand on, whatever it was given: values the database can keep."""

from __future__ import annotations

import json
from decimal import Decimal

from lapak.sync.types import RemoteListing, RemoteOrder, WebhookEvent

INT_COLUMN = 2**31 - 1
MONEY_LIMIT = Decimal("999999999999.99")


def _money(amount: Decimal | None) -> None:
    assert amount is None or (amount.is_finite() and abs(amount) <= MONEY_LIMIT), amount


def assert_keepable_order(order: RemoteOrder) -> None:
    assert order.external_id and len(order.external_id) <= 64, order.external_id
    assert "\x00" not in order.external_id + order.currency + order.buyer_name + order.buyer_city
    assert len(order.buyer_name) <= 120 and len(order.buyer_city) <= 120
    _money(order.total)
    for line in order.lines:
        assert 0 <= line.quantity <= INT_COLUMN, line.quantity
        assert len(line.line_key) <= 64 and len(line.sku) <= 64
        assert "\x00" not in line.line_key + line.sku + line.name
        _money(line.unit_price)
    for moment in (order.created_at, order.updated_at, order.ship_by):
        assert moment is None or moment.utcoffset() is not None
    json.dumps(order.raw, allow_nan=False)


def assert_keepable_listing(listing: RemoteListing) -> None:
    assert -INT_COLUMN <= listing.stock <= INT_COLUMN, listing.stock
    _money(listing.price)


def assert_keepable_event(event: WebhookEvent) -> None:
    assert all(isinstance(i, str) and i and len(i) <= 64 for i in event.order_ids), event
    assert event.sent_at is None or event.sent_at.utcoffset() is not None
    assert event.delivery_id is None or len(event.delivery_id) <= 128
