"""The Lazada connector against the Lazada sandbox over real HTTP on loopback ports (what the
conformance suite does not already hold every connector to)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from lapak.connectors.http import RetryPolicy
from lapak.connectors.lazada import LazadaConnector, plugin
from lapak.connectors.lazada import connector as lazada_connector
from lapak.sandboxes.lazada import LazadaControl, LazadaSandbox
from lapak.sandboxes.lazada import api_products as sandbox_products
from lapak.sandboxes.lazada.state import SAMPLE_CATEGORY
from lapak.sandboxes.registry import sandbox_for
from lapak.sync.protocol import AuthError, PermanentError, StoreSpec, ThrottledError, TransientError
from lapak.sync.registry import plugin_for
from lapak.sync.types import ListingDraft, ListingRef, OrderStatus, PriceUpdate, StockUpdate
from pydantic import ValidationError

from lapak.testing.fixtures import Target
from tests.connectors.conftest import FAST, Received
from tests.connectors.doubles import CountingPacer, MemoryVault

STORE = "toko-lazada"
CREDS = sandbox_for(plugin.platform).credentials(STORE, 0)


def _credentials(**changes: Any) -> Any:
    return plugin.credentials_model.model_validate({**CREDS, **changes})


@pytest.fixture
def target() -> Target:
    return Target("lazada", STORE, seed=7)


def _draft(sku: str, group: str, image: str | None = None, **fields: Any) -> ListingDraft:
    values: dict[str, Any] = {
        "name": f"Produk {group}",
        "description": f"Deskripsi {group}",
        "price": Decimal(50000),
        "stock": 5,
        "weight_grams": 300,
        "image_urls": (image,) if image else (),
        "category_id": SAMPLE_CATEGORY,
    }
    values.update(fields)
    return ListingDraft(sku=sku, group=group, **values)


def _moment(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


# --- plugin ----------------------------------------------------------------------------------


def test_the_plugin_is_registered_and_its_credentials_are_strict() -> None:
    assert plugin_for("lazada") is plugin
    assert plugin.limits.stock_batch == 50 and plugin.limits.order_detail_batch == 50
    assert not plugin.limits.batch_per_item
    with pytest.raises(ValidationError, match="app_secrt"):
        plugin.credentials_model.model_validate({**CREDS, "app_secrt": "x"})
    numeric = _credentials(app_key=100132)
    assert numeric.app_key == "100132"  # a TOML number is fine
    for secret in (CREDS["app_secret"], CREDS["refresh_token"]):
        assert secret not in repr(_credentials()) and secret not in str(_credentials())
    assert sandbox_for(plugin.platform).credentials(STORE, 0) == CREDS  # deterministic
    assert sandbox_for(plugin.platform).credentials("other", 0)["seller_id"] != CREDS["seller_id"]


# --- listings --------------------------------------------------------------------------------


def test_publishing_migrates_each_image_once_and_names_what_is_missing(
    connector: LazadaConnector,
    control: LazadaControl,
    sandbox: LazadaSandbox,
    pacer: CountingPacer,
    images: tuple[str, Counter[str]],
) -> None:
    base, downloads = images
    kaos, topi = f"{base}/img/kaos.png", f"{base}/img/topi.png"
    drafts = [
        _draft("KAOS-M", "KAOS", kaos, variant_name="Merah"),
        _draft("TOPI", "TOPI", topi, price=Decimal("25000.40"), stock=9, weight_grams=150),
        _draft("KAOS-B", "KAOS", kaos, variant_name="Biru", price=Decimal(55000), stock=3),
        _draft("BARU", "BARU", topi, category_id=None),
        _draft("RINGAN", "RINGAN", topi, weight_grams=0),
        _draft("PANJANG", "PANJANG-G", variant_name="nama varian yang terlalu panjang"),
    ]

    results = connector.upsert_listings(drafts)

    assert [r.sku for r in results] == [d.sku for d in drafts]
    assert all(r.ok for r in results[:3])
    assert (results[3].permanent, results[3].error) == (True, "category_id missing for lazada")
    assert results[4].permanent and "weight_grams missing" in (results[4].error or "")
    assert results[5].permanent and "VARIATION_OPTION_LENGTH_LIMIT" in (results[5].error or "")
    held = {row.sku: row for row in control.listings(STORE)}
    assert set(held) == {"KAOS-M", "KAOS-B", "TOPI"}
    assert (held["TOPI"].price, held["TOPI"].stock, held["TOPI"].variant_id) == (25000, 9, "")
    assert downloads == {"kaos.png": 1, "topi.png": 1}  # Lazada fetched each image once
    calls = sandbox.call_counts()
    assert calls["/image/migrate"] == 2 and calls["/product/create"] == 3
    assert pacer.calls == sum(calls.values())  # every Lazada call was paced
    with sandbox.lock:
        (shirt,) = [p for p in sandbox.seller(STORE).products.values() if len(p.skus) == 2]
        assert shirt.variation["Variant"]["options"] == ["Merah", "Biru"]
        assert {s.package["package_weight"] for s in shirt.skus.values()} == {"0.30"}
        assert len(shirt.images) == 1 and shirt.images[0] in sandbox.images


def test_bound_drafts_update_content_and_a_new_variant_of_a_bound_item_is_refused(
    connector: LazadaConnector, sandbox: LazadaSandbox, images: tuple[str, Counter[str]]
) -> None:
    image = f"{images[0]}/img/topi.png"
    (created,) = connector.upsert_listings([_draft("TOPI", "TOPI", image)])
    assert created.ok and created.ref is not None
    renamed = _draft("TOPI", "TOPI", image, name="Topi Baru", weight_grams=800, ref=created.ref)
    extra = _draft("TOPI-2", "TOPI", image, variant_name="Besar")

    updated, refused = connector.upsert_listings([renamed, extra])

    assert updated.ok and updated.ref == created.ref
    assert refused.permanent and "adding a variant" in (refused.error or "")
    with sandbox.lock:
        product = sandbox.seller(STORE).products[int(created.ref.item_id)]
        assert product.name == "Topi Baru"
        assert next(iter(product.skus.values())).package["package_weight"] == "0.80"
    assert sandbox.call_counts()["/image/migrate"] == 1  # cached by URL
    assert sandbox.call_counts()["/product/update"] == 1


def test_scanning_pages_by_50(
    connector: LazadaConnector, control: LazadaControl, sandbox: LazadaSandbox
) -> None:
    for n in range(120):
        control.add_listing(STORE, sku=f"SKU-{n:03}", name=f"Item {n}", price=1000 + n, stock=n)

    listings = {x.ref.sku: x for x in connector.scan_listings()}

    assert len(listings) == 120
    assert (listings["SKU-042"].stock, listings["SKU-042"].price) == (42, Decimal(1042))
    assert sandbox.call_counts()["/products/get"] == 3


def test_a_shop_beyond_the_offset_limit_is_scanned_in_creation_windows(
    connector: LazadaConnector,
    control: LazadaControl,
    sandbox: LazadaSandbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sandbox_products, "OFFSET_MAX", 100)
    monkeypatch.setattr(lazada_connector, "PRODUCT_MAX_OFFSET", 100)
    for day in range(6):
        for n in range(40):
            control.add_listing(STORE, sku=f"D{day}-{n:02}", name="x", price=1000, stock=1)
        control.advance_clock(86400)

    found = [x.ref.sku for x in connector.scan_listings()]

    assert len(found) == len(set(found)) == 240  # offsets stop at 100: windows halved
    assert sandbox.call_counts()["/products/get"] > 5


def test_read_stock_asks_for_50_skus_a_call(
    connector: LazadaConnector, control: LazadaControl, sandbox: LazadaSandbox
) -> None:
    for n in range(110):
        control.add_listing(STORE, sku=f"R{n:03}", name=f"R{n}", price=1000, stock=n)
    refs = [x.ref for x in connector.scan_listings()]
    control.set_stock(STORE, "R007", 70)
    sandbox.reset_calls()

    read = {x.ref.sku: x.stock for x in connector.read_stock(refs)}

    assert read["R007"] == 70 and len(read) == 110
    assert sandbox.call_counts() == {"/products/get": 3}


def test_stock_sets_what_buyers_can_buy_next_to_what_orders_hold(
    connector: LazadaConnector, control: LazadaControl, sandbox: LazadaSandbox
) -> None:
    control.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=10)
    (ref,) = [x.ref for x in connector.scan_listings()]
    control.place_order(STORE, [("KOPI", 2)], paid=False)  # 2 units withheld

    results = connector.update_stock([StockUpdate(ref, 5), StockUpdate(ref, 6)])

    assert [r.ok for r in results] == [True, True]
    assert sandbox.call_counts()["/product/stock/sellable/update"] == 2  # a SKU once per call
    with sandbox.lock:
        sku = sandbox.seller(STORE).find_sku("KOPI")[1]  # type: ignore[index]
        assert (sku.stock, sku.withhold, sku.total) == (6, 2, 8)  # the last value stays
    assert [x.stock for x in connector.read_stock([ref])] == [6]


def test_prices_are_whole_rupiah_and_a_vanished_sku_fails_alone(
    connector: LazadaConnector, control: LazadaControl
) -> None:
    control.add_listing(STORE, sku="A", name="A", price=1000, stock=1)
    control.add_listing(STORE, sku="B", name="B", price=1000, variants=[("B-1", "1", 1000, 1)])
    refs = {x.ref.sku: x.ref for x in connector.scan_listings()}
    ghost = ListingRef("GHOST", refs["A"].item_id, "")

    results = connector.update_prices(
        [
            PriceUpdate(refs["A"], Decimal("25000.5")),
            PriceUpdate(ghost, Decimal(9)),
            PriceUpdate(refs["B-1"], Decimal(7000)),
        ]
    )

    assert [(r.ok, r.permanent) for r in results] == [(True, False), (False, True), (True, False)]
    assert "SELLER_SKU_INVALID" in (results[1].error or "")
    assert {row.sku: row.price for row in control.listings(STORE)} == {"A": 25001, "B-1": 7000}


# --- orders ----------------------------------------------------------------------------------


def test_orders_of_one_second_beyond_a_page_are_paged_by_offset(
    connector: LazadaConnector, control: LazadaControl, sandbox: LazadaSandbox
) -> None:
    control.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=10_000)
    before = sandbox.clock.now() - 120
    control.advance_clock(-60)
    early = control.place_order(STORE, [("KOPI", 1)])  # a minute before: outside the window
    control.advance_clock(60)
    start = sandbox.clock.now()
    placed = [control.place_order(STORE, [("KOPI", 1)]) for _ in range(230)]
    control.advance_clock(30)
    placed += [control.place_order(STORE, [("KOPI", 1)]) for _ in range(3)]

    ids = list(connector.list_order_ids(_moment(start - 1), _moment(sandbox.clock.now() + 1)))

    assert len(ids) == len(set(ids)) == 233 and set(ids) == set(placed)
    assert early not in ids and before < start
    assert sandbox.call_counts()["/orders/get"] == 4  # cursor moved once, then offsets 100, 200


def test_too_many_orders_in_one_second_is_a_transient_error(
    connector: LazadaConnector,
    control: LazadaControl,
    sandbox: LazadaSandbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(lazada_connector, "ORDER_MAX_OFFSET", 150)
    control.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=10_000)
    start = control.now()
    with monkeypatch.context() as held:  # all 260 in one second, however slow the machine
        held.setattr(sandbox.clock, "now", lambda: start)
        for _ in range(260):
            control.place_order(STORE, [("KOPI", 1)])
    with pytest.raises(TransientError, match="more than 150 orders updated in one second"):
        list(connector.list_order_ids(_moment(start - 1), _moment(control.now() + 1)))


def test_get_orders_uses_the_listed_headers_and_skips_what_is_not_an_order(
    connector: LazadaConnector, control: LazadaControl, sandbox: LazadaSandbox
) -> None:
    control.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=100)
    start = control.now()
    placed = [control.place_order(STORE, [("KOPI", 1)]) for _ in range(3)]
    ids = list(connector.list_order_ids(_moment(start - 1), _moment(control.now() + 1)))
    sandbox.reset_calls()

    orders = connector.get_orders([*ids, "NOT-AN-ORDER", "999999999"])

    assert [o.external_id for o in orders] == placed
    assert sandbox.call_counts() == {"/orders/items/get": 1}  # headers came with the listing
    fresh = connector.get_orders([placed[0]])  # a webhook's order: its header is fetched
    assert fresh[0].status is OrderStatus.READY_TO_SHIP
    assert connector.get_orders(["999999999"]) == []  # E039 "No orders were found"


def test_a_partly_cancelled_order_goes_on_with_its_other_units(
    connector: LazadaConnector, control: LazadaControl, sandbox: LazadaSandbox
) -> None:
    control.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=100)
    order_id = control.place_order(STORE, [("KOPI", 3)])
    with sandbox.lock:
        seller = sandbox.seller(STORE)
        order = seller.orders[int(order_id)]
        seller.book.move_lines(order, order.items[:1], "canceled", sandbox.clock.now_s())

    (order_seen,) = connector.get_orders([order_id])

    assert order_seen.status is OrderStatus.READY_TO_SHIP
    assert [(x.sku, x.quantity) for x in order_seen.lines] == [("KOPI", 2)]
    connector.ship_order(order_id, "JNT777")
    assert control.order(STORE, order_id).status == "canceled,ready_to_ship"


def test_shipping_packs_then_sets_ready_to_ship_with_lazadas_tracking(
    connector: LazadaConnector, control: LazadaControl, sandbox: LazadaSandbox
) -> None:
    control.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=100)
    control.add_listing(STORE, sku="GULA", name="Gula", price=15000, stock=100)
    first = control.place_order(STORE, [("KOPI", 2), ("GULA", 1)])
    second = control.place_order(STORE, [("KOPI", 1)])

    connector.ship_order(first, "RESELLER-1")
    connector.ship_order(second, "RESELLER-2")

    calls = sandbox.call_counts()
    assert (calls["/order/fulfill/pack"], calls["/order/package/rts"]) == (2, 2)
    lazada = control.order(STORE, first).tracking_number
    assert lazada is not None and lazada.startswith("LEXID")  # Lazada's, not the reseller's
    (shipped,) = connector.get_orders([first])
    assert shipped.status is OrderStatus.SHIPPED
    assert shipped.raw["tracking_numbers"] == [lazada]
    sandbox.reset_calls()
    connector.ship_order(first, "RESELLER-1")  # a repeat: nothing more is sent
    connector.ship_order(first, "ANOTHER")  # Lazada keeps its own tracking either way
    assert sandbox.call_counts() == {"/order/items/get": 2}
    assert control.order(STORE, first).tracking_number == lazada


def test_unpaid_and_cancelled_orders_are_refused_with_lazadas_reason(
    connector: LazadaConnector, control: LazadaControl
) -> None:
    control.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=100)
    unpaid = control.place_order(STORE, [("KOPI", 1)], paid=False)
    with pytest.raises(
        PermanentError, match=r"700026: order item \d+: item current status not allow to pack"
    ):
        connector.ship_order(unpaid, "X1")
    cancelled = control.place_order(STORE, [("KOPI", 1)])
    control.change_order(STORE, cancelled, "cancel")
    with pytest.raises(PermanentError, match="700026"):
        connector.ship_order(cancelled, "X2")
    assert control.order(STORE, unpaid).tracking_number is None


def test_an_order_packed_before_is_only_set_ready_to_ship(
    connector: LazadaConnector, control: LazadaControl, sandbox: LazadaSandbox
) -> None:
    control.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=100)
    order_id = control.place_order(STORE, [("KOPI", 1)])
    with sandbox.lock:  # the seller packed it in Seller Center
        seller = sandbox.seller(STORE)
        order = seller.orders[int(order_id)]
        order.items[0].package_id, order.items[0].tracking_code = sandbox.new_package()
        seller.book.move_lines(order, order.items, "packed", sandbox.clock.now_s())

    connector.ship_order(order_id, "SICEPAT9")

    assert "/order/fulfill/pack" not in sandbox.call_counts()
    assert control.order(STORE, order_id).status == "ready_to_ship"


def _fulfilment(pack_item: dict[str, Any]) -> Callable[[httpx.Request], httpx.Response]:
    """A Lazada answering one pending unit, and the Pack call with `pack_item`."""

    def lazada(request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/rest")
        if path == "/auth/token/refresh":
            body = {"access_token": "a", "refresh_token": "r", "expires_in": 604800}
            return httpx.Response(200, json={"code": "0", **body})
        if path == "/order/items/get":
            item = {"order_item_id": 11, "order_id": 1, "status": "pending", "sku": "K"}
            return httpx.Response(200, json={"code": "0", "data": [item]})
        packed = {"pack_order_list": [{"order_id": 1, "order_item_list": [pack_item]}]}
        result = {"success": "true", "error_code": None, "data": packed}
        return httpx.Response(200, json={"code": "0", "result": result, "request_id": "x"})

    return lazada


@pytest.mark.parametrize(("retry", "error"), [("false", PermanentError), ("true", TransientError)])
def test_a_refused_pack_item_is_an_error_by_its_retry_flag(retry: str, error: type) -> None:
    refused = {"order_item_id": 11, "item_err_code": "1003", "msg": "3pl allocation failed"}
    connector = plugin.create(
        StoreSpec(name=STORE, platform="lazada", base_url="https://api.lazada.co.id/rest"),
        _credentials(),
        pacer=CountingPacer(),
        tokens=MemoryVault(lambda: 0),
        transport=httpx.MockTransport(_fulfilment({**refused, "retry": retry})),
        retry_policy=FAST,
    )
    with pytest.raises(error, match="1003: order item 11: 3pl allocation failed") as raised:
        connector.ship_order("1", "X")
    assert type(raised.value) is error
    connector.close()


# --- tokens ----------------------------------------------------------------------------------


def test_a_refused_refresh_token_is_an_auth_error_naming_no_secret(
    connect: Callable[..., LazadaConnector],
) -> None:
    connector = connect(credentials={"refresh_token": "50001600-not-the-token"})
    with pytest.raises(AuthError, match="IllegalRefreshToken") as refused:
        list(connector.scan_listings())
    assert "50001600-not-the-token" not in str(refused.value)
    assert CREDS["app_secret"] not in str(refused.value)


def test_refresh_tokens_rotate_through_the_vault(
    connector: LazadaConnector, sandbox: LazadaSandbox, vault: MemoryVault
) -> None:
    assert list(connector.scan_listings()) == []
    first = vault.token(connector.refresh_token)
    assert first.refresh_token != CREDS["refresh_token"]
    assert first.refresh_expires_at is not None
    assert first.expires_at.timestamp() == pytest.approx(sandbox.clock.now() + 7 * 86400, abs=5)
    sandbox.clock.advance(7 * 86400 - 200)  # inside the vault's margin: renewed before use

    assert list(connector.scan_listings()) == []

    assert (
        vault.refreshes == 2
        and vault.token(connector.refresh_token).refresh_token != first.refresh_token
    )
    assert sandbox.call_counts()["/auth/token/refresh"] == 2


def test_a_token_refused_again_after_its_refresh_is_an_auth_error() -> None:
    calls: Counter[str] = Counter()

    def lazada(request: httpx.Request) -> httpx.Response:
        calls[request.url.path] += 1
        if request.url.path == "/rest/auth/token/refresh":
            n = calls[request.url.path]
            body = {"access_token": f"a{n}", "refresh_token": f"r{n}", "expires_in": 604800}
            return httpx.Response(200, json={"code": "0", **body})
        error = {
            "type": "ISV",
            "code": "IllegalAccessToken",
            "message": "invalid",
            "request_id": "x",
        }
        return httpx.Response(200, json=error)

    vault = MemoryVault(lambda: 0)
    connector = plugin.create(
        StoreSpec(name=STORE, platform="lazada", base_url="https://api.lazada.co.id/rest"),
        _credentials(),
        pacer=CountingPacer(),
        tokens=vault,
        transport=httpx.MockTransport(lazada),
        retry_policy=FAST,
    )
    with pytest.raises(AuthError, match="refused again after a refresh"):
        connector.get_orders(["1"])
    assert calls == {"/rest/auth/token/refresh": 2, "/rest/orders/items/get": 2}
    assert vault.refreshes == 2
    connector.close()


# --- failures --------------------------------------------------------------------------------


def test_a_ban_beyond_the_in_call_cap_propagates(
    connect: Callable[..., LazadaConnector], control: LazadaControl, sandbox: LazadaSandbox
) -> None:
    control.add_listing(STORE, sku="T", name="T", price=1000, stock=1)
    impatient = connect(retry_policy=RetryPolicy(max_retry_after=0.5))
    refs = [x.ref for x in impatient.scan_listings()]
    sandbox.set_faults(throttle_rate=1.0, paths=["/product/stock/"])

    with pytest.raises(ThrottledError) as throttled:
        impatient.update_stock([StockUpdate(refs[0], 1)])

    assert throttled.value.retry_after == 1.0 and throttled.value.code == "ApiCallLimit"
    assert sandbox.call_counts()["/product/stock/sellable/update"] == 1


def test_a_5xx_during_a_create_is_not_retried_blindly(
    connector: LazadaConnector, sandbox: LazadaSandbox
) -> None:
    assert list(connector.scan_listings()) == []  # the token, before the storm
    sandbox.set_faults(error_rate=1.0, paths=["/product/create"])
    (result,) = connector.upsert_listings([_draft("BARU", "BARU")])
    assert (result.ok, result.permanent) == (False, False)
    assert "ServiceUnavailable" in (result.error or "")
    assert sandbox.call_counts()["/product/create"] == 1  # not idempotent: tried once


# --- webhooks --------------------------------------------------------------------------------


def test_a_push_is_verified_and_parsed_for_this_seller_only(
    connect: Callable[..., LazadaConnector],
    control: LazadaControl,
    receiver: tuple[str, Received],
) -> None:
    url, received = receiver
    control.set_webhook_url(STORE, url)
    control.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=10)
    order_id = control.place_order(STORE, [("KOPI", 1)])
    assert control.flush_webhooks(5)
    ((headers, body),) = received
    connector = connect()

    assert connector.verify_webhook(url, headers, body)
    assert connector.verify_webhook("https://any.where/else", headers, body)  # URL not signed
    event = connector.parse_webhook(body, headers)
    assert (event.topic, event.order_ids) == ("trade_order", (order_id,))
    assert event.sent_at is not None
    assert abs(event.sent_at.timestamp() - control.now()) < 60

    other = connect(credentials={"seller_id": "42"})
    with pytest.raises(PermanentError, match="not seller 42"):
        other.parse_webhook(body)
    assert json.loads(body)["seller_id"] == CREDS["seller_id"]
