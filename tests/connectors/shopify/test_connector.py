"""The Shopify connector against the Shopify sandbox over real HTTP: what the conformance
suite does not reach (variants added later, the all-or-nothing stock mutation, prices one
per call, shipping rules, throttle waits, the offline token)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from lapak.connectors.http import RetryPolicy
from lapak.connectors.shopify import ShopifyConnector, plugin, signing
from lapak.sandboxes.registry import sandbox_for
from lapak.sandboxes.shopify import ShopifyControl, ShopifySandbox, api_graphql
from lapak.sync.protocol import AuthError, PermanentError, ThrottledError
from lapak.sync.types import ListingDraft, ListingRef, OrderStatus, PriceUpdate, StockUpdate

from tests.connectors.conftest import Received
from tests.connectors.doubles import CountingPacer
from tests.connectors.shopify.conftest import API, SECRET, STORE, TOKEN

GRAPHQL = f"{API}/graphql.json"


def _moment(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _draft(sku: str, group: str, **fields: Any) -> ListingDraft:
    values: dict[str, Any] = {
        "name": f"Produk {group}",
        "description": "Deskripsi",
        "price": Decimal(50000),
        "stock": 5,
        "weight_grams": 300,
        "image_urls": ("https://img.example/p.png",),
        "category_id": "Makanan & Minuman",
    }
    return ListingDraft(sku=sku, group=group, **(values | fields))


def _refs(connector: ShopifyConnector) -> dict[str, ListingRef]:
    return {listing.ref.sku: listing.ref for listing in connector.scan_listings()}


def _stock(control: ShopifyControl) -> dict[str, int]:
    return {row.sku: row.stock for row in control.listings(STORE)}


def test_the_plugin_is_registered_and_its_credentials_hide_their_secrets() -> None:
    from lapak.sync.registry import plugin_for

    assert plugin_for("shopify") is plugin
    credentials = plugin.credentials_model.model_validate(
        sandbox_for(plugin.platform).credentials("toko", 1)
    )
    assert TOKEN not in repr(credentials) and "shpss_" not in repr(credentials)
    assert sandbox_for(plugin.platform).credentials("toko", 1) == sandbox_for(
        plugin.platform
    ).credentials("toko", 1)
    assert sandbox_for(plugin.platform).credentials("toko", 1) != sandbox_for(
        plugin.platform
    ).credentials("toko", 2)
    with pytest.raises(ValueError):
        plugin.credentials_model.model_validate({**credentials.model_dump(), "extra": 1})


# --- listings ------------------------------------------------------------------------------


def test_a_new_sku_of_a_bound_group_becomes_a_variant_of_its_product(
    connector: ShopifyConnector, control: ShopifyControl
) -> None:
    item = control.add_listing(
        STORE,
        sku="BATIK",
        name="Batik",
        price=120000,
        variants=[("BATIK-M", "M", 120000, 4), ("BATIK-L", "L", 125000, 2)],
    )
    refs = _refs(connector)
    drafts = [
        _draft("BATIK-M", "BATIK", ref=refs["BATIK-M"], variant_name="M", name="Batik tulis"),
        _draft("BATIK-XL", "BATIK", variant_name="XL", stock=6),
    ]

    results = connector.upsert_listings(drafts)

    assert [r.ok for r in results] == [True, True]
    assert results[1].ref is not None and results[1].ref.item_id == item
    assert _stock(control) == {"BATIK-M": 4, "BATIK-L": 2, "BATIK-XL": 6}
    assert {row.name for row in control.listings(STORE)} == {"Batik tulis"}
    assert _refs(connector)["BATIK-XL"] == results[1].ref


def test_one_refused_product_does_not_fail_the_others(
    connector: ShopifyConnector, control: ShopifyControl
) -> None:
    drafts = [
        _draft("NONAME", "NONAME", name=" "),
        _draft("K-1", "K", variant_name="Sama"),
        _draft("K-2", "K", variant_name="Sama"),
        _draft("TEH", "TEH", stock=9),
    ]
    results = connector.upsert_listings(drafts)

    assert [(r.sku, r.ok, r.permanent) for r in results] == [
        ("NONAME", False, True),
        ("K-1", False, True),
        ("K-2", False, True),
        ("TEH", True, False),
    ]
    assert "title can't be blank" in (results[0].error or "")
    assert _stock(control) == {"TEH": 9}


def test_updating_a_deleted_product_is_a_permanent_failure(
    connector: ShopifyConnector, control: ShopifyControl
) -> None:
    control.add_listing(STORE, sku="GONE", name="Gone", price=1000, stock=1)
    ref = _refs(connector)["GONE"]
    control.remove_listing(STORE, "GONE")
    [result] = connector.upsert_listings([_draft("GONE", "GONE", ref=ref)])
    assert (result.ok, result.permanent) == (False, True)
    assert "Not Found" in (result.error or "")


# --- stock and prices ----------------------------------------------------------------------


def _seed(control: ShopifyControl, count: int) -> None:
    for n in range(count):
        control.add_listing(STORE, sku=f"S{n}", name=f"Barang {n}", price=10000, stock=1)


def test_a_refused_item_is_left_out_and_the_rest_sent_again(
    connector: ShopifyConnector, control: ShopifyControl, sandbox: ShopifySandbox
) -> None:
    _seed(control, 4)
    control.add_listing(STORE, sku="GONE", name="Gone", price=1000, stock=1)
    refs = _refs(connector)
    control.remove_listing(STORE, "GONE")
    connector.update_stock([StockUpdate(refs["S0"], 1)])  # the location, looked up once
    updates = [StockUpdate(refs[sku], 7) for sku in ("S0", "S1", "GONE", "S2", "S3")]
    sandbox.reset_calls()

    results = connector.update_stock(updates)

    assert [(r.sku, r.ok, r.permanent) for r in results] == [
        ("S0", True, False),
        ("S1", True, False),
        ("GONE", False, True),
        ("S2", True, False),
        ("S3", True, False),
    ]
    assert "INVALID_INVENTORY_ITEM" in (results[2].error or "")
    assert sandbox.call_counts() == {GRAPHQL: 2}
    assert _stock(control) == {"S0": 7, "S1": 7, "S2": 7, "S3": 7}


def test_when_shopify_applies_the_valid_rest_nothing_is_sent_again(
    connector: ShopifyConnector,
    control: ShopifyControl,
    sandbox: ShopifySandbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(api_graphql, "ALL_OR_NOTHING", False)
    _seed(control, 2)
    control.add_listing(STORE, sku="GONE", name="Gone", price=1000, stock=1)
    refs = _refs(connector)
    control.remove_listing(STORE, "GONE")
    connector.update_stock([StockUpdate(refs["S0"], 1)])
    sandbox.reset_calls()

    results = connector.update_stock([StockUpdate(refs[s], 3) for s in ("S0", "GONE", "S1")])

    assert [r.ok for r in results] == [True, False, True]
    assert sandbox.call_counts() == {GRAPHQL: 1}
    assert _stock(control) == {"S0": 3, "S1": 3}


def test_two_updates_of_one_item_go_in_two_calls_the_last_winning(
    connector: ShopifyConnector, control: ShopifyControl, sandbox: ShopifySandbox
) -> None:
    _seed(control, 2)
    refs = _refs(connector)
    connector.update_stock([StockUpdate(refs["S0"], 1)])
    sandbox.reset_calls()
    updates = [StockUpdate(refs["S0"], 4), StockUpdate(refs["S1"], 5), StockUpdate(refs["S0"], 6)]

    assert all(r.ok for r in connector.update_stock(updates))
    assert sandbox.call_counts() == {GRAPHQL: 2}
    assert _stock(control) == {"S0": 6, "S1": 5}


def test_a_cold_connector_resolves_its_refs_by_product_ids(
    connect: Callable[..., ShopifyConnector], control: ShopifyControl, sandbox: ShopifySandbox
) -> None:
    _seed(control, 3)
    refs = _refs(connect())
    cold = connect(credentials={"location_id": sandbox.store(STORE).location_id})
    sandbox.reset_calls()

    assert all(r.ok for r in cold.update_stock([StockUpdate(ref, 8) for ref in refs.values()]))
    assert sandbox.call_counts() == {f"{API}/products.json": 1, GRAPHQL: 1}
    assert _stock(control) == {"S0": 8, "S1": 8, "S2": 8}


def test_prices_go_one_variant_per_call_and_a_vanished_one_fails_alone(
    connector: ShopifyConnector, control: ShopifyControl, sandbox: ShopifySandbox
) -> None:
    control.add_listing(
        STORE,
        sku="V",
        name="Varian",
        price=20000,
        variants=[("V-1", "1", 20000, 1), ("V-2", "2", 20000, 1)],
    )
    _seed(control, 2)
    control.add_listing(STORE, sku="GONE", name="Gone", price=1000, stock=1)
    refs = _refs(connector)
    control.remove_listing(STORE, "GONE")
    sandbox.reset_calls()
    prices = [PriceUpdate(ref, Decimal("12345.50")) for ref in refs.values()]

    results = connector.update_prices(prices)

    assert [(r.sku, r.permanent) for r in results if not r.ok] == [("GONE", True)]
    assert "Not Found" in (results[-1].error or "")
    assert sum(sandbox.call_counts().values()) == len(prices)
    held = {row.sku: row.price for row in control.listings(STORE)}
    assert held == dict.fromkeys(("V-1", "V-2", "S0", "S1"), Decimal("12345.50"))


def test_read_stock_reads_the_managed_location(
    connector: ShopifyConnector, control: ShopifyControl
) -> None:
    _seed(control, 2)
    refs = _refs(connector)
    control.set_stock(STORE, "S1", 17)
    read = connector.read_stock([refs["S0"], refs["S1"], ListingRef("X", "notanid")])
    assert {(x.ref.sku, x.stock) for x in read} == {("S0", 1), ("S1", 17)}


def test_read_stock_of_variants_seen_before_is_one_levels_call(
    connector: ShopifyConnector, control: ShopifyControl, sandbox: ShopifySandbox
) -> None:
    """The variants' inventory items are known from the scan: the read before a stock write
    asks for their levels alone, not for their products too (REST is paced at 2 calls/s)."""
    _seed(control, 2)
    refs = _refs(connector)
    connector.read_stock([refs["S0"]])  # the location, once
    sandbox.reset_calls()
    read = connector.read_stock([refs["S0"], refs["S1"]])
    assert {(x.ref.sku, x.stock) for x in read} == {("S0", 1), ("S1", 1)}
    assert sandbox.call_counts() == {f"{API}/inventory_levels.json": 1}
    control.remove_listing(STORE, "S1")  # its variant and inventory item go with it
    assert [x.ref.sku for x in connector.read_stock([refs["S0"], refs["S1"]])] == ["S0"]


# --- orders --------------------------------------------------------------------------------


def test_list_order_ids_keeps_to_the_window(
    connector: ShopifyConnector, control: ShopifyControl, sandbox: ShopifySandbox
) -> None:
    control.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=100)
    before = control.place_order(STORE, [("KOPI", 1)])
    sandbox.clock.advance(3600)
    start = sandbox.clock.now()
    inside = [control.place_order(STORE, [("KOPI", 1)]) for _ in range(3)]
    sandbox.clock.advance(3600)
    after = control.place_order(STORE, [("KOPI", 1)])

    ids = list(connector.list_order_ids(_moment(start - 1), _moment(start + 60)))

    assert sorted(ids) == sorted(inside) and before not in ids and after not in ids
    control.change_order(STORE, before, "cancel")  # updated now: inside a later window
    later = list(
        connector.list_order_ids(_moment(sandbox.clock.now() - 1), _moment(sandbox.clock.now() + 1))
    )
    assert before in later


def test_get_orders_keeps_the_order_asked_and_skips_unknown_ids(
    connector: ShopifyConnector, control: ShopifyControl
) -> None:
    control.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=100)
    first, second = (control.place_order(STORE, [("KOPI", 1)]) for _ in range(2))
    orders = connector.get_orders([second, "123", "x", first])
    assert [o.external_id for o in orders] == [second, first]
    assert orders[0].raw["name"].startswith("#") and "email" not in orders[0].raw


def test_ship_refuses_unpaid_repeats_and_another_tracking(
    connector: ShopifyConnector, control: ShopifyControl, sandbox: ShopifySandbox
) -> None:
    control.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=100)
    unpaid = control.place_order(STORE, [("KOPI", 1)], paid=False)
    with pytest.raises(PermanentError) as refused:
        connector.ship_order(unpaid, "JNE1")
    assert refused.value.code == "unpaid"
    control.change_order(STORE, unpaid, "pay")
    connector.ship_order(unpaid, "JNE1")
    sandbox.reset_calls()
    connector.ship_order(unpaid, "JNE1")  # a repeat: no new fulfilment is even asked for
    assert f"{API}/fulfillments.json" not in sandbox.call_counts()
    with pytest.raises(PermanentError, match="unfulfillable status= closed"):
        connector.ship_order(unpaid, "JNE2")
    with pytest.raises(PermanentError, match="Not Found"):
        connector.ship_order("999", "JNE3")
    assert control.order(STORE, unpaid).tracking_number == "JNE1"
    assert connector.get_orders([unpaid])[0].status is OrderStatus.SHIPPED


# --- failures, tokens, webhooks ------------------------------------------------------------


def test_a_revoked_token_is_an_auth_error_and_refresh_calls_nothing(
    connector: ShopifyConnector, sandbox: ShopifySandbox
) -> None:
    sandbox.revoke_token(STORE)
    with pytest.raises(AuthError, match="Invalid API key or access token"):
        list(connector.scan_listings())
    sandbox.reset_calls()
    token = connector.refresh_token(None)
    assert token.access_token == TOKEN and token.expires_at.year >= 2100
    assert sandbox.call_counts() == {}


def test_a_rest_throttle_waits_as_told_and_a_long_wait_propagates(
    connect: Callable[..., ShopifyConnector], sandbox: ShopifySandbox, pacer: CountingPacer
) -> None:
    sandbox.set_faults(throttle_rate=1.0, paths=[f"{API}/orders.json"])
    patient = connect(retry_policy=RetryPolicy(attempts=2, base_delay=0.01, max_retry_after=3))
    with pytest.raises(ThrottledError) as throttled:
        patient.get_orders(["1"])
    assert throttled.value.retry_after == 0.5 and throttled.value.status == 429
    assert pacer.calls == 2  # paced, and retried once after the wait
    hasty = connect(retry_policy=RetryPolicy(attempts=4, max_retry_after=0.1))
    pacer.calls = 0
    with pytest.raises(ThrottledError):
        hasty.get_orders(["1"])
    assert pacer.calls == 1  # a wait beyond the cap is not slept in-call


def test_a_graphql_throttle_waits_for_the_points(
    connect: Callable[..., ShopifyConnector], control: ShopifyControl, sandbox: ShopifySandbox
) -> None:
    _seed(control, 1)
    hasty = connect(retry_policy=RetryPolicy(attempts=1))
    refs = _refs(hasty)
    sandbox.set_faults(throttle_rate=1.0, paths=[GRAPHQL])
    [result] = hasty.update_stock([StockUpdate(refs["S0"], 2)])
    assert (result.ok, result.permanent) == (False, False)
    assert "THROTTLED" in (result.error or "")


def test_a_stock_write_spends_points_not_a_rest_request(
    connector: ShopifyConnector, control: ShopifyControl, pacer: CountingPacer
) -> None:
    _seed(control, 3)
    refs = _refs(connector)
    connector.update_stock([StockUpdate(refs["S0"], 1)])  # the location, looked up once
    pacer.calls = 0

    results = connector.update_stock([StockUpdate(ref, 5) for ref in refs.values()])

    assert all(r.ok for r in results) and set(_stock(control).values()) == {5}
    assert pacer.calls == 0  # GraphQL has its own limit: cost points, not REST's 2/s


def test_a_mutation_waits_until_the_points_the_last_answer_stated_cover_its_cost(
    connect: Callable[..., ShopifyConnector], control: ShopifyControl, sandbox: ShopifySandbox
) -> None:
    _seed(control, 2)
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    connector = connect(sleep=sleep, retry_policy=RetryPolicy(attempts=1))
    refs = _refs(connector)
    connector.update_stock([StockUpdate(refs["S0"], 1)])  # the location, looked up once
    sandbox.points.configure(20, 10)  # 20 points/s, a bucket of 10: one mutation's cost
    sandbox.reset_calls()

    first = connector.update_stock([StockUpdate(refs["S0"], 4)])
    second = connector.update_stock([StockUpdate(refs["S1"], 4)])

    assert all(r.ok for r in first + second)  # not THROTTLED: the second waited its turn
    assert sandbox.call_counts() == {GRAPHQL: 2}
    assert len(waits) == 1 and 0 < waits[0] <= 0.5  # 10 points at 20/s, less the time between


def test_webhooks_are_verified_for_this_shop_and_parsed_with_their_headers(
    connector: ShopifyConnector, control: ShopifyControl, receiver: tuple[str, Received]
) -> None:
    url, received = receiver
    control.set_webhook_url(STORE, url)
    control.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=10)
    order = control.place_order(STORE, [("KOPI", 1)])
    control.change_order(STORE, order, "cancel")
    assert control.flush_webhooks(5)

    events = []
    for headers, body in received:
        assert connector.verify_webhook(url, headers, body)
        events.append(connector.parse_webhook(body, headers))
    # in either order: Shopify promises no order of delivery
    assert sorted((e.topic, e.order_ids) for e in events) == [
        ("orders/cancelled", (order,)),
        ("orders/create", (order,)),
    ]
    assert all(e.delivery_id and e.sent_at for e in events)

    headers, body = received[0]
    other_shop = {**headers, "x-shopify-shop-domain": "lain.myshopify.com"}
    assert not connector.verify_webhook(url, other_shop, body)
    resigned = {**headers, "x-shopify-hmac-sha256": signing.webhook_hmac("other", body)}
    assert not connector.verify_webhook(url, resigned, body)
    assert json.loads(body)["id"] == int(order)


def test_an_oauth_callback_is_checked_with_the_client_secret(
    connector: ShopifyConnector, sandbox: ShopifySandbox
) -> None:
    params = {"code": "c", "shop": "toko.myshopify.com", "timestamp": str(int(sandbox.clock.now()))}
    assert connector.verify_oauth_callback({**params, "hmac": signing.oauth_hmac(SECRET, params)})
    assert not connector.verify_oauth_callback({**params, "hmac": signing.oauth_hmac("x", params)})
