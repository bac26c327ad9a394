"""The Shopee connector against the Shopee sandbox over real HTTP on loopback ports."""

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
from lapak.connectors.shopee import ShopeeConnector, ShopeeCredentials, plugin
from lapak.sandboxes.kit.catalog import Listing
from lapak.sandboxes.kit.control import SandboxControl
from lapak.sandboxes.kit.faults import FaultKind
from lapak.sandboxes.registry import sandbox_for
from lapak.sandboxes.shopee import ShopeeSandbox
from lapak.sync.protocol import (
    AuthError,
    Connector,
    PermanentError,
    StoreSpec,
    ThrottledError,
    TransientError,
)
from lapak.sync.registry import plugin_for
from lapak.sync.types import (
    ListingDraft,
    ListingRef,
    OrderStatus,
    PriceUpdate,
    RemoteListing,
    StockUpdate,
)
from lapak.wiring.server import RunningServer
from pydantic import ValidationError

from lapak.testing.fixtures import Target
from tests.connectors.conftest import FAST
from tests.connectors.doubles import CountingPacer, MemoryVault

STORE = "toko-shopee"
CREDENTIALS = sandbox_for(plugin.platform).credentials(STORE, 0)
SHOP_ID, PARTNER_KEY = CREDENTIALS["shop_id"], CREDENTIALS["partner_key"]
REFRESH_TOKEN = CREDENTIALS["refresh_token"]

PATH = "/api/v2/"
UPDATE_STOCK = PATH + "product/update_stock"
ORDER_LIST = PATH + "order/get_order_list"
ORDER_DETAIL = PATH + "order/get_order_detail"
REFRESH = PATH + "auth/access_token/get"


def _credentials() -> ShopeeCredentials:
    return ShopeeCredentials.model_validate(CREDENTIALS)


def _store(url: str) -> StoreSpec:
    return StoreSpec(name=STORE, platform="shopee", base_url=url)


@pytest.fixture
def target() -> Target:
    return Target("shopee", STORE, seed=7)


def _draft(sku: str, group: str, image: str, **fields: Any) -> ListingDraft:
    values: dict[str, Any] = {
        "name": f"Produk {group}",
        "description": f"Deskripsi {group}",
        "price": Decimal("50000"),
        "stock": 5,
        "weight_grams": 300,
        "image_urls": (image,),
        "category_id": "100017",
    }
    values.update(fields)
    return ListingDraft(sku=sku, group=group, **values)


def _by_sku(sandbox: ShopeeSandbox) -> dict[str, Listing]:
    """The shop's items (kit `Listing`s, their models the `variants`) by item_sku."""
    return {item.sku: item for item in sandbox.store(SHOP_ID).catalog.listings.values()}


# --- plugin --------------------------------------------------------------------------------


def test_the_plugin_is_registered_and_builds_a_connector(server: RunningServer) -> None:
    assert plugin_for("shopee") is plugin
    assert plugin.limits.stock_batch == 50 and plugin.limits.order_window_days == 15
    with pytest.raises(ValidationError, match="partner_kye"):
        plugin.credentials_model.model_validate({**_credentials().model_dump(), "partner_kye": 1})
    connector = plugin.create(
        _store(server.url), _credentials(), pacer=CountingPacer(), tokens=MemoryVault(lambda: 0)
    )
    assert isinstance(connector, Connector)
    connector.close()
    assert PARTNER_KEY not in repr(_credentials()) and REFRESH_TOKEN not in repr(_credentials())


# --- listings ------------------------------------------------------------------------------


def test_variants_whose_answer_was_lost_are_bound_not_failed(
    connector: ShopeeConnector,
    sandbox: ShopeeSandbox,
    images: tuple[str, Counter[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """init_tier_variation set the models but its answer was cut: the retry is refused
    ("already has tier_variation"), and the models it made are read and bound — a failed
    group would be created a second time later."""
    kaos = f"{images[0]}/img/kaos.png"
    draw, cut = sandbox.faults.draw, []

    def lose_the_first_answer(path: str) -> FaultKind:
        if path.endswith("init_tier_variation") and not cut:
            cut.append(path)
            return FaultKind.MALFORMED
        return draw(path)

    sandbox.set_faults(latency_ms=0.001)  # faults active, every draw ours
    monkeypatch.setattr(sandbox.faults, "draw", lose_the_first_answer)
    drafts = [
        _draft("KAOS-M", "KAOS", kaos, variant_name="Merah"),
        _draft("KAOS-B", "KAOS", kaos, variant_name="Biru"),
    ]
    results = connector.upsert_listings(drafts)

    assert cut and all(r.ok for r in results), [r.error for r in results]
    (shirt,) = sandbox.store(SHOP_ID).catalog.listings.values()
    models = {m.sku: str(m.id) for m in shirt.variants.values()}
    assert [r.ref for r in results] == [
        ListingRef(sku, str(shirt.id), models[sku]) for sku in ("KAOS-M", "KAOS-B")
    ]


def test_publish_a_catalog_with_variants_and_without(
    server: RunningServer,
    sandbox: ShopeeSandbox,
    vault: MemoryVault,
    pacer: CountingPacer,
    images: tuple[str, Counter[str]],
) -> None:
    base, downloads = images
    kaos, topi = f"{base}/img/kaos.png", f"{base}/img/topi.png"
    drafts = [
        _draft("KAOS-M", "KAOS", kaos, variant_name="Merah", stock=5),
        _draft("TOPI", "TOPI", topi, price=Decimal("25000.40"), stock=9, weight_grams=150),
        _draft("KAOS-B", "KAOS", kaos, variant_name="Biru", price=Decimal("55000"), stock=3),
        _draft("BARU", "BARU", topi, category_id=None),
    ]
    connector = plugin.create(_store(server.url), _credentials(), pacer=pacer, tokens=vault)
    try:
        results = connector.upsert_listings(drafts)
    finally:
        connector.close()

    assert [r.sku for r in results] == ["KAOS-M", "TOPI", "KAOS-B", "BARU"]
    assert all(r.ok for r in results[:3])
    assert not results[3].ok and results[3].permanent
    assert "category_id missing for shopee" in (results[3].error or "")

    items = _by_sku(sandbox)
    assert set(items) == {"KAOS", "TOPI"}  # nothing was sent for BARU
    shirt, hat = items["KAOS"], items["TOPI"]
    assert shirt.has_variants and not hat.has_variants
    models = {m.sku: m for m in shirt.variants.values()}
    assert {sku: (m.options, m.price, m.stock) for sku, m in models.items()} == {
        "KAOS-M": (["Merah"], 50000, 5),
        "KAOS-B": (["Biru"], 55000, 3),
    }
    assert (hat.price, hat.stock) == (25000, 9)
    red = str(models["KAOS-M"].id)
    assert results[0].ref == ListingRef("KAOS-M", str(shirt.id), red)
    assert results[1].ref == ListingRef("TOPI", str(hat.id), "")
    assert downloads == {"kaos.png": 1, "topi.png": 1}  # each image URL fetched once
    calls = sandbox.call_counts()
    assert calls[PATH + "media_space/upload_image"] == 2
    assert calls[PATH + "product/add_item"] == 2
    assert calls[PATH + "product/init_tier_variation"] == 1
    assert calls[PATH + "logistics/get_channel_list"] == 1
    assert pacer.calls == sum(calls.values())  # every Shopee call was paced


def test_bound_drafts_update_the_item_content(
    connector: ShopeeConnector, sandbox: ShopeeSandbox, images: tuple[str, Counter[str]]
) -> None:
    image = f"{images[0]}/img/topi.png"
    (created,) = connector.upsert_listings([_draft("TOPI", "TOPI", image)])
    assert created.ok and created.ref is not None
    renamed = _draft("TOPI", "TOPI", image, name="Topi Baru", weight_grams=800, ref=created.ref)
    (updated,) = connector.upsert_listings([renamed])
    assert updated.ok and updated.ref == created.ref
    assert _by_sku(sandbox)["TOPI"].name == "Topi Baru"
    assert sandbox.call_counts()[PATH + "product/update_item"] == 1
    assert sandbox.call_counts()[PATH + "media_space/upload_image"] == 1  # cached by URL


def test_adopt_existing_listings_by_scanning(
    connector: ShopeeConnector, sandbox: ShopeeSandbox
) -> None:
    for n in range(120):
        sandbox.add_listing(SHOP_ID, sku=f"SKU-{n:03}", name=f"Item {n}", price=1000 + n, stock=n)
    variants = [("CELANA-S", "S", 90000, 4), ("CELANA-L", "L", 95000, 6)]
    celana = sandbox.add_listing(
        SHOP_ID, sku="CELANA", name="Celana", price=90000, variants=variants
    )

    listings = {listing.ref.sku: listing for listing in connector.scan_listings()}

    assert set(listings) == {f"SKU-{n:03}" for n in range(120)} | {"CELANA-S", "CELANA-L"}
    assert (listings["SKU-042"].stock, listings["SKU-042"].price) == (42, Decimal(1042))
    assert listings["SKU-042"].ref.variant_id == ""
    small = listings["CELANA-S"]
    assert small.ref.item_id == str(celana) and small.ref.variant_id != ""
    assert (small.stock, small.price, small.name) == (4, Decimal(90000), "Celana - S")
    calls = sandbox.call_counts()
    assert calls[PATH + "product/get_item_list"] == 2  # 121 items, pages of 100
    assert calls[PATH + "product/get_item_base_info"] == 3  # batches of 50
    assert calls[PATH + "product/get_model_list"] == 1


def test_read_stock_sees_a_hand_edit_and_omits_a_vanished_listing(
    connector: ShopeeConnector, sandbox: ShopeeSandbox, control: SandboxControl
) -> None:
    variants = [("CELANA-S", "S", 90000, 4), ("CELANA-L", "L", 95000, 6)]
    sandbox.add_listing(SHOP_ID, sku="CELANA", name="Celana", price=1, variants=variants)
    refs = {x.ref.sku: x.ref for x in connector.scan_listings()}
    control.set_stock(STORE, "CELANA-L", 17)
    gone = ListingRef("GONE", "424242", "")
    read = connector.read_stock([refs["CELANA-L"], gone, refs["CELANA-S"]])
    assert read == [
        RemoteListing(refs["CELANA-L"], 17, Decimal(95000), "Celana - L"),
        RemoteListing(refs["CELANA-S"], 4, Decimal(90000), "Celana - S"),
    ]


def test_stock_and_prices_with_one_item_failing(
    connector: ShopeeConnector, sandbox: ShopeeSandbox
) -> None:
    big = [(f"A-{n:02}", f"opt{n}", 1000, 1) for n in range(50)]
    a_id = sandbox.add_listing(SHOP_ID, sku="A", name="A", price=1000, variants=big)
    small = [(f"B-{n}", f"opt{n}", 1000, 1) for n in range(10)]
    sandbox.add_listing(SHOP_ID, sku="B", name="B", price=1000, variants=small)
    sandbox.add_listing(SHOP_ID, sku="C", name="C", price=1000, stock=1)
    refs = [x.ref for x in connector.scan_listings()]
    ghost = ListingRef("GHOST", "999999", "")
    wrong_model = ListingRef("WRONG", str(a_id), "1")
    targets = [ghost, *refs[:30], wrong_model, *refs[30:]]

    stock = connector.update_stock([StockUpdate(r, 7 + i) for i, r in enumerate(targets)])

    assert [r.sku for r in stock] == [t.sku for t in targets]  # one result per update, in order
    assert (
        not stock[0].ok and stock[0].permanent and "Item_id is not found" in (stock[0].error or "")
    )
    assert not stock[31].ok and stock[31].permanent and "Wrong model_id" in (stock[31].error or "")
    assert all(r.ok for i, r in enumerate(stock) if i not in (0, 31))
    # item A: 50 models + the wrong one = 2 calls; B, C and the ghost: one each
    assert sandbox.call_counts()[UPDATE_STOCK] == 5
    assert {sku: sandbox.stock_of(SHOP_ID, sku) for sku in ("C", "B-3")} == {
        t.sku: 7 + i for i, t in enumerate(targets) if t.sku in ("C", "B-3")
    }
    read = {x.ref.sku: x.stock for x in connector.read_stock(refs)}
    assert read == {t.sku: 7 + i for i, t in enumerate(targets) if t in refs}

    prices = connector.update_prices(
        [PriceUpdate(ghost, Decimal(1))] + [PriceUpdate(r, Decimal("12345.6")) for r in refs]
    )
    assert not prices[0].ok and prices[0].permanent
    assert all(r.ok for r in prices[1:])
    assert {x.price for x in connector.read_stock(refs)} == {Decimal(12346)}


# --- orders --------------------------------------------------------------------------------


def _moment(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def test_pull_orders_across_window_and_page_boundaries(
    connect: Callable[..., ShopeeConnector], sandbox: ShopeeSandbox
) -> None:
    sandbox.add_listing(SHOP_ID, sku="KOPI", name="Kopi", price=30000, stock=10_000)
    start = sandbox.clock.now()
    placed = [sandbox.place_order(SHOP_ID, [("KOPI", 1)]) for _ in range(110)]  # > one page
    for _ in range(20):  # 20 days: more than one 15-day window
        sandbox.clock.advance(86400)
        placed += [sandbox.place_order(SHOP_ID, [("KOPI", 1)]) for _ in range(2)]
    connector = connect()

    ids = list(connector.list_order_ids(_moment(start - 60), _moment(sandbox.clock.now() + 60)))

    assert len(ids) == len(set(ids)) == 150
    assert set(ids) == set(placed)
    assert sandbox.call_counts()[ORDER_LIST] == 3  # window 1: two pages; window 2: one


def test_get_orders_in_batches_of_50(connector: ShopeeConnector, sandbox: ShopeeSandbox) -> None:
    sandbox.add_listing(SHOP_ID, sku="KOPI", name="Kopi", price=30000, stock=10_000)
    sandbox.add_listing(SHOP_ID, sku="GULA", name="Gula", price=15000, stock=10_000)
    placed = [sandbox.place_order(SHOP_ID, [("KOPI", 2), ("GULA", 1)]) for _ in range(118)]
    placed.append(sandbox.place_order(SHOP_ID, [("KOPI", 1)], paid=False))
    placed.append(sandbox.place_order(SHOP_ID, [("GULA", 1)]))
    sandbox.set_order_status(SHOP_ID, placed[-1], "cancel")

    orders = connector.get_orders([*placed, "NOTANORDER"])

    assert [o.external_id for o in orders] == placed
    assert sandbox.call_counts()[ORDER_DETAIL] == 3
    first = orders[0]
    assert first.status is OrderStatus.READY_TO_SHIP
    assert [(x.sku, x.quantity, x.unit_price) for x in first.lines] == [
        ("KOPI", 2, Decimal(30000)),
        ("GULA", 1, Decimal(15000)),
    ]
    assert len({x.line_key for x in first.lines}) == 2
    assert first.total == Decimal(75000) and first.currency == "IDR"
    assert first.buyer_name and first.buyer_city and first.ship_by is not None
    assert orders[-2].status is OrderStatus.UNPAID
    assert orders[-1].status is OrderStatus.CANCELLED


def test_ship_with_a_tracking_number(
    connector: ShopeeConnector, sandbox: ShopeeSandbox, control: SandboxControl
) -> None:
    sandbox.add_listing(SHOP_ID, sku="KOPI", name="Kopi", price=30000, stock=100)
    order_sn = sandbox.place_order(SHOP_ID, [("KOPI", 1)])

    connector.ship_order(order_sn, "JNE0001")
    assert control.order(STORE, order_sn).status == "PROCESSED"
    assert control.order(STORE, order_sn).tracking_number == "JNE0001"

    connector.ship_order(order_sn, "JNE0001")  # a repeat of our own shipment is fine
    with pytest.raises(PermanentError) as other:
        connector.ship_order(order_sn, "JNE9999")
    assert "Order has been shipped." in str(other.value)

    unpaid = sandbox.place_order(SHOP_ID, [("KOPI", 1)], paid=False)
    with pytest.raises(PermanentError, match="not ready to ship"):
        connector.ship_order(unpaid, "JNE0002")
    assert connector.get_orders([order_sn])[0].status is OrderStatus.SHIPPED


# --- tokens --------------------------------------------------------------------------------


def test_an_expired_token_is_refreshed_once_and_the_call_retried(
    connector: ShopeeConnector, sandbox: ShopeeSandbox, vault: MemoryVault
) -> None:
    assert list(connector.scan_listings()) == []
    assert vault.refreshes == 1  # the first token, from the configured refresh token
    sandbox.expire_token(SHOP_ID)

    assert list(connector.scan_listings()) == []

    assert vault.refreshes == 2
    calls = sandbox.call_counts()
    assert calls[REFRESH] == 2
    assert calls[PATH + "product/get_item_list"] == 3  # the refused call, then its retry


def test_a_refused_refresh_token_is_an_auth_error(
    connect: Callable[..., ShopeeConnector],
) -> None:
    connector = connect(credentials={"refresh_token": "not-the-refresh-token"})
    with pytest.raises(AuthError, match="Invalid refresh_token") as refused:
        list(connector.scan_listings())
    assert "not-the-refresh-token" not in str(refused.value)


def test_a_token_refused_again_after_its_refresh_is_an_auth_error() -> None:
    """Shopee keeps refusing: one refresh, one retry, then AuthError (no loop)."""
    calls: Counter[str] = Counter()

    def shopee(request: httpx.Request) -> httpx.Response:
        calls[request.url.path] += 1
        if request.url.path == REFRESH:
            n = calls[REFRESH]
            body = {"access_token": f"a{n}", "refresh_token": f"r{n}", "expire_in": 14400}
            return httpx.Response(200, json={"error": "", "message": "", **body})
        error = {"error": "error_auth", "message": "Invalid access_token.", "request_id": "x"}
        return httpx.Response(403, json=error)

    vault = MemoryVault(lambda: 0)
    connector = ShopeeConnector(
        _store("http://shopee.test"),
        _credentials(),
        pacer=CountingPacer(),
        tokens=vault,
        transport=httpx.MockTransport(shopee),
        retry_policy=FAST,
    )
    with pytest.raises(AuthError, match="refused again after a refresh"):
        connector.get_orders(["X"])
    assert calls == {REFRESH: 2, ORDER_DETAIL: 2}
    assert vault.refreshes == 2


# --- failures ------------------------------------------------------------------------------


def test_throttling_is_survived_by_retrying(
    connector: ShopeeConnector, sandbox: ShopeeSandbox
) -> None:
    for n in range(3):
        sandbox.add_listing(SHOP_ID, sku=f"T{n}", name="T", price=1000, stock=1)
    refs = [x.ref for x in connector.scan_listings()]
    sandbox.set_faults(throttle_rate=0.2, paths=[UPDATE_STOCK])

    results = connector.update_stock([StockUpdate(ref, 3) for ref in refs])

    assert all(r.ok for r in results)
    assert sandbox.call_counts()[UPDATE_STOCK] > 3  # some calls were throttled, then retried
    assert all(sandbox.stock_of(SHOP_ID, ref.sku) == 3 for ref in refs)


def test_a_retry_after_beyond_the_in_call_cap_propagates(
    connect: Callable[..., ShopeeConnector], sandbox: ShopeeSandbox
) -> None:
    sandbox.add_listing(SHOP_ID, sku="T", name="T", price=1000, stock=1)
    impatient = connect(retry_policy=RetryPolicy(max_retry_after=0.5))
    refs = [x.ref for x in impatient.scan_listings()]
    sandbox.set_faults(throttle_rate=1.0, paths=[UPDATE_STOCK])
    with pytest.raises(ThrottledError) as throttled:
        impatient.update_stock([StockUpdate(refs[0], 1)])
    assert throttled.value.retry_after == 1.0  # the sandbox's Retry-After, for the job layer
    assert sandbox.call_counts()[UPDATE_STOCK] == 1


def test_a_5xx_storm_surfaces_as_a_transient_error_after_retries(
    connector: ShopeeConnector, sandbox: ShopeeSandbox
) -> None:
    sandbox.add_listing(SHOP_ID, sku="T", name="T", price=1000, stock=1)
    sandbox.add_listing(SHOP_ID, sku="U", name="U", price=1000, stock=1)
    refs = [x.ref for x in connector.scan_listings()]
    sandbox.set_faults(error_rate=1.0, paths=[PATH + "order/", UPDATE_STOCK])

    with pytest.raises(TransientError, match="error_server"):
        connector.get_orders(["ANY"])
    assert sandbox.call_counts()[ORDER_DETAIL] == FAST.attempts

    results = connector.update_stock([StockUpdate(ref, 2) for ref in refs])
    assert [(r.ok, r.permanent) for r in results] == [(False, False), (False, False)]
    assert sandbox.call_counts()[UPDATE_STOCK] == 2 * FAST.attempts  # every item was tried


def test_a_malformed_body_is_a_transient_error(
    connector: ShopeeConnector, sandbox: ShopeeSandbox
) -> None:
    sandbox.set_faults(malformed_rate=1.0, paths=[PATH + "product/get_item_list"])
    with pytest.raises(TransientError, match="get_item_list: malformed response"):
        list(connector.scan_listings())


def test_a_timeout_is_a_transient_error(
    connect: Callable[..., ShopeeConnector], sandbox: ShopeeSandbox
) -> None:
    hasty = connect(timeout=0.2, retry_policy=RetryPolicy(attempts=2, base_delay=0.01))
    sandbox.set_faults(timeout_rate=1.0, timeout_seconds=1.0, paths=[ORDER_LIST])
    with pytest.raises(TransientError, match="timed out"):
        list(hasty.list_order_ids(_moment(0), _moment(3600)))


# --- webhooks ------------------------------------------------------------------------------


def test_a_push_is_verified_and_a_bad_signature_rejected(
    connector: ShopeeConnector,
    sandbox: ShopeeSandbox,
    receiver: tuple[str, list[tuple[dict[str, str], bytes]]],
) -> None:
    url, received = receiver
    sandbox.set_push_url(SHOP_ID, url)
    sandbox.add_listing(SHOP_ID, sku="KOPI", name="Kopi", price=30000, stock=10)
    order_sn = sandbox.place_order(SHOP_ID, [("KOPI", 1)])
    assert sandbox.push.flush(5)
    headers, body = received[0]

    assert connector.verify_webhook(url, headers, body)
    event = connector.parse_webhook(body)
    assert (event.topic, event.order_ids) == ("order_status", (order_sn,))

    tampered = body.replace(b"READY_TO_SHIP", b"CANCELLED")
    assert tampered != body
    assert not connector.verify_webhook(url, headers, tampered)
    assert not connector.verify_webhook(url + "?x=1", headers, body)
    forged = {**headers, "authorization": "0" * 64}
    assert not connector.verify_webhook(url, forged, body)
    unsigned = {k: v for k, v in headers.items() if k.lower() != "authorization"}
    assert not connector.verify_webhook(url, unsigned, body)
    assert json.loads(body)["shop_id"] == SHOP_ID
