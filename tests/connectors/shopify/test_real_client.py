"""ShopifyAPI 12.7.0 (PyPI `ShopifyAPI`, module `shopify`) against the sandbox over real HTTP.

The SDK builds `https://{shop}.myshopify.com/admin/api/{version}` from the session; the
tests open a session as the docs say, then point `ShopifyResource.site` at the loopback
sandbox (plain http), which changes the host and nothing else of what the SDK sends.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import shopify
from lapak.connectors.shopify import ShopifyConnector
from lapak.connectors.shopify.stock import SET_QUANTITIES
from lapak.sandboxes.shopify import ShopifyControl
from lapak.wiring.server import RunningServer, serve
from pyactiveresource.connection import BadRequest, UnauthorizedAccess
from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send

from tests.connectors.shopify.conftest import API, DOMAIN, STORE, TOKEN, VERSION


class Recorder:
    """An ASGI wrapper that keeps the (path, headers) of every request it passes on."""

    def __init__(self, app: Starlette) -> None:
        self.app = app
        self.seen: list[tuple[str, dict[str, str]]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
            self.seen.append((scope["path"], headers))
        await self.app(scope, receive, send)


@pytest.fixture
def recorder(app: Starlette) -> Recorder:
    return Recorder(app)


@pytest.fixture
def server(recorder: Recorder) -> Iterator[RunningServer]:
    with serve(recorder) as running:
        yield running


@pytest.fixture
def sdk(server: RunningServer) -> Iterator[Callable[[str], None]]:
    """An active ShopifyAPI session on the sandbox shop; call it to change the token."""
    session = shopify.Session(DOMAIN, VERSION, TOKEN)
    assert session.site == f"https://{DOMAIN}{API}"

    def activate(token: str) -> None:
        shopify.ShopifyResource.activate_session(shopify.Session(DOMAIN, VERSION, token))
        shopify.ShopifyResource.site = f"{server.url}{API}"

    activate(TOKEN)
    yield activate
    shopify.ShopifyResource.clear_session()


def test_shopify_api_reads_the_shop_and_pages_through_products(
    sdk: Any, control: ShopifyControl
) -> None:
    made = {
        control.add_listing(STORE, sku=f"SKU{n}", name=f"Barang {n}", price=1000) for n in range(5)
    }

    shop = shopify.Shop.current()
    assert shop.myshopify_domain == DOMAIN and shop.currency == "IDR"
    page = shopify.Product.find(limit=2)
    seen = [str(p.id) for p in page]
    while page.has_next_page():
        page = page.next_page()
        seen += [str(p.id) for p in page]
    assert sorted(seen) == sorted(made)
    assert page.has_previous_page()
    first = shopify.Product.find(made.pop())
    assert first.variants[0].sku.startswith("SKU")


def test_shopify_api_sets_stock_fulfils_and_runs_the_graphql_mutation(
    sdk: Any, control: ShopifyControl
) -> None:
    control.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=10)
    location = shopify.Location.find()[0].id
    variant = shopify.Product.find()[0].variants[0]

    level = shopify.InventoryLevel.set(location, variant.inventory_item_id, 7)
    assert level.available == 7
    assert control.listings(STORE)[0].stock == 7

    variables = {
        "input": {
            "name": "available",
            "reason": "correction",
            "ignoreCompareQuantity": True,
            "quantities": [
                {
                    "inventoryItemId": f"gid://shopify/InventoryItem/{variant.inventory_item_id}",
                    "locationId": f"gid://shopify/Location/{location}",
                    "quantity": 12,
                }
            ],
        }
    }
    answer = json.loads(shopify.GraphQL().execute(SET_QUANTITIES, variables))
    payload = answer["data"]["inventorySetQuantities"]
    assert payload["userErrors"] == [] and payload["inventoryAdjustmentGroup"]["changes"]
    assert answer["extensions"]["cost"]["throttleStatus"]["maximumAvailable"] > 0
    assert control.listings(STORE)[0].stock == 12

    order_id = control.place_order(STORE, [("KOPI", 2)])
    orders = shopify.Order.find(ids=order_id, status="any")
    assert [str(o.id) for o in orders] == [order_id]
    assert orders[0].financial_status == "paid" and orders[0].line_items[0].quantity == 2
    fulfillment_orders = shopify.FulfillmentOrders.find(order_id=order_id)
    shipment = shopify.FulfillmentV2(
        {
            "line_items_by_fulfillment_order": [{"fulfillment_order_id": fulfillment_orders[0].id}],
            "tracking_info": {"number": "JNE0001", "company": "JNE"},
        }
    )
    assert shipment.save()
    assert control.order(STORE, order_id).tracking_number == "JNE0001"
    assert shopify.Order.find(order_id).fulfillment_status == "fulfilled"


def test_a_wrong_token_or_a_changed_parameter_is_refused(
    sdk: Callable[[str], None], control: ShopifyControl
) -> None:
    control.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=10)
    assert len(shopify.Product.find(limit=250)) == 1  # as the SDK sends it: accepted

    with pytest.raises(BadRequest) as too_many:
        shopify.Product.find(limit=251)
    assert "limit" in too_many.value.response.body.decode()

    control.add_listing(STORE, sku="TEH", name="Teh", price=15000, stock=10)
    page = shopify.Product.find(limit=1)
    assert page.has_next_page()
    with pytest.raises(BadRequest) as conflict:
        shopify.Product.find(from_=page.next_page_url + "&since_id=1")
    assert "since_id cannot be passed when page_info is present." in str(
        conflict.value.response.body
    )

    sdk(TOKEN[:-1] + ("0" if TOKEN[-1] != "0" else "1"))
    with pytest.raises(UnauthorizedAccess) as refused:
        shopify.Product.find()
    body = json.loads(refused.value.response.body)
    assert body == {
        "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
    }


def test_our_auth_header_equals_the_sdks(
    sdk: Any, connector: ShopifyConnector, control: ShopifyControl, recorder: Recorder
) -> None:
    control.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=10)
    shopify.Product.find()
    list(connector.scan_listings())

    products = [headers for path, headers in recorder.seen if path == f"{API}/products.json"]
    assert len(products) == 2
    sdk_headers, our_headers = products
    assert sdk_headers["user-agent"].startswith("ShopifyPythonAPI/")
    assert our_headers["user-agent"] == "lapak-connector"
    assert sdk_headers["x-shopify-access-token"] == our_headers["x-shopify-access-token"] == TOKEN
