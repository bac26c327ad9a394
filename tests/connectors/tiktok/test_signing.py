"""TikTok Shop signatures: the partner guide's test vector and body example, the webhook
signature, our connector's sign equal to a hand-made one, and hand-signed requests accepted
by the sandbox — and refused once a parameter, the body or the clock is off.

No PyPI client of TikTok Shop is trusted enough to cross-check (the unofficial ones are
unverified), so the guide's own worked example stands in for one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qsl

import httpx
import pytest
from lapak.connectors.http import RetryPolicy
from lapak.connectors.tiktok import TikTokConnector, TikTokCredentials, signing
from lapak.sync.protocol import StoreSpec

from tests.connectors.doubles import CountingPacer, MemoryVault
from tests.connectors.tiktok.sandbox_client import (
    APP_KEY,
    APP_SECRET,
    CIPHER,
    TikTok,
    TikTokSandbox,
    hand_sign,
    running,
)

# sign-your-api-request.md, step by step, recomputed with Python hmac
# (docs/MARKETPLACES.md#signature-test-vectors).
DOC_SECRET = "e59af819cc"
DOC_PATH = "/authorization/202309/shops"
DOC_QUERY = {"app_key": "29a39d", "timestamp": 1623812664}
DOC_WRAPPED = "e59af819cc/authorization/202309/shopsapp_key29a39dtimestamp1623812664e59af819cc"
DOC_SIGN = "b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8"


def test_the_guides_test_vector() -> None:
    base = signing.base_string(DOC_PATH, DOC_QUERY)
    assert DOC_SECRET + base + DOC_SECRET == DOC_WRAPPED
    assert signing.sign_base(DOC_SECRET, base) == DOC_SIGN
    assert signing.sign(DOC_SECRET, DOC_PATH, DOC_QUERY) == DOC_SIGN
    # sign and access_token never take part; other parameters are sorted by key
    with_extras = {"timestamp": 1623812664, "sign": "x", "access_token": "t", "app_key": "29a39d"}
    assert signing.sign(DOC_SECRET, DOC_PATH, with_extras) == DOC_SIGN


def test_the_guides_body_example() -> None:
    body = '{    "address":"https://partner.tiktokshop.com",    "event_type": "PACKAGE_UPDATE"}'
    query = {"app_key": "68xu9ks5p4i8", "shop_cipher": CIPHER, "timestamp": 1696909648}
    assert signing.base_string("/event/202309/webhooks", query, body) == (
        "/event/202309/webhooksapp_key68xu9ks5p4i8shop_cipherROW_xkMbgAAAeVAQra0eZWebFQq5aIKt"
        "timestamp1696909648"
        '{    "address":"https://partner.tiktokshop.com",    "event_type": "PACKAGE_UPDATE"}'
    )


def test_the_webhook_signature() -> None:
    body = b'{"type":1,"tts_notification_id":"7327112393057371910"}'
    expected = hmac.new(b"secret", b"key" + body, hashlib.sha256).hexdigest()
    assert signing.webhook_signature("secret", "key", body) == expected
    assert signing.verify_webhook("secret", "key", body, expected.upper())
    assert not signing.verify_webhook("secret", "key", body + b" ", expected)
    assert not signing.verify_webhook("secret", "other", body, expected)
    assert not signing.verify_webhook("secret", "key", body, None)


def test_our_connector_signs_like_the_hand_made_signer() -> None:
    """Requests the connector sends (captured) carry the sign a hand computation gives for
    exactly what they carry: query, path and the raw body."""
    captured: list[httpx.Request] = []

    def tiktok(request: httpx.Request) -> httpx.Response:
        captured.append(request)
        if request.url.path == "/api/v2/token/refresh":
            data = {
                "access_token": "TTP_a",
                "access_token_expire_in": 4102444800,
                "refresh_token": "TTP_r",
                "refresh_token_expire_in": 4102444800,
            }
        elif request.url.path.endswith("/orders/search"):
            data = {"orders": [], "next_page_token": "", "total_count": 0}
        else:
            data = {"orders": []}
        return httpx.Response(200, json={"code": 0, "message": "Success", "data": data})

    credentials = TikTokCredentials.model_validate(
        {
            "app_key": APP_KEY,
            "app_secret": APP_SECRET,
            "shop_cipher": CIPHER,
            "refresh_token": "TTP_first",
        }
    )
    connector = TikTokConnector(
        StoreSpec("toko", "tiktok", "http://tiktok.test"),
        credentials,
        pacer=CountingPacer(),
        tokens=MemoryVault(lambda: 1_700_000_000),
        transport=httpx.MockTransport(tiktok),
        retry_policy=RetryPolicy(attempts=1),
        clock=lambda: 1_700_000_000,
    )
    try:
        connector.get_orders(["576461413038785752", "576461413038785753"])
        list(
            connector.list_order_ids(
                datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 2, tzinfo=UTC)
            )
        )
    finally:
        connector.close()

    signed = [r for r in captured if r.url.path != "/api/v2/token/refresh"]
    assert len(signed) == 2
    for request in signed:
        query = dict(parse_qsl(request.url.query.decode(), keep_blank_values=True))
        body = request.content.decode()
        assert query["sign"] == hand_sign(request.url.path, query, body)
        assert query["timestamp"] == "1700000000" and query["shop_cipher"] == CIPHER
        assert request.headers["x-tts-access-token"] == "TTP_a"
        assert "access_token" not in query
    detail, search = signed
    assert dict(parse_qsl(detail.url.query.decode()))["ids"] == (
        "576461413038785752,576461413038785753"
    )
    assert json.loads(search.content) == {
        "update_time_ge": 1704067200,
        "update_time_lt": 1704153601,
    }


# --- hand-signed requests against the sandbox -----------------------------------------------


@pytest.fixture
def tiktok() -> Iterator[tuple[TikTok, TikTokSandbox]]:
    with running() as pair:
        yield pair


SEARCH = "/order/202309/orders/search"


def test_a_hand_signed_request_is_accepted(tiktok: tuple[TikTok, TikTokSandbox]) -> None:
    client, _ = tiktok
    reply = client.call("POST", SEARCH, {"order_status": "UNPAID"}, page_size=10)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["code"] == 0 and body["message"] == "Success" and len(body["request_id"]) == 34
    assert body["data"] == {"total_count": 0, "orders": [], "next_page_token": ""}
    shops = client.call("GET", "/authorization/202309/shops", shop=False).json()
    assert shops["data"]["shops"][0]["cipher"] == CIPHER


@pytest.mark.parametrize(
    "tamper",
    ["param", "extra_param", "body", "sign", "secret"],
)
def test_a_tampered_request_is_refused(tiktok: tuple[TikTok, TikTokSandbox], tamper: str) -> None:
    client, _ = tiktok
    body = {"order_status": "UNPAID"}
    raw = json.dumps(body)
    query = client.query(SEARCH, body=raw, page_size=10)
    if tamper == "param":
        query["page_size"] = 11  # signed for 10
    elif tamper == "extra_param":
        query["sort_order"] = "ASC"  # not in the signed string
    elif tamper == "sign":
        query["sign"] = "0" * 64
    elif tamper == "secret":
        query["sign"] = signing.sign("another-secret", SEARCH, query, raw)
    sent = {"order_status": "CANCELLED"} if tamper == "body" else body
    reply = client.call("POST", SEARCH, sent, query=query)
    assert (reply.status_code, reply.json()["code"]) == (401, 106001)
    assert reply.json()["message"] == "Invalid credentials. The `sign` query parameter is invalid."


def test_the_timestamp_window(tiktok: tuple[TikTok, TikTokSandbox]) -> None:
    client, sandbox = tiktok
    now = sandbox.clock.now_s()
    for ts, ok in ((now - 290, True), (now - 320, False), (now + 25, True), (now + 40, False)):
        reply = client.call(
            "POST", SEARCH, {}, query=client.query(SEARCH, ts=ts, body="{}", page_size=5)
        )
        assert (reply.json()["code"] == 0) is ok, (ts - now, reply.text)
        if not ok:
            assert reply.json()["code"] == 36009004
            assert "Invalid timestamp" in reply.json()["message"]


def test_shop_cipher_must_be_there_exactly_when_the_api_wants_it(
    tiktok: tuple[TikTok, TikTokSandbox],
) -> None:
    client, _ = tiktok
    missing = client.call("GET", "/logistics/202309/warehouses", shop=False).json()
    assert missing["code"] == 106013
    unexpected = client.call("GET", "/authorization/202309/shops", shop=True).json()
    assert unexpected["code"] == 36009004 and "Unexpected identifier" in unexpected["message"]
    other = client.call(
        "GET",
        "/logistics/202309/warehouses",
        query=_with_cipher(client, "ROW_otherShopCipherAAAAAAAAAAAA"),
    ).json()
    assert other["code"] == 101000  # the token belongs to the other shop


def _with_cipher(client: TikTok, cipher: str) -> dict:
    query = {"app_key": APP_KEY, "timestamp": client.sandbox.clock.now_s(), "shop_cipher": cipher}
    query["sign"] = hand_sign("/logistics/202309/warehouses", query)
    return query


def test_missing_credentials(tiktok: tuple[TikTok, TikTokSandbox]) -> None:
    client, _ = tiktok
    query = client.query(SEARCH, body="{}", page_size=5)
    unsigned = {k: v for k, v in query.items() if k != "sign"}
    assert client.call("POST", SEARCH, {}, query=unsigned).json()["code"] == 36009004
    client.token = "TTP_not-a-token"
    reply = client.call("POST", SEARCH, {}, page_size=5).json()
    assert reply["code"] == 36009004 and "x-tts-access-token" in reply["message"]
