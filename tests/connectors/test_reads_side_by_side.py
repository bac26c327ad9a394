"""A stock read of many listings goes to the store in calls side by side, as the writes do:
against a marketplace a network round trip away, one call at a time is what makes a push of
thousands of SKUs slow. Over real HTTP, with every call held 20 ms by the sandbox."""

from __future__ import annotations

from typing import Any

import pytest
from lapak.sandboxes.kit.control import SandboxControl
from lapak.sync.protocol import Connector

from lapak.testing.fixtures import STORE, Target

LISTINGS = 230  # five calls and more on every platform (at most 50 listings a read call)


@pytest.fixture(params=["lazada", "shopee", "shopify", "tiktok", "tokopedia", "woocommerce"])
def target(request: pytest.FixtureRequest) -> Target:
    return Target(request.param)


def test_a_stock_read_of_many_listings_goes_side_by_side(
    app: Any, control: SandboxControl, connector: Connector
) -> None:
    for n in range(LISTINGS):
        control.add_listing(STORE, sku=f"S{n:04d}", name=f"Barang {n}", price=10000, stock=n % 7)
    refs = [listing.ref for listing in connector.scan_listings()]
    control.set_faults(latency_ms=20)
    app.most_in_flight = 0

    read = connector.read_stock(refs)

    assert {x.ref.sku: x.stock for x in read} == {f"S{n:04d}": n % 7 for n in range(LISTINGS)}
    assert app.most_in_flight > 1
