"""The WooCommerce connector against the WooCommerce sandbox over real HTTP: what the
conformance suite does not pin down for this platform."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from lapak.connectors.http import Retrier
from lapak.connectors.woocommerce import WooCommerceConnector, WooCommerceCredentials, plugin
from lapak.connectors.woocommerce.client import WooClient
from lapak.connectors.woocommerce.connector import STATIC_TOKEN
from lapak.connectors.woocommerce.listings import sku_lists
from lapak.sandboxes.registry import sandbox_for
from lapak.sync.protocol import AuthError, PermanentError, StoreSpec, ThrottledError, TransientError
from lapak.sync.registry import plugin_for
from lapak.sync.types import ListingDraft, ListingRef, OrderStatus, StockUpdate
from lapak.wiring.server import RunningServer
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.testclient import TestClient

from lapak.testing.fixtures import Target
from tests.connectors.conftest import FAST
from tests.connectors.doubles import CountingPacer, MemoryVault

STORE = "toko-woo"
CREDENTIALS = sandbox_for(plugin.platform).credentials(STORE, 0)
API = "/wp-json/wc/v3"


@pytest.fixture
def target() -> Target:
    return Target("woocommerce", STORE, seed=9)


def _draft(image_base: str, sku: str, group: str, **fields: Any) -> ListingDraft:
    values: dict[str, Any] = {
        "name": f"Produk {group}",
        "description": "Buatan UMKM",
        "price": Decimal(50000),
        "stock": 5,
        "weight_grams": 300,
        "image_urls": (f"{image_base}/img/{group.lower()}.png",),
        "category_id": "16",
    }
    values.update(fields)
    return ListingDraft(sku=sku, group=group, **values)


def _rows(app: Starlette) -> dict[str, Any]:
    return {row.sku: row for row in app.state.control.listings(STORE)}


# --- the plugin -----------------------------------------------------------------------------


def test_the_plugin_is_registered_and_hides_its_secrets() -> None:
    assert plugin_for("woocommerce") is plugin
    credentials = WooCommerceCredentials(**CREDENTIALS)
    shown = repr(credentials) + str(credentials)
    assert CREDENTIALS["consumer_secret"] not in shown
    assert CREDENTIALS["webhook_secret"] not in shown
    with pytest.raises(ValidationError):
        WooCommerceCredentials(**CREDENTIALS, access_token="x")
    assert sandbox_for(plugin.platform).credentials(STORE, 0) == CREDENTIALS
    assert sandbox_for(plugin.platform).credentials(STORE, 1) != CREDENTIALS
    assert CREDENTIALS["consumer_key"].startswith("ck_") and len(CREDENTIALS["consumer_key"]) == 43


def test_static_keys_need_no_token_and_make_no_call(
    connector: WooCommerceConnector, vault: MemoryVault, app: Starlette
) -> None:
    assert connector.refresh_token(None) is STATIC_TOKEN
    assert vault.token(connector.refresh_token) is STATIC_TOKEN
    assert app.state.control.call_counts() == {}
    list(connector.scan_listings())
    assert vault.refreshes == 1  # the connector itself never asks the vault


# --- listings -------------------------------------------------------------------------------


def test_stock_goes_100_simple_products_a_call_and_variations_per_parent(
    connector: WooCommerceConnector, app: Starlette
) -> None:
    control = app.state.control
    for n in range(150):
        control.add_listing(STORE, sku=f"S{n:03d}", name=f"Barang {n}", price=1000, stock=1)
    for item in ("A", "B"):
        variants = [(f"{item}-{n}", f"opsi {n}", 2000, 1) for n in range(30)]
        control.add_listing(STORE, sku=item, name=item, price=2000, variants=variants)
    refs = [listing.ref for listing in connector.scan_listings()]
    control.reset_calls()

    results = connector.update_stock([StockUpdate(ref, 7) for ref in refs])

    assert all(r.ok for r in results) and len(results) == 210
    calls = control.call_counts()
    assert calls == {
        f"{API}/products/batch": 2,
        f"{API}/products/{refs[150].item_id}/variations/batch": 1,
        f"{API}/products/{refs[180].item_id}/variations/batch": 1,
    }
    assert {row.stock for row in control.listings(STORE)} == {7}


def test_images_are_sent_again_only_when_they_changed(
    connector: WooCommerceConnector, app: Starlette, images: tuple[str, Counter[str]]
) -> None:
    base, downloads = images
    created = connector.upsert_listings([_draft(base, "KOPI", "KOPI")])
    ref = created[0].ref
    assert created[0].ok and ref is not None and downloads["kopi.png"] == 1

    same = connector.upsert_listings([_draft(base, "KOPI", "KOPI", ref=ref, name="Kopi Gayo")])
    assert same[0].ok and downloads["kopi.png"] == 1
    assert _rows(app)["KOPI"].name == "Kopi Gayo"

    other = (f"{base}/img/kopi-baru.png",)
    changed = connector.upsert_listings([_draft(base, "KOPI", "KOPI", ref=ref, image_urls=other)])
    assert changed[0].ok and downloads["kopi-baru.png"] == 1


def test_a_sku_already_on_the_store_is_adopted_and_made_to_match(
    connector: WooCommerceConnector, app: Starlette, images: tuple[str, Counter[str]]
) -> None:
    control = app.state.control
    existing = control.add_listing(STORE, sku="KOPI", name="Kopi lama", price=20000, stock=2)
    draft = _draft(images[0], "KOPI", "KOPI", price=Decimal(31000), stock=9)

    result = connector.upsert_listings([draft])[0]

    assert result.ok and result.ref == ListingRef("KOPI", existing)
    row = _rows(app)["KOPI"]
    assert (row.price, row.stock, row.name) == (Decimal(31000), 9, "Produk KOPI")
    assert len(control.listings(STORE)) == 1


def test_a_new_variant_joins_the_item_lapak_made_before(
    connector: WooCommerceConnector, app: Starlette, images: tuple[str, Counter[str]]
) -> None:
    base = images[0]
    first = connector.upsert_listings(
        [
            _draft(base, "KAOS-S", "KAOS", variant_name="S"),
            _draft(base, "KAOS-M", "KAOS", variant_name="M"),
        ]
    )
    item = {r.ref.item_id for r in first if r.ref}
    assert len(item) == 1

    later = connector.upsert_listings(
        [
            _draft(base, "KAOS-L", "KAOS", variant_name="L", stock=2),
            _draft(base, "KAOS-M", "KAOS", variant_name="M"),
        ]
    )

    assert all(r.ok for r in later)
    assert {r.ref.item_id for r in later if r.ref} == item
    assert {r.ref for r in later} >= {first[1].ref}  # KAOS-M found again, not duplicated
    assert sorted(_rows(app)) == ["KAOS-L", "KAOS-M", "KAOS-S"]
    parent = app.state.sandbox.shop(STORE).products[int(item.pop())]
    assert parent.attributes[0]["options"] == ["S", "M", "L"]


def test_per_item_failures_of_a_create(
    connector: WooCommerceConnector, app: Starlette, images: tuple[str, Counter[str]]
) -> None:
    base = images[0]
    app.state.control.add_listing(STORE, sku="BATIK", name="Batik", price=9000, stock=1)
    drafts = [
        _draft(base, "TEH", "TEH", category_id="Minuman"),
        _draft(base, "GULA", "GULA", image_urls=(f"{base}/img/gula",)),
        _draft(base, "BATIK-M", "BATIK", variant_name="M"),
        _draft(base, "KOPI", "KOPI"),
    ]

    results = connector.upsert_listings(drafts)

    assert [(r.sku, r.ok, r.permanent) for r in results] == [
        ("TEH", False, True),
        ("GULA", False, True),
        ("BATIK-M", False, True),
        ("KOPI", True, False),
    ]
    assert "category_id" in (results[0].error or "")
    assert "Invalid image: Sorry, you are not allowed to upload this file type." in (
        results[1].error or ""
    )
    assert "held by simple product" in (results[2].error or "")
    assert sorted(_rows(app)) == ["BATIK", "KOPI"]


def test_read_stock_omits_the_variations_of_a_deleted_item(
    connector: WooCommerceConnector, app: Starlette
) -> None:
    control = app.state.control
    control.add_listing(STORE, sku="V", name="V", price=1, variants=[("V-1", "1", 1, 3)])
    control.add_listing(STORE, sku="S", name="S", price=1, stock=4)
    refs = [listing.ref for listing in connector.scan_listings()]
    control.remove_listing(STORE, "V-1")

    read = connector.read_stock(refs)

    assert [(r.ref.sku, r.stock) for r in read] == [("S", 4)]
    gone = [r for r in connector.update_stock([StockUpdate(ref, 1) for ref in refs]) if not r.ok]
    assert [(r.sku, r.permanent) for r in gone] == [("V-1", True)]


def test_read_stock_asks_for_products_and_variations_by_sku_in_one_call(
    connector: WooCommerceConnector, app: Starlette
) -> None:
    """The read before a stock write: variations of three parents and a simple product in
    one `GET /products?sku=…` (by id it was a call per parent, at Lapak's 5 calls/s)."""
    control = app.state.control
    for n in range(3):
        variants = [(f"V{n}-1", "1", 1, n), (f"V{n}-2", "2", 1, n + 5)]
        control.add_listing(STORE, sku=f"V{n}", name=f"V{n}", price=1, variants=variants)
    control.add_listing(STORE, sku="S", name="S", price=1, stock=4)
    refs = [listing.ref for listing in connector.scan_listings()]
    control.reset_calls()

    read = connector.read_stock(refs)

    assert sorted((r.ref.sku, r.stock) for r in read) == [
        ("S", 4), ("V0-1", 0), ("V0-2", 5), ("V1-1", 1), ("V1-2", 6), ("V2-1", 2), ("V2-2", 7),
    ]  # fmt: skip
    assert {r.ref for r in read} == set(refs)
    assert control.call_counts() == {f"{API}/products": 1}


def test_read_stock_finds_by_id_a_listing_its_sku_does_not_find(
    connector: WooCommerceConnector, app: Starlette
) -> None:
    """A SKU changed by the seller on the store, or holding a comma (which a list of SKUs
    cannot carry): read by the listing's ids, not taken for gone."""
    control = app.state.control
    control.add_listing(STORE, sku="V", name="V", price=1, variants=[("V-1", "1", 1, 3)])
    control.add_listing(STORE, sku="T", name="T", price=1, stock=6)
    control.add_listing(STORE, sku="S,1", name="S", price=1, stock=2)
    refs = [listing.ref for listing in connector.scan_listings()]
    shop = app.state.sandbox.shop(STORE)
    with app.state.sandbox.lock:
        for sku in ("V-1", "T"):
            holder = shop.sku_holder(sku)
            holder.sku = f"{sku}-BARU"

    read = connector.read_stock(refs)

    assert sorted((r.ref.sku, r.stock) for r in read) == [("S,1", 2), ("T", 6), ("V-1", 3)]


def test_sku_lists_hold_a_page_of_skus_within_the_request_line() -> None:
    assert [len(x) for x in sku_lists([f"S{n}" for n in range(250)])] == [100, 100, 50]
    long = ["X" * 64] * 100  # 67 characters each with its %2C
    assert [len(x) for x in sku_lists(long)] == [59, 41]


# --- orders ---------------------------------------------------------------------------------


def test_trashed_orders_are_listed_and_fetched(
    connector: WooCommerceConnector, app: Starlette, server: RunningServer
) -> None:
    control = app.state.control
    control.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=50)
    kept = control.place_order(STORE, [("KOPI", 1)])
    trashed = control.place_order(STORE, [("KOPI", 1)], paid=False)
    with app.state.sandbox.lock:
        order = app.state.sandbox.shop(STORE).orders[int(trashed)]
        order.status, order.updated = "trash", int(control.now())
    since = datetime.fromtimestamp(control.now() - 60, UTC)
    until = datetime.fromtimestamp(control.now() + 60, UTC)
    ids = list(connector.list_order_ids(since, until))
    assert sorted(ids) == sorted([kept, trashed])

    orders = connector.get_orders([trashed, "99999", kept])

    assert [(o.external_id, o.status) for o in orders] == [
        (trashed, OrderStatus.CANCELLED),
        (kept, OrderStatus.READY_TO_SHIP),
    ]


def test_shipping_guards_and_tracking_meta(connector: WooCommerceConnector, app: Starlette) -> None:
    control = app.state.control
    control.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=50)
    unpaid = control.place_order(STORE, [("KOPI", 1)], paid=False)
    with pytest.raises(PermanentError, match="is pending: it cannot be shipped") as refused:
        connector.ship_order(unpaid, "JNE1")
    assert refused.value.code == "lapak_order_not_shippable"
    with pytest.raises(PermanentError, match="not a WooCommerce order id"):
        connector.ship_order("ABC-1", "JNE1")
    with pytest.raises(PermanentError) as missing:
        connector.ship_order("999999", "JNE1")
    assert missing.value.code == "woocommerce_rest_shop_order_invalid_id"

    by_hand = control.place_order(STORE, [("KOPI", 1)])
    with app.state.sandbox.lock:  # the seller marked it completed without tracking
        app.state.sandbox.shop(STORE).orders[int(by_hand)].status = "completed"
    connector.ship_order(by_hand, "SICEPAT9")
    assert control.order(STORE, by_hand).tracking_number == "SICEPAT9"
    assert control.order(STORE, by_hand).status == "completed"
    with pytest.raises(PermanentError, match="already shipped with tracking SICEPAT9"):
        connector.ship_order(by_hand, "SICEPAT10")


# --- authentication and failures ------------------------------------------------------------


def test_a_refused_key_is_an_auth_error_at_once_without_the_secret(
    connect: Callable[..., WooCommerceConnector], app: Starlette
) -> None:
    connector = connect(credentials={"consumer_secret": "cs_wrong-secret"})
    app.state.control.reset_calls()
    with pytest.raises(AuthError) as refused:
        list(connector.scan_listings())
    assert refused.value.code == "woocommerce_rest_authentication_error"
    assert sum(app.state.control.call_counts().values()) == 1
    assert "cs_wrong-secret" not in str(refused.value)
    assert "oauth_signature" not in str(refused.value)


def test_https_stores_authenticate_with_basic_auth(app: Starlette, vault: MemoryVault) -> None:
    seen: list[httpx.Request] = []
    client = TestClient(app, base_url="https://toko.example")

    def forward(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return client.request(
            request.method, str(request.url), headers=dict(request.headers), content=request.content
        )

    app.state.control.add_listing(STORE, sku="KOPI", name="Kopi", price=1, stock=3)
    connector = plugin.create(
        StoreSpec(STORE, "woocommerce", "https://toko.example"),
        WooCommerceCredentials(**CREDENTIALS),
        pacer=CountingPacer(),
        tokens=vault,
        transport=httpx.MockTransport(forward),
        retry_policy=FAST,
    )
    try:
        assert [listing.ref.sku for listing in connector.scan_listings()] == ["KOPI"]
        assert seen[0].headers["Authorization"].startswith("Basic ")
        assert "oauth_signature" not in str(seen[0].url)
    finally:
        connector.close()
        client.close()


def test_a_reused_nonce_is_retried_with_a_fresh_one(server: RunningServer, app: Starlette) -> None:
    nonces = itertools.chain(["n" * 32, "n" * 32], (f"{n:032d}" for n in itertools.count()))
    with httpx.Client(timeout=5) as http:
        client = WooClient(
            http=http,
            retrier=Retrier(FAST),
            pacer=CountingPacer(),
            site_url=server.url,
            consumer_key=CREDENTIALS["consumer_key"],
            consumer_secret=CREDENTIALS["consumer_secret"],
            clock=app.state.control.now,
            nonce=lambda: next(nonces),
        )
        app.state.control.reset_calls()
        assert client.get("/products", list[dict]) == []
        assert client.get("/products", list[dict]) == []
    assert app.state.control.call_counts() == {f"{API}/products": 3}


def test_a_long_throttle_is_handed_to_the_job_layer(
    connector: WooCommerceConnector, app: Starlette
) -> None:
    control = app.state.control
    control.add_listing(STORE, sku="S", name="S", price=1, stock=1)
    refs = [listing.ref for listing in connector.scan_listings()]
    control.set_rate_limit(0.2, burst=1)
    connector.update_stock([StockUpdate(refs[0], 2)])
    with pytest.raises(ThrottledError) as throttled:
        connector.update_stock([StockUpdate(refs[0], 3)])
    assert throttled.value.retry_after == 5
    assert throttled.value.code == "rate_limit_exceeded"


def test_a_5xx_on_get_orders_is_transient(connector: WooCommerceConnector, app: Starlette) -> None:
    app.state.control.set_faults(error_rate=1.0)
    with pytest.raises(TransientError) as failed:
        connector.get_orders(["101"])
    assert failed.value.status == 500 and failed.value.code == "internal_server_error"


def test_without_a_webhook_secret_nothing_verifies(
    connect: Callable[..., WooCommerceConnector],
) -> None:
    connector = connect(credentials={"webhook_secret": None})
    assert not connector.verify_webhook("https://lapak/x", {"X-WC-Webhook-Signature": "x"}, b"{}")


def test_a_revoked_key_is_refused_at_once(connector: WooCommerceConnector, app: Starlette) -> None:
    control = app.state.control
    control.add_listing(STORE, sku="KOPI", name="Kopi", price=1, stock=1)
    assert [listing.ref.sku for listing in connector.scan_listings()] == ["KOPI"]
    control.expire_token(STORE)  # WooCommerce keys do not expire: this revokes the key
    control.reset_calls()
    with pytest.raises(AuthError, match=r"Consumer key is invalid\."):
        list(connector.scan_listings())
    assert sum(control.call_counts().values()) == 1
