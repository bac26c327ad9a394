"""Tokopedia authentication: the client-credentials Basic header, the bearer header, the
token URL, and the `Authorization-Hmac` webhook signature (no published test vector for
Tokopedia, docs/MARKETPLACES.md#signature-test-vectors: the expected values are recomputed
here with `base64` and `hmac`, following the doc's Go sample)."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from lapak.connectors.tokopedia import auth

SECRET = "tokopedia-webhook-secret"
BODY = (
    b'{"fs_id":13398,"order_status":0,"order_id":582220328,"shop_id":8212734,'
    b'"warehouse_id":8402620,"product_details":[{"id":1122747271,"Name":"BAJU PALING OKE1A",'
    b'"notes":"","currency":"Rp.","weight":0.01,"total_weight":0.01,"price":3000,'
    b'"total_price":3000,"quantity":1,"sku":"LKS1290C"}]}'
)


def test_basic_authorization_is_base64_of_id_colon_secret() -> None:
    header = auth.basic_authorization("c782b33ecdd04b669772f25aff41335e", "79c8a04cf24c")
    scheme, value = header.split(" ")
    assert scheme == "Basic"
    assert base64.b64decode(value) == b"c782b33ecdd04b669772f25aff41335e:79c8a04cf24c"


def test_bearer_authorization() -> None:
    assert (
        auth.bearer_authorization("c:zowIz-u4R26JRHVFdc72PQ") == "Bearer c:zowIz-u4R26JRHVFdc72PQ"
    )


@pytest.mark.parametrize(
    ("base_url", "configured", "expected"),
    [
        ("https://fs.tokopedia.net", None, "https://accounts.tokopedia.com/token"),
        ("https://fs.tokopedia.com/", None, "https://accounts.tokopedia.com/token"),
        ("http://127.0.0.1:8123", None, "http://127.0.0.1:8123/token"),
        ("http://127.0.0.1:8123/", None, "http://127.0.0.1:8123/token"),
        ("https://fs.tokopedia.net", "https://proxy.example/token", "https://proxy.example/token"),
    ],
)
def test_the_token_url(base_url: str, configured: str | None, expected: str) -> None:
    assert auth.token_url_for(base_url, configured) == expected


def test_the_webhook_signature_is_hex_hmac_sha256_of_the_raw_body() -> None:
    expected = hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    assert auth.webhook_signature(SECRET, BODY) == expected
    assert auth.verify_webhook(SECRET, BODY, expected)
    assert auth.verify_webhook(SECRET, BODY, expected.upper())  # hex case does not matter


@pytest.mark.parametrize(
    ("body", "signature"),
    [
        (BODY + b" ", "good"),  # body changed in transit
        (BODY.replace(b'"order_status":0', b'"order_status":700'), "good"),
        (BODY, "0" * 64),
        (BODY, ""),
        (BODY, None),
    ],
)
def test_a_bad_webhook_signature_is_rejected(body: bytes, signature: str | None) -> None:
    if signature == "good":
        signature = auth.webhook_signature(SECRET, BODY)
    assert not auth.verify_webhook(SECRET, body, signature)
    assert not auth.verify_webhook("another-secret", BODY, auth.webhook_signature(SECRET, BODY))
