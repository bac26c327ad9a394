"""PyPI `tokopedia` 0.4.2 (hexatester/tokopedia) against the sandbox over real HTTP.

The client's own code builds every request: `AccessToken.create` the client-credentials
token request (Basic client_id:client_secret, grant_type=client_credentials), the product
API its GETs with the bearer header `AccessToken.create_headers` makes; its models
(cattrs-structured attrs classes) parse the sandbox's answers.

One bug of the client is bridged: it passes the query string to requests as `query=`,
a keyword requests does not have (`requests.post(..., query=query)` in access_token.py,
`session.get(url=url, query=query)` in base.py), so as published it raises TypeError
before sending anything. The shims below hand that same dict to requests as `params=`
and change nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
import requests
from lapak.connectors.tokopedia import auth, plugin
from lapak.sandboxes.registry import sandbox_for
from lapak.sandboxes.tokopedia import TokopediaSandbox
from lapak.wiring.server import RunningServer
from tokopedia import AccessToken, Tokopedia
from tokopedia import access_token as sdk_access_token
from tokopedia.product import ResponseProduct

from lapak.testing.fixtures import Target

STORE = "toko-real-client"
CREDENTIALS = sandbox_for(plugin.platform).credentials(STORE, 0)
FS_ID, SHOP_ID = CREDENTIALS["fs_id"], CREDENTIALS["shop_id"]
CLIENT_ID, CLIENT_SECRET = CREDENTIALS["client_id"], CREDENTIALS["client_secret"]


class QuerySession(requests.Session):
    """requests.Session taking the client's `query=` as `params=` (see the module doc)."""

    def request(self, method: str, url: str, query: Any = None, **kwargs: Any) -> Any:  # type: ignore[override]
        params = kwargs.pop("params", None) or query
        return super().request(method, url, params=params, **kwargs)


class TokenRequests:
    """Stands in for `requests` inside tokopedia.access_token: records what was sent."""

    def __init__(self) -> None:
        self.sent: list[requests.Response] = []

    def post(self, url: str, data: Any = None, json: Any = None, query: Any = None, **kw: Any):
        response = requests.post(url, data=data, json=json, params=query, timeout=10, **kw)
        self.sent.append(response)
        return response


@pytest.fixture
def target() -> Target:
    return Target("tokopedia", STORE, seed=3)


@pytest.fixture
def wire() -> Iterator[TokenRequests]:
    recorder = TokenRequests()
    with mock.patch.object(sdk_access_token, "requests", recorder):
        yield recorder


def _token(server: RunningServer, secret: str = CLIENT_SECRET) -> AccessToken:
    return AccessToken.create(CLIENT_ID, secret, url=f"{server.url}/token")


def _client(server: RunningServer, token: AccessToken) -> Tokopedia:
    session = QuerySession()
    session.headers.update(token.create_headers())
    return Tokopedia(
        CLIENT_ID, CLIENT_SECRET, access_token=token, session=session, base_url=f"{server.url}/"
    )


def test_the_clients_token_request_is_accepted(server: RunningServer, wire: TokenRequests) -> None:
    token = _token(server)

    (response,) = wire.sent
    assert response.status_code == 200
    assert response.request.method == "POST"
    assert response.request.url == f"{server.url}/token?grant_type=client_credentials"
    assert token.token_type == "Bearer" and token.access_token
    assert token.expires_in == 14 * 86400
    assert _token(server).access_token == token.access_token  # same token while it is valid


def test_the_same_request_with_a_changed_secret_is_refused(
    server: RunningServer, wire: TokenRequests
) -> None:
    with pytest.raises(TypeError):  # the client builds AccessToken(**error body) blindly
        _token(server, CLIENT_SECRET[:-1] + ("0" if CLIENT_SECRET[-1] != "0" else "1"))

    (response,) = wire.sent
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_our_headers_equal_the_clients(server: RunningServer, wire: TokenRequests) -> None:
    token = _token(server)

    (response,) = wire.sent
    assert response.request.headers["Authorization"] == auth.basic_authorization(
        CLIENT_ID, CLIENT_SECRET
    )
    assert token.create_headers()["Authorization"] == auth.bearer_authorization(
        token.access_token, token.token_type
    )


def test_the_clients_product_calls_are_accepted_and_parsed(
    app: Any, server: RunningServer, wire: TokenRequests
) -> None:
    sandbox: TokopediaSandbox = app.state.sandbox
    kopi = sandbox.add_listing(SHOP_ID, sku="KOPI", name="Kopi", price=30000, stock=5)
    sandbox.add_listing(SHOP_ID, sku="TEH", name="Teh", price=15000, stock=2)
    client = _client(server, _token(server))

    one = client.product.get_product_by_id(FS_ID, kopi)
    page = client.product.get_product_from_related_shop_id(FS_ID, SHOP_ID, 1, 50, 1)

    assert isinstance(one, ResponseProduct) and one.data is not None
    assert one.header is not None and one.header.messages.startswith("Your request has been")
    (product,) = one.data
    assert (product.basic.productID, product.other.sku, product.stock.value) == (kopi, "KOPI", 5)
    assert product.price.value == 30000
    assert page.data is not None
    assert sorted(p.other.sku for p in page.data) == ["KOPI", "TEH"]


def test_the_clients_call_with_a_changed_token_is_refused(
    app: Any, server: RunningServer, wire: TokenRequests
) -> None:
    token = _token(server)
    forged = AccessToken(token.access_token[:-1] + "x", token.expires_in, token.token_type)
    session = QuerySession()
    session.headers.update(forged.create_headers())
    url = f"{server.url}/inventory/v1/fs/{FS_ID}/product/info"

    refused = session.request("GET", url, query={"product_id": 1}, timeout=10)
    accepted = _client(server, token).session.request(
        "GET", url, query={"product_id": 1}, timeout=10
    )

    assert refused.status_code == 401
    assert refused.json()["header"]["messages"] == "Unauthorized"
    assert accepted.status_code == 200
