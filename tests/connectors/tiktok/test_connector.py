"""The TikTok Shop connector against its sandbox over real HTTP: what the conformance suite
does not already hold it to (TikTok's own flows and failure modes)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from lapak.connectors.http import RetryPolicy
from lapak.connectors.tiktok import TikTokConnector, TikTokCredentials, plugin
from lapak.connectors.tiktok import connector as tiktok_connector
from lapak.connectors.tiktok.client import AUTH_BASE_URL, auth_base_url, classify
from lapak.sandboxes.kit.control import SandboxControl
from lapak.sandboxes.registry import sandbox_for
from lapak.sandboxes.tiktok import TikTokSandbox
from lapak.sandboxes.tiktok import api_products as tiktok_products
from lapak.sync.protocol import AuthError, PermanentError, StoreSpec, ThrottledError
from lapak.sync.registry import plugin_for
from lapak.sync.types import ListingDraft, OrderStatus, PriceUpdate
from lapak.wiring.server import RunningServer
from pydantic import ValidationError

from lapak.testing.fixtures import Target
from tests.connectors.conftest import FAST, Received
from tests.connectors.doubles import CountingPacer, MemoryVault
from tests.connectors.tiktok.sandbox_client import stock_of

STORE = "toko-tiktok"
CREATE = "/product/202309/products"
RETURNS = "/return_refund/202309/returns/search"
PROVIDERS = "/logistics/202309/delivery_options/{delivery_option_id}/shipping_providers"
CREDENTIALS = sandbox_for(plugin.platform).credentials(STORE, 0)


@pytest.fixture
def target() -> Target:
    return Target("tiktok", STORE, seed=3)


def _draft(base: str, sku: str, group: str, **fields: Any) -> ListingDraft:
    values: dict[str, Any] = {
        "name": "Kemeja Batik Parang lengan panjang",
        "description": "Batik tulis dari Yogyakarta.",
        "price": Decimal(185000),
        "stock": 5,
        "weight_grams": 250,
        "image_urls": (f"{base}/img/{group.lower()}.png",),
        "category_id": "601226",
    }
    values.update(fields)
    return ListingDraft(sku=sku, group=group, **values)


# --- plugin and credentials ----------------------------------------------------------------


def test_the_plugin_and_its_credentials() -> None:
    assert plugin_for("tiktok") is plugin
    assert plugin.limits.batch_per_item and plugin.limits.stock_batch == 100
    with pytest.raises(ValidationError, match="app_secert"):
        TikTokCredentials.model_validate({**CREDENTIALS, "app_secert": "x"})
    credentials = TikTokCredentials.model_validate(CREDENTIALS)
    for secret in (CREDENTIALS["app_secret"], CREDENTIALS["refresh_token"]):
        assert secret not in repr(credentials) and secret not in str(credentials)
    assert sandbox_for(plugin.platform).credentials(STORE, 0) == CREDENTIALS
    assert (
        sandbox_for(plugin.platform).credentials(STORE, 1)["shop_cipher"]
        != CREDENTIALS["shop_cipher"]
    )


def test_where_tokens_are_refreshed() -> None:
    assert auth_base_url("https://open-api.tiktokglobalshop.com") == AUTH_BASE_URL
    assert auth_base_url("http://127.0.0.1:8123/") == "http://127.0.0.1:8123"
    assert auth_base_url("https://open-api.tiktokglobalshop.com", "https://auth.test/") == (
        "https://auth.test"
    )


def _mock(
    handler: Callable[[httpx.Request], httpx.Response], **credentials: Any
) -> TikTokConnector:
    return TikTokConnector(
        StoreSpec(STORE, "tiktok", "https://open-api.tiktokglobalshop.com"),
        TikTokCredentials.model_validate({**CREDENTIALS, **credentials}),
        pacer=CountingPacer(),
        tokens=MemoryVault(lambda: 1_700_000_000),
        transport=httpx.MockTransport(handler),
        retry_policy=FAST,
        clock=lambda: 1_700_000_000,
    )


def _token(n: int) -> dict[str, Any]:
    return {
        "access_token": f"TTP_a{n}",
        "access_token_expire_in": 1_700_600_000,
        "refresh_token": "TTP_r",
        "refresh_token_expire_in": 1_730_000_000,
    }


def test_a_token_refused_again_after_its_refresh_is_an_auth_error() -> None:
    """Tokens come from TikTok's auth host; a refused token: one refresh, one retry, then
    AuthError (no loop)."""
    calls: Counter[str] = Counter()

    def tiktok(request: httpx.Request) -> httpx.Response:
        calls[f"{request.url.host}{request.url.path}"] += 1
        if request.url.path == "/api/v2/token/refresh":
            body = {"code": 0, "message": "success", "data": _token(calls.total())}
            return httpx.Response(200, json=body)
        error = {"code": 105002, "message": "Expired credentials.", "request_id": "x"}
        return httpx.Response(401, json=error)

    connector = _mock(tiktok)
    with pytest.raises(AuthError, match="refused again after a refresh"):
        connector.get_orders(["1"])
    assert calls == {
        "auth.tiktok-shops.com/api/v2/token/refresh": 2,
        "open-api.tiktokglobalshop.com/order/202309/orders": 2,
    }
    connector.close()


def test_a_refused_refresh_token_is_an_auth_error_without_secrets(
    connect: Callable[..., TikTokConnector],
) -> None:
    connector = connect(credentials={"refresh_token": "TTP_not-this-one"})
    with pytest.raises(AuthError, match="36004005") as refused:
        list(connector.scan_listings())
    text = str(refused.value)
    assert "TTP_not-this-one" not in text and CREDENTIALS["app_secret"] not in text


# --- listings ------------------------------------------------------------------------------


def test_what_a_product_lacks_is_a_permanent_error_per_item(
    connector: TikTokConnector, sandbox: TikTokSandbox, images: tuple[str, Counter[str]]
) -> None:
    base = images[0]
    drafts = [
        _draft(base, "A", "A", category_id=None),
        _draft(base, "B", "B", image_urls=()),
        _draft(base, "C", "C", description=""),
        _draft(base, "D", "D", weight_grams=0),
        _draft(base, "E", "E"),
    ]
    results = connector.upsert_listings(drafts)
    assert [(r.ok, r.permanent) for r in results] == [(False, True)] * 4 + [(True, False)]
    assert "category_id missing" in (results[0].error or "")
    assert sandbox.call_counts()[CREATE] == 1  # nothing was sent for A-D


def test_a_create_whose_answer_is_lost_is_retried_without_a_duplicate(
    server: RunningServer,
    sandbox: TikTokSandbox,
    connect: Callable[..., TikTokConnector],
    images: tuple[str, Counter[str]],
) -> None:
    """The idempotency key makes the create safe to retry after a lost answer."""

    class LosesFirstCreate(httpx.HTTPTransport):
        lost = 0

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            response = super().handle_request(request)
            if request.url.path == CREATE and not self.lost:
                self.lost += 1
                response.read()
                raise httpx.ReadTimeout("answer lost", request=request)
            return response

    connector = connect(transport=LosesFirstCreate())
    (result,) = connector.upsert_listings([_draft(images[0], "KOPI", "KOPI")])
    assert result.ok and result.ref is not None
    assert sandbox.call_counts()[CREATE] == 2
    assert [p.id for p in sandbox.store(STORE).catalog.listings.values()] == [result.ref.item_id]


def test_a_stock_read_searches_ten_skus_a_call_and_leaves_a_deleted_product_out(
    connector: TikTokConnector, sandbox: TikTokSandbox, control: SandboxControl
) -> None:
    for n in range(23):
        sandbox.add_listing(STORE, sku=f"S{n:02}", name=f"Barang {n}", price=1000, stock=n)
    variants = [(f"V-{n}", f"opsi {n}", 20000, 5 + n) for n in range(4)]
    sandbox.add_listing(STORE, sku="V", name="Varian", price=20000, variants=variants)
    refs = [x.ref for x in connector.scan_listings()]
    control.remove_listing(STORE, "S00")
    sandbox.reset_calls()

    read = connector.read_stock(refs)

    assert {x.ref.sku: x.stock for x in read} == {
        **{f"S{n:02}": n for n in range(1, 23)},
        **{f"V-{n}": 5 + n for n in range(4)},
    }
    assert sandbox.call_counts() == {"/product/202309/products/search": 3}  # 27 SKUs: 10 a call


def test_a_price_refused_for_one_sku_is_retried_per_sku(
    connector: TikTokConnector, sandbox: TikTokSandbox
) -> None:
    variants = [(f"V-{n}", f"opsi {n}", 20000, 1) for n in range(3)]
    sandbox.add_listing(STORE, sku="V", name="Varian", price=20000, variants=variants)
    refs = [x.ref for x in connector.scan_listings()]
    foreign = type(refs[0])("GHOST", refs[0].item_id, "1730999999999999999")
    sandbox.reset_calls()

    results = connector.update_prices([PriceUpdate(r, Decimal(21000)) for r in [*refs, foreign]])

    assert [(r.ok, r.permanent) for r in results] == [(True, False)] * 3 + [(False, True)]
    assert "12052557" in (results[3].error or "")
    assert sandbox.call_counts() == {"/product/202309/products/{product_id}/prices/update": 5}
    assert {
        s.price for s in sandbox.store(STORE).catalog.listings[refs[0].item_id].variants.values()
    } == {21000}


def test_a_retry_after_beyond_the_in_call_cap_propagates(
    connect: Callable[..., TikTokConnector], sandbox: TikTokSandbox
) -> None:
    impatient = connect(retry_policy=RetryPolicy(max_retry_after=0.5))
    assert list(impatient.scan_listings()) == []
    sandbox.set_rate_limit(0.4, burst=1)
    list(impatient.scan_listings())  # spends the bucket
    with pytest.raises(ThrottledError) as throttled:
        list(impatient.scan_listings())
    assert throttled.value.retry_after == 3.0 and throttled.value.code == "36009002"


# --- orders --------------------------------------------------------------------------------


def test_a_return_is_found_through_search_returns(
    connector: TikTokConnector, sandbox: TikTokSandbox
) -> None:
    sandbox.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=20)
    shipped = sandbox.place_order(STORE, [("KOPI", 2)])
    waiting = sandbox.place_order(STORE, [("KOPI", 1)])
    connector.ship_order(shipped, "JNT0001")
    assert sandbox.call_counts()[PROVIDERS] == 1

    orders = connector.get_orders([shipped, waiting])
    assert [o.status for o in orders] == [OrderStatus.SHIPPED, OrderStatus.READY_TO_SHIP]
    assert sandbox.call_counts()[RETURNS] == 1  # asked for the shipped order only
    sandbox.return_order(STORE, shipped)
    assert connector.get_orders([shipped])[0].status is OrderStatus.RETURNED
    assert stock_of(sandbox, "KOPI", STORE) == 19
    connector.get_orders([waiting])
    assert sandbox.call_counts()[RETURNS] == 2  # nothing shipped: no return search


def test_ship_with_the_sellers_own_courier(
    connect: Callable[..., TikTokConnector], sandbox: TikTokSandbox
) -> None:
    connector = connect(credentials={"shipping_provider_id": "7117858858072016003"})
    sandbox.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=20)
    order_id = sandbox.place_order(STORE, [("KOPI", 1)])
    connector.ship_order(order_id, "JNE0001")
    order = sandbox.store(STORE).orders[order_id]
    assert (order.status, order.carrier, order.tracking_number) == (
        "AWAITING_COLLECTION",
        "JNE",
        "JNE0001",
    )
    assert PROVIDERS not in sandbox.call_counts()
    with pytest.raises(PermanentError, match="no tiktok order 404"):
        connector.ship_order("404", "JNE0002")
    with pytest.raises(PermanentError, match="21011040"):
        connector.ship_order(order_id, "JNE0003")


def test_a_return_push_is_verified_and_parsed(
    connector: TikTokConnector, sandbox: TikTokSandbox, receiver: tuple[str, Received]
) -> None:
    url, received = receiver
    sandbox.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=20)
    order_id = sandbox.place_order(STORE, [("KOPI", 1)])
    connector.ship_order(order_id, "SC0001")
    sandbox.set_push_url(STORE, url)
    sandbox.return_order(STORE, order_id)
    assert sandbox.push.flush(5)
    ((headers, body),) = received
    upper = {k.upper(): v for k, v in headers.items()}
    assert connector.verify_webhook(url, upper, body)
    event = connector.parse_webhook(body, headers)
    assert (event.topic, event.order_ids) == ("return", (order_id,))
    assert event.delivery_id and event.sent_at is not None
    assert json.loads(body)["data"]["return_status"] == "RETURN_OR_REFUND_REQUEST_COMPLETE"


@pytest.mark.parametrize(
    ("status", "code", "message", "kind"),
    [
        (429, 36009002, "Too many requests.", "ThrottledError"),
        (200, 36009002, "Too many requests.", "ThrottledError"),
        (500, 36009003, "Internal error.", "TransientError"),
        (503, None, "", "TransientError"),
        (401, 105002, "Expired credentials.", "StaleTokenError"),
        (
            401,
            36009004,
            "Invalid credentials. The `x-tts-access-token` header is invalid.",
            "StaleTokenError",
        ),
        (401, 106001, "Invalid credentials. The `sign` query parameter is invalid.", "AuthError"),
        (401, 36009004, "Invalid timestamp.", "AuthError"),
        (200, 105005, "Access denied.", "AuthError"),
        (200, 12052032, "The product does not exist", "PermanentError"),
    ],
)
def test_refusals_are_classified(status: int, code: int | None, message: str, kind: str) -> None:
    error = classify("/x", status, code, message, None)
    assert type(error).__name__ == kind
    assert error.code == (str(code) if code is not None else None)


def test_orders_still_come_when_returns_are_out_of_scope() -> None:
    def tiktok(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v2/token/refresh":
            return httpx.Response(200, json={"code": 0, "data": _token(1)})
        if request.url.path == RETURNS:
            return httpx.Response(200, json={"code": 105005, "message": "Access denied."})
        order = {
            "id": "1",
            "status": "DELIVERED",
            "create_time": 1_700_000_000,
            "update_time": 1_700_000_100,
            "payment": {"currency": "IDR", "total_amount": "1000"},
        }
        return httpx.Response(200, json={"code": 0, "data": {"orders": [order]}})

    connector = _mock(tiktok)
    (order,) = connector.get_orders(["1"])
    assert order.status is OrderStatus.COMPLETED
    connector.close()


def test_a_shop_beyond_the_search_cap_is_scanned_in_creation_time_windows(
    connector: TikTokConnector, sandbox: TikTokSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Search Products pages no deeper than 10,000 results (here 4, two to a page): the scan
    halves windows of creation time until each fits, and finds every product once."""
    monkeypatch.setattr(tiktok_connector, "SEARCH_RESULTS_MAX", 4)
    monkeypatch.setattr(tiktok_connector, "PRODUCT_PAGE_SIZE", 2)
    monkeypatch.setattr(tiktok_products, "MAX_RESULTS", 4)
    skus = [f"KAIN-{n:02d}" for n in range(11)]
    for n, sku in enumerate(skus):
        sandbox.add_listing(STORE, sku=sku, name=f"Kain tenun ikat Sumba nomor {n}", price=90_000)
        if n % 3 == 2:  # three products a second
            sandbox.clock.advance(1)
    sandbox.reset_calls()

    scanned = [listing.ref.sku for listing in connector.scan_listings()]

    assert sorted(scanned) == skus
    assert sandbox.call_counts()["/product/202309/products/search"] > 6  # windows, not pages
