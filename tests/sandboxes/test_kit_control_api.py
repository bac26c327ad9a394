"""The kit's store endpoints of the control API, over a StoreSurface (Shopee's sandbox),
and how its `guarded` answers errors."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from lapak.sandboxes.kit.control_api import (
    guarded,
    placeholder_image,
    route,
    store_expire_token,
    store_list,
    store_routes,
    store_stock,
    uploaded_image,
)
from lapak.sandboxes.kit.images import PLACEHOLDER_SIZE, placeholder_png
from lapak.sandboxes.shopee.sandbox import ShopeeControl, ShopeeSandbox
from lapak.wiring.server import serve
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.testclient import TestClient

SHOP = {"name": "toko", "partner_id": 1, "partner_key": "k", "shop_id": 5}
STORE = "/_sandbox/stores/{store}"


@pytest.fixture
def sandbox() -> Iterator[ShopeeSandbox]:
    sandbox = ShopeeSandbox([SHOP])
    yield sandbox
    sandbox.close()


@pytest.fixture
def control(sandbox: ShopeeSandbox) -> ShopeeControl:
    return ShopeeControl(sandbox)


@pytest.fixture
def client(sandbox: ShopeeSandbox, control: ShopeeControl) -> Iterator[httpx.Client]:
    app = Starlette(
        routes=[
            route("/_sandbox/stores", store_list, ["GET"]),
            *store_routes(STORE),
            route(f"{STORE}/stock", store_stock, ["POST"]),
            route(f"{STORE}/listings/{{sku}}/stock", store_stock, ["POST"]),
            route(f"{STORE}/expire_token", store_expire_token, ["POST"]),
        ]
    )
    app.state.sandbox, app.state.control = sandbox, control
    with serve(app) as server, httpx.Client(base_url=server.url, timeout=5) as http:
        yield http


def test_stores_are_listed_with_what_they_hold(
    client: httpx.Client, control: ShopeeControl
) -> None:
    control.add_listing("toko", sku="TEH", name="Teh", price=5000, stock=3)
    control.set_webhook_url("toko", "http://x/hook")
    assert client.get("/_sandbox/stores").json() == [
        {
            "name": "toko",
            "partner_id": 1,
            "shop_id": 5,
            "webhook_url": "http://x/hook",
            "products": 1,
            "orders": 0,
        }
    ]


def test_listings_are_rows_per_sku(client: httpx.Client, control: ShopeeControl) -> None:
    control.add_listing("toko", sku="TEH", name="Teh", price=5000, stock=3)
    control.add_listing("toko", sku="KAOS", name="Kaos", price=1, variants=[("KAOS-M", "M", 9, 2)])
    rows = client.get("/_sandbox/stores/toko/listings").json()
    assert [(r["sku"], r["price"], r["stock"], bool(r["variant_id"])) for r in rows] == [
        ("TEH", "5000", 3, False),
        ("KAOS-M", "9", 2, True),
    ]
    assert client.get("/_sandbox/stores/nope/listings").status_code == 404


def test_order_actions_move_the_order_and_its_stock(
    client: httpx.Client, control: ShopeeControl
) -> None:
    control.add_listing("toko", sku="TEH", name="Teh", price=5000, stock=3)
    order_id = control.place_order("toko", [("TEH", 2)], paid=False)
    url = f"/_sandbox/stores/toko/orders/{order_id}"
    assert client.get(url).json() == {
        "external_id": order_id,
        "status": "UNPAID",
        "tracking_number": None,
        "lines": [["TEH", 2]],
    }
    assert client.post(f"{url}/pay").json()["status"] == "READY_TO_SHIP"
    assert client.post(f"{url}/return").status_code == 400  # not shipped
    assert client.post(f"{url}/cancel").json()["status"] == "CANCELLED"
    assert control.listings("toko")[0].stock == 3
    assert client.post(f"{url}/explode").status_code == 400
    assert client.get("/_sandbox/stores/toko/orders/NOPE").status_code == 404


def test_listings_and_orders_are_made_over_http(client: httpx.Client) -> None:
    url = "/_sandbox/stores/toko"
    listing = {"sku": "KOPI", "name": "Kopi", "price": 20000, "stock": 5}
    made = client.post(f"{url}/listings", json=listing)
    assert made.status_code == 201 and made.json()["item_id"]
    assert client.post(f"{url}/listings", json={"sku": "X"}).status_code == 400
    order = client.post(f"{url}/orders", json={"lines": [{"sku": "KOPI", "quantity": 5}]})
    assert order.status_code == 201
    assert client.get(f"{url}/orders/{order.json()['order_id']}").json()["lines"] == [["KOPI", 5]]
    short = client.post(f"{url}/orders", json={"lines": [{"sku": "KOPI", "quantity": 1}]})
    assert short.status_code == 409
    unknown = client.post(f"{url}/orders", json={"lines": [{"sku": "TEH", "quantity": 1}]})
    assert unknown.status_code == 404


def test_expire_token_kills_the_stores_access_tokens(
    client: httpx.Client, sandbox: ShopeeSandbox
) -> None:
    issued = sandbox.tokens.issue(5)
    assert client.post("/_sandbox/stores/toko/expire_token").json() == {"expired": True}
    assert sandbox.tokens.access_owner(issued.access_token) is None


def test_webhook_url_is_set_and_cleared(client: httpx.Client, sandbox: ShopeeSandbox) -> None:
    url = "/_sandbox/stores/toko/webhook"
    assert client.post(url, json={"url": "http://x/hook"}).json() == {"url": "http://x/hook"}
    assert sandbox.store(5).push_url == "http://x/hook"
    client.post(url, json={})
    assert sandbox.store(5).push_url is None


def test_stock_is_set_by_the_bodys_or_the_paths_sku(
    client: httpx.Client, control: ShopeeControl
) -> None:
    control.add_listing("toko", sku="TEH", name="Teh", price=5000, stock=3)
    url = "/_sandbox/stores/toko"
    edit = client.post(f"{url}/stock", json={"sku": "TEH", "stock": 7})
    assert edit.json() == {"sku": "TEH", "stock": 7}
    assert client.post(f"{url}/listings/TEH/stock", json={"stock": 2}).json()["stock"] == 2
    assert control.listings("toko")[0].stock == 2
    assert client.post(f"{url}/stock", json={"stock": 1}).status_code == 400  # no sku
    assert client.post(f"{url}/stock", json={"sku": "TEH", "stock": -1}).status_code == 400
    assert client.post(f"{url}/stock", json={"sku": "KOPI", "stock": 1}).status_code == 404


@pytest.mark.parametrize(
    ("error", "detail"),
    [
        (KeyError("TEH"), "TEH"),
        (LookupError("no order '102' on store 's'"), "no order '102' on store 's'"),
    ],
)
def test_a_lookup_error_answers_404_with_its_whole_message(error: LookupError, detail: str) -> None:
    async def endpoint(request: Request) -> Response:
        raise error

    answer = asyncio.run(guarded(endpoint)(Request({"type": "http", "method": "GET"})))
    assert answer.status_code == 404
    assert answer.body == f'{{"detail":"{detail}"}}'.encode()


def test_placeholder_and_uploaded_images(sandbox: ShopeeSandbox) -> None:
    sandbox.images["up-1"] = b"RIFF\0\0\0\0WEBPdata"
    app = Starlette(
        routes=[
            route("/_sandbox/images/{name}.png", placeholder_image, ["GET"]),
            route("/_sandbox/uploads/{image_id}", uploaded_image("image_id"), ["GET"]),
            route(
                "/_sandbox/typed/{image_id}", uploaded_image("image_id", lambda _: "webp"), ["GET"]
            ),
        ]
    )
    app.state.sandbox = sandbox
    with TestClient(app) as client:
        placeholder = client.get("/_sandbox/images/KOPI-1.png")
        assert placeholder.headers["content-type"] == "image/png"
        assert placeholder.content == placeholder_png("KOPI-1", PLACEHOLDER_SIZE)
        upload = client.get("/_sandbox/uploads/up-1")
        assert upload.content == sandbox.images["up-1"]
        assert upload.headers["content-type"] == "image/png"  # the kit knows PNG and JPEG
        assert client.get("/_sandbox/typed/up-1").headers["content-type"] == "image/webp"
        missing = client.get("/_sandbox/uploads/nope")
        assert (missing.status_code, missing.json()) == (404, {"detail": "no such image"})
