"""Shopify signatures: the published vectors (docs/MARKETPLACES.md#signature-test-vectors) and
ShopifyAPI agreeing with us on the OAuth callback hmac for the same inputs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import shopify
from lapak.connectors.shopify import signing

# ShopifyAPI's test/session_test.py, recomputed with Python hmac
# (docs/MARKETPLACES.md#shopify-auth-and-signing).
HUSH_PARAMS = {
    "shop": "some-shop.myshopify.com",
    "code": "a94a110d86d2452eb3e2af4cfb8a3828",
    "timestamp": "1337178173",
}
HUSH_MESSAGE = (
    "code=a94a110d86d2452eb3e2af4cfb8a3828&shop=some-shop.myshopify.com&timestamp=1337178173"
)
HUSH_HMAC = "2cb1a277650a659f1b11e92a4a64275b128e037f2c3390e3c8fd2d8721dac9e2"
LIST_PARAMS: dict[str, Any] = {"shop": "some-shop.myshopify.com", "ids[]": [2, 1]}
LIST_HMAC = "b93b9f82996f6f8bf9f1b7bbddec284c8fabacdc4e12dc80550b4705f3003b1e"
# Webhook vector (third-party test, recomputed with Python hmac;
# docs/MARKETPLACES.md#shopify-webhooks).
WEBHOOK_SECRET = "test-webhook-secret"
WEBHOOK_BODY = b'{"id":1234567890,"email":"customer@example.com","total_price":"123.45"}'
WEBHOOK_HMAC = "QNyObTlKbMx2qDlPF/ZOZcBqg5OgPg+2oky3zldc0Gw="


@pytest.fixture
def sdk_secret() -> Iterator[Any]:
    """ShopifyAPI keeps the app secret on the Session class: set it, then put it back."""

    def use(secret: str) -> None:
        shopify.Session.setup(secret=secret)

    original = shopify.Session.secret
    yield use
    shopify.Session.setup(secret=original)


def test_the_oauth_vectors() -> None:
    assert signing.oauth_message(HUSH_PARAMS) == HUSH_MESSAGE
    assert signing.oauth_hmac("hush", HUSH_PARAMS) == HUSH_HMAC
    assert signing.oauth_hmac("hush", {**HUSH_PARAMS, "hmac": "ignored"}) == HUSH_HMAC
    assert signing.oauth_message(LIST_PARAMS) == 'ids=["2", "1"]&shop=some-shop.myshopify.com'
    assert signing.oauth_hmac("hush", LIST_PARAMS) == LIST_HMAC
    escaped = {"a": "1&b=2", "c=3&d": "4"}
    assert signing.oauth_message(escaped) == "a=1%26b=2&c%3D3%26d=4"


@pytest.mark.parametrize(
    "params",
    [
        HUSH_PARAMS,
        LIST_PARAMS,
        {"a": "1&b=2", "c=3&d": "4"},
        {"shop": "toko.myshopify.com", "code": "x%y", "state": "n=1&m", "timestamp": "17"},
        {"host": "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvdG9rbw", "hmac": "abc", "ids[]": ["b", "a"]},
    ],
)
def test_shopify_api_calculates_the_same_oauth_hmac(
    params: dict[str, Any], sdk_secret: Any
) -> None:
    for secret in ("hush", "shpss_0123456789abcdef"):
        sdk_secret(secret)
        assert shopify.Session.calculate_hmac(params) == signing.oauth_hmac(secret, params)


def test_an_oauth_callback_is_verified_like_shopify_api_does(sdk_secret: Any) -> None:
    secret = "shpss_callback"
    sdk_secret(secret)
    now = time.time()
    params = {
        "shop": "toko.myshopify.com",
        "code": "c0de",
        "state": "s",
        "timestamp": str(int(now)),
    }
    params["hmac"] = signing.oauth_hmac(secret, params)

    assert signing.verify_oauth_callback(secret, params, now)
    assert shopify.Session.validate_params(params)

    tampered = {**params, "shop": "other.myshopify.com"}
    assert not signing.verify_oauth_callback(secret, tampered, now)
    assert not shopify.Session.validate_params(tampered)

    old = {**params, "timestamp": str(int(now) - 24 * 3600 - 5)}
    old["hmac"] = signing.oauth_hmac(secret, old)
    assert not signing.verify_oauth_callback(secret, old, now)
    assert not shopify.Session.validate_params(old)
    assert not signing.verify_oauth_callback(
        secret, {k: v for k, v in params.items() if k != "hmac"}, now
    )


def test_the_webhook_vector() -> None:
    assert signing.webhook_hmac(WEBHOOK_SECRET, WEBHOOK_BODY) == WEBHOOK_HMAC
    assert signing.verify_webhook(WEBHOOK_SECRET, WEBHOOK_BODY, WEBHOOK_HMAC)


@pytest.mark.parametrize(
    ("body", "header"),
    [
        (WEBHOOK_BODY + b" ", WEBHOOK_HMAC),  # body changed in transit
        (WEBHOOK_BODY.replace(b"123.45", b"0.45"), WEBHOOK_HMAC),
        (WEBHOOK_BODY, "A" * 44),
        (WEBHOOK_BODY, ""),
        (WEBHOOK_BODY, None),
    ],
)
def test_a_webhook_with_a_bad_signature_is_rejected(body: bytes, header: str | None) -> None:
    assert not signing.verify_webhook(WEBHOOK_SECRET, body, header)
    assert not signing.verify_webhook("another-secret", WEBHOOK_BODY, WEBHOOK_HMAC)
