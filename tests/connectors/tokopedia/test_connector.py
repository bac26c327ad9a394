"""The Tokopedia connector against its sandbox over real HTTP: what the conformance suite
does not pin down (the plugin, tokens, per-row throttling, paging, the update lookback of
order listing, creation refusals, the ship flow)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from lapak.connectors.http import RetryPolicy
from lapak.connectors.tokopedia import TokopediaConnector, TokopediaCredentials, plugin
from lapak.sandboxes.registry import sandbox_for
from lapak.sandboxes.tokopedia import TokopediaSandbox
from lapak.sync.protocol import AuthError, Connector, PermanentError, StoreSpec
from lapak.sync.registry import plugin_for
from lapak.sync.types import ListingDraft, ListingRef, OrderStatus, StockUpdate
from pydantic import ValidationError

from lapak.testing.fixtures import Target
from tests.connectors.conftest import FAST
from tests.connectors.doubles import CountingPacer, MemoryVault

STORE = "toko-tokopedia"
CREDENTIALS = sandbox_for(plugin.platform).credentials(STORE, 0)
FS_ID, SHOP_ID = CREDENTIALS["fs_id"], CREDENTIALS["shop_id"]
DAY = 86400
PRODUCT_INFO = f"/inventory/v1/fs/{FS_ID}/product/info"
STOCK = f"/inventory/v1/fs/{FS_ID}/stock/update"
CREATE = f"/v3/products/fs/{FS_ID}/create"
ORDER = f"/v2/fs/{FS_ID}/order"


def _credentials(**changes: Any) -> TokopediaCredentials:
    return TokopediaCredentials.model_validate({**CREDENTIALS, **changes})


@pytest.fixture
def target() -> Target:
    return Target("tokopedia", STORE, seed=9)


def _moment(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _draft(sku: str, group: str, **fields: Any) -> ListingDraft:
    values: dict[str, Any] = {
        "name": f"Produk {group}",
        "description": f"Deskripsi {group}",
        "price": Decimal(50000),
        "stock": 5,
        "weight_grams": 300,
        "image_urls": (f"https://img.example/{group}.png",),
        "category_id": "1817",
    }
    values.update(fields)
    return ListingDraft(sku=sku, group=group, **values)


# --- the plugin ----------------------------------------------------------------------------


def test_the_plugin_is_registered_and_its_credentials_strict() -> None:
    assert plugin_for("tokopedia") is plugin
    assert plugin.limits.stock_batch == 100 and plugin.limits.order_window_days == 3
    assert plugin.limits.order_detail_batch == 1 and not plugin.limits.batch_per_item
    with pytest.raises(ValidationError, match="client_secrt"):
        plugin.credentials_model.model_validate({**CREDENTIALS, "client_secrt": "x"})
    text = repr(_credentials()) + str(_credentials())
    assert CREDENTIALS["client_secret"] not in text and CREDENTIALS["webhook_secret"] not in text
    assert sandbox_for(plugin.platform).credentials(STORE, 0) == CREDENTIALS  # deterministic
    assert sandbox_for(plugin.platform).credentials(STORE, 1)["shop_id"] != SHOP_ID


def test_a_connector_satisfies_the_protocol(connector: TokopediaConnector) -> None:
    assert isinstance(connector, Connector)


# --- tokens --------------------------------------------------------------------------------


def test_the_token_comes_from_the_sandboxs_token_endpoint_once(
    connector: TokopediaConnector, sandbox: TokopediaSandbox, vault: MemoryVault
) -> None:
    assert list(connector.scan_listings()) == []
    assert list(connector.scan_listings()) == []
    assert vault.refreshes == 1 and sandbox.call_counts()["/token"] == 1
    token = connector.refresh_token(None)
    assert token.refresh_token == "" and token.refresh_expires_at is None
    assert token.expires_at > _moment(sandbox.clock.now() + 13 * DAY)


def test_a_refused_client_secret_is_an_auth_error_without_the_secret(
    connect: Callable[..., TokopediaConnector],
) -> None:
    wrong = "not-the-client-secret"
    connector = connect(credentials={"client_secret": wrong})
    with pytest.raises(AuthError, match="invalid_client") as refused:
        list(connector.scan_listings())
    assert wrong not in str(refused.value)


def test_a_token_refused_again_after_its_refresh_is_an_auth_error() -> None:
    """Tokopedia keeps answering 401: one refresh, one retry, then AuthError (no loop)."""
    calls: Counter[str] = Counter()

    def tokopedia(request: httpx.Request) -> httpx.Response:
        calls[request.url.path] += 1
        if request.url.path == "/token":
            n = calls["/token"]
            return httpx.Response(200, json={"access_token": f"t{n}", "expires_in": 1209600})
        header = {"messages": "Unauthorized", "reason": "expired", "error_code": "UNAUTHORIZED"}
        return httpx.Response(401, json={"header": header, "data": None})

    vault = MemoryVault(lambda: 0)
    connector = TokopediaConnector(
        StoreSpec(name=STORE, platform="tokopedia", base_url="https://fs.tokopedia.net"),
        _credentials(token_url="https://accounts.example/token"),
        pacer=CountingPacer(),
        tokens=vault,
        transport=httpx.MockTransport(tokopedia),
        retry_policy=FAST,
    )
    with pytest.raises(AuthError, match="refused again after a refresh"):
        connector.get_orders(["123"])
    assert calls == {"/token": 2, ORDER: 2}
    assert vault.refreshes == 2


# --- listings ------------------------------------------------------------------------------


def test_a_scan_reads_variant_children_by_id_not_one_call_per_product(
    connector: TokopediaConnector, sandbox: TokopediaSandbox
) -> None:
    for n in range(40):
        sizes = [(f"KAOS{n}-{size}", size, 50000, n) for size in ("S", "M", "L")]
        sandbox.add_listing(SHOP_ID, sku=f"KAOS{n}", name=f"Kaos {n}", price=1, variants=sizes)

    listings = {x.ref.sku: x for x in connector.scan_listings()}

    assert len(listings) == 120 and listings["KAOS7-M"].stock == 7
    calls = sandbox.call_counts()
    assert calls == {PRODUCT_INFO: 1 + 3, "/token": 1}  # one page, 120 children 50 a call


def test_scan_and_read_back_page_through_many_products(
    connector: TokopediaConnector, sandbox: TokopediaSandbox, pacer: CountingPacer
) -> None:
    for n in range(120):
        sandbox.add_listing(SHOP_ID, sku=f"S{n:03}", name=f"Barang {n}", price=1000 + n, stock=n)
    variants = [("CELANA-S", "S", 90000, 4), ("CELANA-L", "L", 95000, 6)]
    celana = sandbox.add_listing(SHOP_ID, sku="CELANA", name="Celana", price=1, variants=variants)

    listings = {x.ref.sku: x for x in connector.scan_listings()}

    assert set(listings) == {f"S{n:03}" for n in range(120)} | {"CELANA-S", "CELANA-L"}
    small = listings["CELANA-S"]
    assert small.ref.item_id == str(celana) and small.ref.variant_id
    assert (small.stock, small.price, small.name) == (4, Decimal(90000), "Celana - S")
    assert (listings["S042"].stock, listings["S042"].price) == (42, Decimal(1042))
    calls = sandbox.call_counts()
    assert calls[PRODUCT_INFO] == 4  # 121 products in pages of 50, then CELANA's 2 children
    assert f"/inventory/v1/fs/{FS_ID}/product/variant/{celana}" not in calls

    sandbox.reset_calls()
    read = connector.read_stock([x.ref for x in listings.values()])
    assert {x.ref.sku: x.stock for x in read} == {sku: x.stock for sku, x in listings.items()}
    assert sandbox.call_counts() == {PRODUCT_INFO: 3}  # 122 ids, 50 a call
    assert pacer.calls == 1 + 3 + 1 + 3  # token, pages, variants, read-back: all paced


def test_an_oversold_product_reads_below_zero_beside_the_others(
    connector: TokopediaConnector, sandbox: TokopediaSandbox
) -> None:
    """Stock leaves at payment, so a later payment can take the shown stock below zero
    (docs/MARKETPLACES.md). Scans and reads report it as it is, and the other products of
    the same call read and write as usual: the read used to refuse the whole answer as
    malformed, failing every push of the store that had a stock to write."""
    sandbox.add_listing(SHOP_ID, sku="KOPI", name="Kopi", price=30000, stock=10)
    sandbox.add_listing(SHOP_ID, sku="TEH", name="Teh", price=20000, stock=5)
    checkouts = [sandbox.place_order(SHOP_ID, [("KOPI", 6)], paid=False) for _ in range(2)]
    for order in checkouts:
        sandbox.change_order(SHOP_ID, order, "pay")

    listings = {x.ref.sku: x for x in connector.scan_listings()}
    assert (listings["KOPI"].stock, listings["TEH"].stock) == (-2, 5)
    read = connector.read_stock([x.ref for x in listings.values()])
    assert {x.ref.sku: x.stock for x in read} == {"KOPI": -2, "TEH": 5}
    [written] = connector.update_stock([StockUpdate(listings["TEH"].ref, 3)])
    assert written.ok and sandbox.stock_of(SHOP_ID, "TEH") == 3


def test_what_cannot_be_created_fails_per_item(
    connector: TokopediaConnector, sandbox: TokopediaSandbox
) -> None:
    drafts = [
        _draft("TANPA-KATEGORI", "TANPA-KATEGORI", category_id=None),
        _draft("TANPA-GAMBAR", "TANPA-GAMBAR", image_urls=()),
        _draft("NAMA", "NAMA", name="x" * 71),
        _draft("KOPI-1", "KOPI", category_id="1166", variant_name="Arabika"),
        _draft("KOPI-2", "KOPI", category_id="1166", variant_name="Robusta"),
        _draft("TEH", "TEH"),
    ]

    results = connector.upsert_listings(drafts)

    assert [(r.sku, r.ok, r.permanent) for r in results] == [
        ("TANPA-KATEGORI", False, True),
        ("TANPA-GAMBAR", False, True),
        ("NAMA", False, True),
        ("KOPI-1", False, True),
        ("KOPI-2", False, True),
        ("TEH", True, False),
    ]
    assert "category_id missing for tokopedia" in (results[0].error or "")
    assert "image missing" in (results[1].error or "")
    assert "of field [name] must be at most 70 characters" in (results[2].error or "")
    assert "category 1166 has no variant type" in (results[3].error or "")
    assert sandbox.call_counts()[CREATE] == 2  # NAMA (refused by Tokopedia) and TEH


def test_a_bound_product_is_edited_and_a_new_variant_refused(
    connector: TokopediaConnector, sandbox: TokopediaSandbox
) -> None:
    kaos = [_draft("KAOS-S", "KAOS", variant_name="S"), _draft("KAOS-M", "KAOS", variant_name="M")]
    created = connector.upsert_listings(kaos)
    bound = [
        _draft(r.sku, "KAOS", name="Kaos Baru", variant_name=d.variant_name, ref=r.ref)
        for r, d in zip(created, kaos, strict=True)
    ]

    results = connector.upsert_listings([*bound, _draft("KAOS-L", "KAOS", variant_name="L")])

    assert [r.ok for r in results] == [True, True, False]
    assert results[2].permanent and "adding a variant" in (results[2].error or "")
    assert {p.name for p in sandbox.products(SHOP_ID)} == {
        "Kaos Baru",
        "Kaos Baru - S",
        "Kaos Baru - M",
    }


# --- stock ---------------------------------------------------------------------------------


def _listed(
    connect: Callable[..., TokopediaConnector], sandbox: TokopediaSandbox, count: int
) -> tuple[TokopediaConnector, list[ListingRef], list[float]]:
    """`count` one-SKU products, their refs, and a connector whose waits are slept and kept."""
    for n in range(count):
        sandbox.add_listing(SHOP_ID, sku=f"S{n:02}", name=f"Barang {n}", price=1000, stock=1)
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    connector = connect(sleep=sleep)
    return connector, [x.ref for x in connector.scan_listings()], waits


def test_rows_refused_by_the_row_rate_limit_are_sent_again(
    connect: Callable[..., TokopediaConnector], sandbox: TokopediaSandbox
) -> None:
    connector, refs, waits = _listed(connect, sandbox, 30)
    sandbox.set_rate_limit(50, 1)  # calls 50/s burst 1; rows 1000/s burst 20
    sandbox.reset_calls()

    results = connector.update_stock([StockUpdate(ref, 8) for ref in refs])

    assert all(r.ok for r in results)
    assert sandbox.call_counts()[STOCK] == 2  # 20 rows went through, then the other 10
    assert waits == [pytest.approx(0.02, abs=0.002)]  # X-Ratelimit-Full-Reset-After: 20/1000 s
    assert {p.stock for p in sandbox.products(SHOP_ID)} == {8}


def test_a_bulk_call_waits_until_its_rows_fit_the_allowance_the_last_answer_stated(
    connect: Callable[..., TokopediaConnector], sandbox: TokopediaSandbox
) -> None:
    connector, refs, waits = _listed(connect, sandbox, 40)
    sandbox.set_rate_limit(0)
    sandbox.limiter.rows.configure(50, 20)  # rows 50/s, burst 20: 0.4 s to refill
    sandbox.reset_calls()

    first = connector.update_stock([StockUpdate(ref, 8) for ref in refs[:20]])
    second = connector.update_stock([StockUpdate(ref, 8) for ref in refs[20:]])

    assert all(r.ok for r in first + second)
    assert sandbox.call_counts()[STOCK] == 2  # the fewest: no row refused and sent again
    assert waits == [pytest.approx(0.4, abs=0.1)]  # 20 rows at 50/s, less the time between


def test_rows_still_throttled_after_the_retries_stay_transient(
    connect: Callable[..., TokopediaConnector], sandbox: TokopediaSandbox
) -> None:
    for n in range(25):
        sandbox.add_listing(SHOP_ID, sku=f"S{n:02}", name=f"Barang {n}", price=1000, stock=1)
    connector = connect(retry_policy=RetryPolicy(attempts=1), sleep=time.sleep)
    refs = [x.ref for x in connector.scan_listings()]
    sandbox.set_rate_limit(1, 1)

    results = connector.update_stock([StockUpdate(ref, 3) for ref in refs])

    assert sum(r.ok for r in results) == 20
    assert {
        (r.permanent, "ERR_TOO_MANY_REQUEST" in (r.error or "")) for r in results if not r.ok
    } == {(False, True)}


# --- orders --------------------------------------------------------------------------------


def test_an_older_order_is_listed_again_when_its_status_changed(
    connector: TokopediaConnector, sandbox: TokopediaSandbox
) -> None:
    sandbox.add_listing(SHOP_ID, sku="KOPI", name="Kopi", price=30000, stock=100)
    ancient = sandbox.place_order(SHOP_ID, [("KOPI", 1)])
    sandbox.clock.advance(20 * DAY)
    older = sandbox.place_order(SHOP_ID, [("KOPI", 1)])
    sandbox.clock.advance(5 * DAY)
    fresh = sandbox.place_order(SHOP_ID, [("KOPI", 1)])
    since, until = _moment(sandbox.clock.now() - 3600), _moment(sandbox.clock.now() + 60)

    first = list(connector.list_order_ids(since, until))
    assert set(first) == {str(older), str(fresh)}  # never fetched: its status is unknown
    connector.get_orders([str(older)])
    assert list(connector.list_order_ids(since, until)) == [str(fresh)]  # unchanged
    connector.ship_order(str(older), "JNE0001")
    assert set(connector.list_order_ids(since, until)) == {str(older), str(fresh)}
    assert str(ancient) not in first  # beyond the 14-day lookback: webhooks cover it


def test_the_lookback_can_be_turned_off(
    connect: Callable[..., TokopediaConnector], sandbox: TokopediaSandbox
) -> None:
    sandbox.add_listing(SHOP_ID, sku="KOPI", name="Kopi", price=30000, stock=100)
    sandbox.place_order(SHOP_ID, [("KOPI", 1)])
    sandbox.clock.advance(DAY)
    fresh = sandbox.place_order(SHOP_ID, [("KOPI", 1)])
    connector = connect(update_lookback=timedelta(0))
    since, until = _moment(sandbox.clock.now() - 60), _moment(sandbox.clock.now() + 60)
    assert list(connector.list_order_ids(since, until)) == [str(fresh)]
    assert sandbox.call_counts()["/v2/order/list"] == 1


def test_unknown_orders_are_left_out(
    connector: TokopediaConnector, sandbox: TokopediaSandbox
) -> None:
    sandbox.add_listing(SHOP_ID, sku="KOPI", name="Kopi", price=30000, stock=100)
    order = str(sandbox.place_order(SHOP_ID, [("KOPI", 2)]))
    orders = connector.get_orders(["1", order, "not-a-number"])
    assert [o.external_id for o in orders] == [order]
    assert orders[0].status is OrderStatus.READY_TO_SHIP and orders[0].ship_by is not None


def test_shipping_accepts_the_order_first(
    connector: TokopediaConnector, sandbox: TokopediaSandbox
) -> None:
    sandbox.add_listing(SHOP_ID, sku="KOPI", name="Kopi", price=30000, stock=100)
    order = sandbox.place_order(SHOP_ID, [("KOPI", 1)])
    connector.get_orders([str(order)])  # warm the token
    sandbox.reset_calls()

    connector.ship_order(str(order), "SICEPAT01")

    base = f"/v1/order/{order}/fs/{FS_ID}"
    assert sandbox.call_counts() == {ORDER: 1, f"{base}/ack": 1, f"{base}/status": 1}
    assert [status for status, _, _ in sandbox.order(SHOP_ID, order).fields["history"]] == [
        100,
        220,
        400,
        500,
    ]
    with pytest.raises(PermanentError, match="not eligible to confirm shipping"):
        connector.ship_order(str(order), "SICEPAT02")


def test_a_ref_that_is_not_a_tokopedia_id_fails_permanently(connector: TokopediaConnector) -> None:
    (result,) = connector.update_stock([StockUpdate(ListingRef("X", "abc"), 1)])
    assert not result.ok and result.permanent and "not a Tokopedia id" in (result.error or "")
