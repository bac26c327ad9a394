"""The PyPI client `WooCommerce` 3.0.0 (`woocommerce.API`) against the sandbox over real HTTP.

Over plain http the client signs every request with OAuth 1.0a (woocommerce/oauth.py):
its requests are accepted; the same request with a parameter changed, replayed, or signed
too long ago is refused with WooCommerce's own error body.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import requests
from lapak.connectors.woocommerce import plugin, signing
from lapak.sandboxes.registry import sandbox_for
from lapak.wiring.server import RunningServer
from starlette.applications import Starlette
from woocommerce import API
from woocommerce.oauth import OAuth

from lapak.testing.fixtures import Target

STORE = "toko-klien"
CREDENTIALS = sandbox_for(plugin.platform).credentials(STORE, 0)
KEY, SECRET = CREDENTIALS["consumer_key"], CREDENTIALS["consumer_secret"]


@pytest.fixture
def target() -> Target:
    return Target("woocommerce", STORE, seed=3)


@pytest.fixture
def wcapi(server: RunningServer) -> API:
    return API(
        url=server.url, consumer_key=KEY, consumer_secret=SECRET, version="wc/v3", timeout=10
    )


def _refusal(response: requests.Response) -> tuple[int, str, str]:
    body = response.json()
    assert body["data"]["status"] == response.status_code
    return response.status_code, body["code"], body["message"]


def test_the_clients_signed_requests_are_accepted(wcapi: API, app: Starlette) -> None:
    control = app.state.control
    kopi = control.add_listing(STORE, sku="KOPI", name="Kopi Gayo", price=30000, stock=8)

    listed = wcapi.get("products", params={"per_page": 10, "orderby": "id", "order": "asc"})
    assert listed.status_code == 200, listed.text
    assert [p["sku"] for p in listed.json()] == ["KOPI"]
    assert listed.headers["X-WP-TotalPages"] == "1"

    updated = wcapi.put(f"products/{kopi}", {"regular_price": "32000", "stock_quantity": 5})
    assert updated.status_code == 200, updated.text
    assert updated.json()["regular_price"] == "32000"
    assert {(row.sku, row.price, row.stock) for row in control.listings(STORE)} == {
        ("KOPI", Decimal(32000), 5)
    }

    batch = wcapi.post("products/batch", {"update": [{"id": int(kopi), "stock_quantity": 2}]})
    assert batch.status_code == 200, batch.text
    assert batch.json()["update"][0]["stock_quantity"] == 2

    order = control.place_order(STORE, [("KOPI", 1)])
    fetched = wcapi.get(f"orders/{order}")
    assert fetched.status_code == 200
    assert fetched.json()["status"] == "processing"
    assert fetched.json()["line_items"][0]["sku"] == "KOPI"


def _signed_url(server: RunningServer, path: str, params: dict[str, Any], **oauth: Any) -> str:
    """A URL signed by the client's own OAuth class (what `API.get` sends, minus its
    duplicated query parameters)."""
    url = f"{server.url}/wp-json/wc/v3/{path}?{urlencode(params)}"
    return OAuth(url, KEY, SECRET, version="wc/v3", method="GET", **oauth).get_oauth_url()


def _with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def test_a_changed_parameter_is_refused(server: RunningServer) -> None:
    url = _signed_url(server, "products", {"per_page": 10})
    assert requests.get(url, timeout=10).status_code == 200
    for altered in (
        _signed_url(server, "products", {"per_page": 10}).replace("per_page=10", "per_page=11"),
        _with_query(_signed_url(server, "products", {"per_page": 10}), page="2"),
        _with_query(_signed_url(server, "products", {}), oauth_consumer_key=KEY + "0"),
    ):
        status, code, message = _refusal(requests.get(altered, timeout=10))
        assert status == 401
        assert code == "woocommerce_rest_authentication_error"
        assert message in (
            "Invalid signature - provided signature does not match.",
            "Consumer key is invalid.",
        )
    tampered = _signed_url(server, "orders", {"status": "any"})
    signature = dict(parse_qsl(urlsplit(tampered).query))["oauth_signature"]
    flipped = ("B" if signature[0] == "A" else "A") + signature[1:]
    status, code, message = _refusal(
        requests.get(_with_query(tampered, oauth_signature=flipped), timeout=10)
    )
    assert (status, message) == (401, "Invalid signature - provided signature does not match.")


def test_a_replayed_request_is_refused(server: RunningServer) -> None:
    url = _signed_url(server, "products", {"per_page": 5})
    assert requests.get(url, timeout=10).status_code == 200
    status, code, message = _refusal(requests.get(url, timeout=10))
    assert (status, code) == (401, "woocommerce_rest_authentication_error")
    assert message == "Invalid nonce - nonce has already been used."


def test_a_request_signed_too_long_ago_is_refused(server: RunningServer, app: Starlette) -> None:
    stale = int(app.state.control.now()) - 16 * 60
    status, _, message = _refusal(
        requests.get(_signed_url(server, "products", {}, oauth_timestamp=stale), timeout=10)
    )
    assert (status, message) == (401, "Invalid timestamp.")
    fresh = int(app.state.control.now()) - 14 * 60
    assert requests.get(_signed_url(server, "products", {}, oauth_timestamp=fresh), timeout=10).ok


def test_the_clients_signature_is_ours_for_the_same_request(
    server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    nonce = "d41d8cd98f00b204e9800998ecf8427e"
    monkeypatch.setattr(OAuth, "generate_nonce", staticmethod(lambda: nonce))
    timestamp = 1716000000
    endpoint = f"{server.url}/wp-json/wc/v3/orders"
    params = {"include": "101,102", "per_page": "100", "status": "any"}
    theirs = OAuth(
        f"{endpoint}?{urlencode(params)}", KEY, SECRET, version="wc/v3", oauth_timestamp=timestamp
    ).get_oauth_url()
    ours = signing.signed_params(
        KEY, SECRET, "GET", endpoint, params, timestamp=timestamp, nonce=nonce
    )
    assert dict(parse_qsl(urlsplit(theirs).query)) == ours


def test_unauthenticated_and_unknown_routes(server: RunningServer) -> None:
    base = f"{server.url}/wp-json/wc/v3"
    status, code, message = _refusal(requests.get(f"{base}/products", timeout=10))
    assert (status, code, message) == (
        401,
        "woocommerce_rest_cannot_view",
        "Sorry, you cannot list resources.",
    )
    status, code, _ = _refusal(requests.get(_signed_url(server, "nothing-here", {}), timeout=10))
    assert (status, code) == (404, "rest_no_route")
