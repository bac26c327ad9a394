"""LazOP signatures: the doc's test vector, lazop-sdk agreeing with us, and lazop-sdk's own
signed requests accepted (or refused, once altered) by the sandbox."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest
import requests
from lapak.connectors.lazada import plugin, signing
from lapak.connectors.lazada.client import signed_params
from lapak.sandboxes.lazada import push_signature
from lapak.sandboxes.registry import sandbox_for
from lapak.wiring.server import RunningServer
from lazop_sdk import base as lazop
from starlette.applications import Starlette

from lapak.testing.fixtures import Target

# The doc's worked example (docs 108068/108069; docs/MARKETPLACES.md#lazada-auth-and-signing).
DOC_SECRET = "helloworld"
DOC_PARAMS = {
    "app_key": "123456",
    "access_token": "test",
    "timestamp": "1517820392000",
    "sign_method": "sha256",
    "order_id": "1234",
}
DOC_BASE = (
    "/order/getaccess_tokentestapp_key123456order_id1234sign_methodsha256timestamp1517820392000"
)
DOC_SIGN = "4190D32361CFB9581350222F345CB77F3B19F0E31D162316848A2C1FFD5FAB4A"

STORE = "toko-signing"
CREDS = sandbox_for(plugin.platform).credentials(STORE, 0)
APP_KEY, APP_SECRET = CREDS["app_key"], CREDS["app_secret"]


def test_the_doc_test_vector() -> None:
    assert signing.base_string("/order/get", DOC_PARAMS) == DOC_BASE
    assert signing.sign(DOC_SECRET, "/order/get", DOC_PARAMS) == DOC_SIGN
    assert signing.sign(DOC_SECRET, "/order/get", {**DOC_PARAMS, "sign": "ignored"}) == DOC_SIGN
    assert signing.verify(DOC_SECRET, "/order/get", DOC_PARAMS, DOC_SIGN.lower())
    assert not signing.verify(
        DOC_SECRET, "/order/get", {**DOC_PARAMS, "order_id": "1235"}, DOC_SIGN
    )


def test_lazop_sdk_reproduces_the_doc_vector() -> None:
    assert lazop.sign(DOC_SECRET, "/order/get", DOC_PARAMS) == DOC_SIGN


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (
            "/products/get",
            {"filter": "all", "offset": 0, "limit": 50, "sku_seller_list": '["A B","Ç&="]'},
        ),
        ("/product/stock/sellable/update", {"payload": "<Request><Product/></Request>"}),
        ("/orders/get", {"update_after": "2024-05-01T00:00:00+07:00", "sort_direction": "ASC"}),
        ("/auth/token/refresh", {"refresh_token": "50001600abc"}),
    ],
)
def test_lazop_sdk_signs_exactly_like_us(path: str, params: dict[str, Any]) -> None:
    system = {"app_key": APP_KEY, "timestamp": "1714521600000", "sign_method": "sha256"}
    everything = {**system, "partner_id": lazop.P_SDK_VERSION, **params}
    assert signing.sign(APP_SECRET, path, everything) == lazop.sign(APP_SECRET, path, everything)


def test_our_client_signs_what_it_sends() -> None:
    signed = signed_params(
        APP_KEY, APP_SECRET, "/orders/get", {"limit": 100}, "token-1", 1714521600.123
    )
    assert signed["timestamp"] == "1714521600123"  # milliseconds
    assert signed["sign_method"] == "sha256" and signed["access_token"] == "token-1"
    unsigned = {k: v for k, v in signed.items() if k != "sign"}
    assert signed["sign"] == lazop.sign(APP_SECRET, "/orders/get", unsigned)
    auth = signed_params(APP_KEY, APP_SECRET, "/auth/token/refresh", {}, None, 1714521600)
    assert "access_token" not in auth  # token APIs are signed without one


# --- lazop-sdk against the sandbox -----------------------------------------------------------


@pytest.fixture
def target() -> Target:
    return Target("lazada", STORE, seed=0)


@pytest.fixture
def app(app: Starlette) -> Starlette:
    app.state.control.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=10)
    return app


@pytest.fixture
def sdk(server: RunningServer) -> lazop.LazopClient:
    return lazop.LazopClient(server.url, APP_KEY, APP_SECRET)


@pytest.fixture
def access_token(sdk: lazop.LazopClient) -> str:
    """A token lazop-sdk obtained itself, with the store's first refresh token."""
    request = lazop.LazopRequest("/auth/token/refresh")
    request.add_api_param("refresh_token", CREDS["refresh_token"])
    response = sdk.execute(request)
    assert response.code == "0", response.body
    assert response.body["refresh_token"] != CREDS["refresh_token"]  # a new one to keep
    assert response.body["expires_in"] == 7 * 86400
    return response.body["access_token"]


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, dict[str, str]]]:
    """What lazop-sdk hands `requests`: (method, url, its signed parameters)."""
    captured: list[tuple[str, str, dict[str, str]]] = []
    real_get, real_post = requests.get, requests.post

    def get(url: str, params: dict[str, Any], **kwargs: Any) -> requests.Response:
        captured.append(("GET", url, {k: str(v) for k, v in params.items()}))
        return real_get(url, params, **kwargs)

    def post(url: str, data: dict[str, Any], **kwargs: Any) -> requests.Response:
        captured.append(("POST", url, {k: str(v) for k, v in data.items()}))
        return real_post(url, data, **kwargs)

    monkeypatch.setattr(lazop.requests, "get", get)
    monkeypatch.setattr(lazop.requests, "post", post)
    return captured


def test_a_get_signed_by_lazop_sdk_is_accepted(
    sdk: lazop.LazopClient, access_token: str, sent: list
) -> None:
    request = lazop.LazopRequest("/products/get", "GET")
    request.add_api_param("filter", "all")
    request.add_api_param("limit", "10")
    response = sdk.execute(request, access_token)

    assert response.code == "0", response.body
    products = response.body["data"]["products"]
    assert [sku["SellerSku"] for p in products for sku in p["skus"]] == ["KOPI"]
    (method, _, params) = sent[0]
    assert method == "GET" and params["partner_id"] == lazop.P_SDK_VERSION
    unsigned = {k: v for k, v in params.items() if k != "sign"}
    assert signing.sign(APP_SECRET, "/products/get", unsigned) == params["sign"]


def test_a_form_post_signed_by_lazop_sdk_is_accepted(
    app: Starlette, sdk: lazop.LazopClient, access_token: str
) -> None:
    control = app.state.control
    payload = (
        "<Request><Product><Skus><Sku><SellerSku>KOPI</SellerSku>"
        "<SellableQuantity>4</SellableQuantity></Sku></Skus></Product></Request>"
    )
    request = lazop.LazopRequest("/product/stock/sellable/update")  # POST, form body
    request.add_api_param("payload", payload)

    response = sdk.execute(request, access_token)

    assert response.code == "0", response.body
    assert [row.stock for row in control.listings(STORE)] == [4]


def _resend(method: str, url: str, params: dict[str, str]) -> dict[str, Any]:
    if method == "GET":
        return requests.get(url, params=params, timeout=10).json()
    return requests.post(url, data=params, timeout=10).json()


def test_the_same_request_altered_is_refused(
    sdk: lazop.LazopClient, access_token: str, sent: list
) -> None:
    request = lazop.LazopRequest("/orders/get", "GET")
    request.add_api_param("created_after", "2020-01-01T00:00:00+07:00")
    assert sdk.execute(request, access_token).code == "0"
    method, url, params = sent[-1]
    assert _resend(method, url, params)["code"] == "0"  # replayed as signed: accepted

    sign = params["sign"]
    altered = [
        {**params, "created_after": "2020-01-02T00:00:00+07:00"},
        {**params, "limit": "5"},  # a parameter added after signing
        {**params, "sign": sign[:-1] + ("0" if sign[-1] != "0" else "1")},
        {**params, "timestamp": str(int(params["timestamp"]) + 1)},
    ]
    for changed in altered:
        body = _resend(method, url, changed)
        assert body["code"] == "IncompleteSignature", body
        assert body["type"] == "ISV" and body["request_id"]
        assert body["message"] == "The request signature does not conform to lazop standards"


def test_a_wrong_secret_is_refused_for_lazop_sdk_too(
    server: RunningServer, access_token: str
) -> None:
    impostor = lazop.LazopClient(server.url, APP_KEY, "not-the-secret")
    response = impostor.execute(lazop.LazopRequest("/products/get", "GET"), access_token)
    assert response.code == "IncompleteSignature"
    assert response.type == "ISV"


# --- push signatures -------------------------------------------------------------------------

PUSH_BODY = json.dumps(
    {
        "seller_id": "1000165972",
        "message_type": 0,
        "data": {
            "order_status": "unpaid",
            "status_update_time": 1603698638,
            "trade_order_id": "260422900198363",
            "trade_order_line_id": "260422900298363",
        },
        "timestamp": 1603766859530,
        "site": "lazada_id",
    },
    separators=(",", ":"),
).encode()


def test_push_signature_is_hmac_of_app_key_and_body() -> None:
    expected = hmac.new(
        APP_SECRET.encode(), APP_KEY.encode() + PUSH_BODY, hashlib.sha256
    ).hexdigest()
    assert signing.webhook_signature(APP_KEY, APP_SECRET, PUSH_BODY) == expected
    assert push_signature(APP_KEY, APP_SECRET, PUSH_BODY) == expected  # what the sandbox sends
    assert signing.verify_webhook(APP_KEY, APP_SECRET, PUSH_BODY, expected)
    assert signing.verify_webhook(APP_KEY, APP_SECRET, PUSH_BODY, expected.upper())


@pytest.mark.parametrize(
    ("body", "header"),
    [
        (PUSH_BODY + b" ", "good"),  # body changed in transit
        (PUSH_BODY, "signed-for-another-app"),
        (PUSH_BODY, "0" * 64),
        (PUSH_BODY, ""),
        (PUSH_BODY, None),
    ],
)
def test_a_push_with_a_bad_signature_is_rejected(body: bytes, header: str | None) -> None:
    if header == "good":
        header = signing.webhook_signature(APP_KEY, APP_SECRET, PUSH_BODY)
    elif header == "signed-for-another-app":
        header = signing.webhook_signature("999999", APP_SECRET, PUSH_BODY)
    assert not signing.verify_webhook(APP_KEY, APP_SECRET, body, header)
