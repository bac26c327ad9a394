"""Shopee v2 signatures: the doc's base strings, a self-computed vector, pyshopee2 agreeing
with us, and pyshopee2's own signed requests accepted (or refused) by the sandbox."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import requests
from lapak.connectors.shopee import signing
from lapak.sandboxes.shopee import create_app
from lapak.wiring.server import RunningServer, serve
from pyshopee2.client import Client as PyShopeeClient

# Sample key string from Shopee's official Go demo (docs/MARKETPLACES.md#shopee-auth-and-signing,
# docs/MARKETPLACES.md#signature-test-vectors).
DEMO_KEY = "1391fd986fe8ec7569bebed75b0c33ee35eb5a305bed7038657a5cd5f75b1c88"
DOC_SHOP_BASE = (
    "2001887/api/v2/shop/get_shop_info165571443159777174636562737266615546704c6d14701711"
)
DOC_VECTOR = "87407e32ecf3a44d7b7262be1fe2a80a3ac0f71b11ceddc74c984d308afb5aa6"

PARTNER_ID, SHOP_ID = 2001887, 14701711
PARTNER_KEY = "sandbox-partner-key-0123456789abcdef"
REFRESH_TOKEN = "first-refresh-token"


def test_the_doc_base_strings() -> None:
    token, merchant_token = "59777174636562737266615546704c6d", "09777174636962737266615546704c6d"
    shop = signing.shop_base(2001887, "/api/v2/shop/get_shop_info", 1655714431, token, 14701711)
    assert shop == DOC_SHOP_BASE
    merchant_path = "/api/v2/global_product/get_category"
    merchant = signing.merchant_base(2001887, merchant_path, 1655714431, merchant_token, 1000000)
    assert merchant == (
        "2001887/api/v2/global_product/get_category"
        "165571443109777174636962737266615546704c6d1000000"
    )
    public = signing.public_base(2001887, "/api/v2/public/get_shops_by_partner", 1655714431)
    assert public == "2001887/api/v2/public/get_shops_by_partner1655714431"


def test_the_self_computed_vector() -> None:
    assert signing.sign(DEMO_KEY, DOC_SHOP_BASE) == DOC_VECTOR
    assert (
        signing.shop_sign(
            DEMO_KEY,
            2001887,
            "/api/v2/shop/get_shop_info",
            1655714431,
            "59777174636562737266615546704c6d",
            14701711,
        )
        == DOC_VECTOR
    )


@pytest.mark.parametrize(
    "path", ["/api/v2/product/get_item_list", "/api/v2/order/get_order_detail"]
)
def test_pyshopee2_signs_exactly_like_us(path: str) -> None:
    token, timestamp = "59777174636562737266615546704c6d", 1655714431
    client = PyShopeeClient(
        SHOP_ID, PARTNER_ID, DEMO_KEY, "http://localhost/cb", access_token=token
    )
    assert client._api_sign(path, timestamp) == signing.shop_sign(
        DEMO_KEY, PARTNER_ID, path, timestamp, token, SHOP_ID
    )
    public = "/api/v2/auth/access_token/get"
    expected = signing.public_sign(DEMO_KEY, PARTNER_ID, public, timestamp)
    assert client._api_short_sign(public, timestamp) == expected
    assert client._sign(public, timestamp) == expected


# --- pyshopee2 against the sandbox -----------------------------------------------------------


@pytest.fixture
def server() -> Iterator[RunningServer]:
    shop = {
        "name": "toko-signing",
        "partner_id": PARTNER_ID,
        "partner_key": PARTNER_KEY,
        "shop_id": SHOP_ID,
        "refresh_token": REFRESH_TOKEN,
    }
    app = create_app([shop])
    with serve(app) as running:
        yield running
    app.state.sandbox.close()


@pytest.fixture
def pyshopee(server: RunningServer) -> PyShopeeClient:
    """pyshopee2's client pointed at the sandbox, holding a token it refreshed itself."""
    client = PyShopeeClient(SHOP_ID, PARTNER_ID, PARTNER_KEY, "http://localhost/cb")
    client.host = server.url
    access_token, expire_in, refresh_token = client.get_access_token(
        SHOP_ID, PARTNER_ID, PARTNER_KEY, REFRESH_TOKEN
    )
    assert expire_in == 14400 and refresh_token != REFRESH_TOKEN
    client.set_access_token(access_token)
    return client


def test_a_request_signed_by_pyshopee2_is_accepted(pyshopee: PyShopeeClient) -> None:
    body = pyshopee.product.get_item_list(offset=0, page_size=10, item_status="NORMAL")
    assert body["error"] == ""
    assert body["response"]["item"] == []


def _send(url: str) -> requests.Response:
    return requests.get(url, headers={"Content-Type": "application/json"}, timeout=10)


def _with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def test_the_same_request_altered_is_refused_with_error_sign(pyshopee: PyShopeeClient) -> None:
    params = {"offset": 0, "page_size": 10, "item_status": "NORMAL"}
    request = pyshopee._build_request("product/get_item_list", "GET", dict(params))
    assert _send(request.url).json()["error"] == ""  # as signed: accepted
    query = dict(parse_qsl(urlsplit(request.url).query))
    bad_sign = query["sign"][:-1] + ("0" if query["sign"][-1] != "0" else "1")
    altered = [
        _with_query(request.url, sign=bad_sign),
        _with_query(request.url, timestamp=str(int(query["timestamp"]) - 1)),
    ]
    for url in altered:
        response = _send(url)
        assert response.status_code == 403
        assert response.json()["error"] == "error_sign"
        assert response.json()["message"] == "Wrong sign."


# --- push signatures ------------------------------------------------------------------------

CALLBACK = "https://lapak.example/webhooks/shopee/toko"
PUSH_BODY = b'{"data":{"items":[],"ordersn":"220810QSK8S7BX","status":"PROCESSED"},"code":3}'


def test_webhook_signature_is_hmac_of_url_bar_body() -> None:
    expected = hmac.new(
        PARTNER_KEY.encode(), CALLBACK.encode() + b"|" + PUSH_BODY, hashlib.sha256
    ).hexdigest()
    assert signing.webhook_signature(PARTNER_KEY, CALLBACK, PUSH_BODY) == expected
    assert signing.verify_webhook(PARTNER_KEY, CALLBACK, PUSH_BODY, expected)


@pytest.mark.parametrize(
    ("url", "body", "header"),
    [
        (CALLBACK, PUSH_BODY + b" ", "good"),  # body changed in transit
        (CALLBACK + "/other", PUSH_BODY, "good"),  # signed for another URL
        (CALLBACK, PUSH_BODY, "0" * 64),
        (CALLBACK, PUSH_BODY, ""),
        (CALLBACK, PUSH_BODY, None),
    ],
)
def test_webhook_with_a_bad_signature_is_rejected(
    url: str, body: bytes, header: str | None
) -> None:
    if header == "good":
        header = signing.webhook_signature(PARTNER_KEY, CALLBACK, PUSH_BODY)
    assert not signing.verify_webhook(PARTNER_KEY, url, body, header)
