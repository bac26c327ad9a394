"""The TikTok Shop sandbox on the wire, driven by the hand-written client: tokens, limits,
paging, listing rules, error bodies, shipping, pushes and the control API."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import struct
import zlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from lapak.sandboxes.tiktok import TikTokSandbox
from lapak.sandboxes.tiktok.sandbox import TikTokControl
from lapak.wiring.server import serve
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.connectors.tiktok.sandbox_client import (
    APP_KEY,
    APP_SECRET,
    CIPHER,
    REFRESH,
    TikTok,
    running,
    stock_of,
)

STORE = "toko-a"
UPLOAD = "/product/202309/images/upload"
CREATE = "/product/202309/products"
SEARCH_PRODUCTS = "/product/202309/products/search"
SEARCH_ORDERS = "/order/202309/orders/search"
DETAIL = "/order/202309/orders"


@pytest.fixture
def tiktok() -> Iterator[tuple[TikTok, TikTokSandbox]]:
    with running() as pair:
        yield pair


def png(width: int, height: int) -> bytes:
    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\x80\x40\x20" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def upload(client: TikTok, image: bytes) -> dict[str, Any]:
    query = client.query(UPLOAD, shop=False)  # multipart: the body is not signed
    files = {"data": ("a.png", image, "image/png")}
    reply = client.http.post(
        UPLOAD,
        params=query,
        files=files,
        data={"use_case": "MAIN_IMAGE"},
        headers={"x-tts-access-token": client.token},
    )
    return reply.json()


def create_body(uri: str, title: str = "Kemeja Batik Parang lengan panjang", **extra: Any) -> dict:
    warehouse = extra.pop("warehouse", None)
    body = {
        "title": title,
        "description": "<p>Batik tulis</p>",
        "category_id": "601226",
        "main_images": [{"uri": uri}],
        "package_weight": {"value": "0.3", "unit": "KILOGRAM"},
        "skus": [
            {
                "seller_sku": f"BTK-{size}",
                "price": {"amount": "185000", "currency": "IDR"},
                "inventory": [{"warehouse_id": warehouse, "quantity": 5}]
                if warehouse
                else [{"quantity": 5}],
                "sales_attributes": [{"name": "Ukuran", "value_name": size}],
            }
            for size in ("M", "L")
        ],
    }
    body.update(extra)
    return body


def _data(reply: httpx.Response) -> Any:
    payload = reply.json()
    assert payload["code"] == 0, payload
    return payload["data"]


# --- tokens ----------------------------------------------------------------------------------


def test_token_expiry_and_refresh(tiktok: tuple[TikTok, TikTokSandbox]) -> None:
    client, sandbox = tiktok
    reply = client.login()
    data = reply["data"]
    now = sandbox.clock.now()
    assert data["access_token"].startswith("TTP_") and data["refresh_token"] == REFRESH
    assert now + 7 * 86400 - 5 <= data["access_token_expire_in"] <= now + 7 * 86400 + 5
    assert data["refresh_token_expire_in"] > now + 300 * 86400  # absolute, the authorization's
    assert _data(client.call("GET", "/logistics/202309/warehouses"))["warehouses"]

    sandbox.expire_token(STORE)
    expired = client.call("GET", "/logistics/202309/warehouses")
    assert (expired.status_code, expired.json()["code"]) == (401, 105002)
    assert client.login()["code"] == 0  # the same refresh token again: no rotation
    assert _data(client.call("GET", "/logistics/202309/warehouses"))

    refused = client.login("TTP_unknown")
    assert (refused["code"], refused["message"]) == (36004005, "can not find related auth record")
    sandbox.clock.advance(366 * 86400)
    assert client.login()["code"] == 36004001  # the authorization ran out


def test_an_auth_code_is_exchanged_once(tiktok: tuple[TikTok, TikTokSandbox]) -> None:
    client, sandbox = tiktok
    code = sandbox.issue_auth_code(STORE)
    query = {
        "app_key": APP_KEY,
        "app_secret": APP_SECRET,
        "auth_code": code,
        "grant_type": "authorized_code",
    }
    first = client.http.get("/api/v2/token/get", params=query).json()
    assert first["code"] == 0 and first["data"]["refresh_token"] != REFRESH
    assert client.http.get("/api/v2/token/get", params=query).json()["code"] == 36004005
    wrong = {**query, "app_secret": "nope"}
    assert client.http.get("/api/v2/token/get", params=wrong).json()["code"] == 36009004


# --- limits, faults, paging ---------------------------------------------------------------------


def test_the_throttle_and_the_5xx_look_like_tiktoks(tiktok: tuple[TikTok, TikTokSandbox]) -> None:
    client, sandbox = tiktok
    sandbox.set_rate_limit(1, burst=1)
    assert client.call("GET", "/logistics/202309/warehouses").status_code == 200
    throttled = client.call("GET", "/logistics/202309/warehouses")
    assert (throttled.status_code, throttled.json()["code"]) == (429, 36009002)
    assert throttled.headers["Retry-After"] == "1"
    # the bucket is per API: another API of the same shop still has its own
    assert client.call("POST", SEARCH_ORDERS, {}, page_size=5).status_code == 200
    sandbox.set_rate_limit(0)
    sandbox.set_faults(throttle_rate=1.0)
    fault = client.call("GET", "/logistics/202309/warehouses")
    assert (fault.status_code, fault.json()["code"]) == (429, 36009002)
    sandbox.set_faults(error_rate=1.0)
    fault = client.call("GET", "/logistics/202309/warehouses")
    assert (fault.status_code, fault.json()["code"]) == (500, 36009003)
    sandbox.set_faults()
    unknown = client.call("GET", "/product/202309/nothing")
    assert (unknown.status_code, unknown.json()["code"]) == (404, 36009009)
    wrong_method = client.call("GET", SEARCH_ORDERS, page_size=5)
    assert (wrong_method.status_code, wrong_method.json()["code"]) == (405, 36009010)
    assert sandbox.call_counts()["/logistics/202309/warehouses"] == 4


def test_order_paging_limits_and_a_stable_cursor(tiktok: tuple[TikTok, TikTokSandbox]) -> None:
    client, sandbox = tiktok
    sandbox.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=1000)
    placed = [sandbox.place_order(STORE, [("KOPI", 1)]) for _ in range(25)]
    assert client.call("POST", SEARCH_ORDERS, {}, page_size=101).json()["code"] == 11001002
    assert (
        client.call("POST", SEARCH_ORDERS, {}, page_size=5, page_token="%%%").json()["code"]
        == 11001002
    )
    too_many = client.call("GET", DETAIL, ids=",".join(str(n) for n in range(51)))
    assert too_many.json()["code"] == 11001002

    seen: list[str] = []
    params: dict[str, Any] = {"page_size": 10, "sort_field": "update_time", "sort_order": "ASC"}
    while True:
        page = _data(client.call("POST", SEARCH_ORDERS, {}, **params))
        seen += [o["id"] for o in page["orders"]]
        if not seen[10:] and len(seen) == 10:  # after the first page, an early order moves on
            sandbox.clock.advance(5)
            with sandbox.lock:
                shop = sandbox.store(STORE)
                sandbox.change_status_in(shop, shop.orders[placed[0]], "CANCELLED")
        if not page["next_page_token"]:
            break
        params["page_token"] = page["next_page_token"]
    assert set(seen) == set(placed) and len(seen) == 26  # nothing skipped; the moved one twice
    detail = _data(client.call("GET", DETAIL, ids=f"{placed[1]},nope,{placed[2]}"))
    assert [o["id"] for o in detail["orders"]] == [placed[1], placed[2]]


def test_search_products_pages_with_offset_tokens_up_to_10000(
    tiktok: tuple[TikTok, TikTokSandbox],
) -> None:
    client, sandbox = tiktok
    for n in range(3):
        sandbox.add_listing(STORE, sku=f"S{n}", name=f"Barang {n}", price=1000, stock=1)
    first = _data(client.call("POST", SEARCH_PRODUCTS, {"status": "ACTIVATE"}, page_size=2))
    assert base64.b64decode(first["next_page_token"]) == b"offset=2\n"
    assert first["total_count"] == 3 and len(first["products"]) == 2
    beyond = base64.b64encode(b"offset=9950\n").decode()
    refused = client.call("POST", SEARCH_PRODUCTS, {}, page_size=100, page_token=beyond).json()
    assert refused["code"] == 12052180
    assert client.call("POST", SEARCH_PRODUCTS, {}, page_size=0).json()["code"] == 12019109
    skus = {"seller_skus": [f"X{n}" for n in range(11)]}
    assert client.call("POST", SEARCH_PRODUCTS, skus, page_size=10).json()["code"] == 12019027


# --- listings --------------------------------------------------------------------------------


def test_create_a_product_from_an_uploaded_image(tiktok: tuple[TikTok, TikTokSandbox]) -> None:
    client, sandbox = tiktok
    image = _data_of(upload(client, png(300, 300)))
    assert image["uri"] in sandbox.images and image["use_case"] == "MAIN_IMAGE"
    body = create_body(image["uri"], idempotency_key="k-1")
    created = _data(client.call("POST", CREATE, body))
    assert [s["seller_sku"] for s in created["skus"]] == ["BTK-M", "BTK-L"]
    again = _data(client.call("POST", CREATE, body))  # a retried create: the same product
    assert again["product_id"] == created["product_id"]
    product = _data(client.call("GET", f"{CREATE}/{created['product_id']}"))
    assert product["status"] == "ACTIVATE" and product["package_weight"]["value"] == "0.3"
    sku = product["skus"][0]
    assert sku["price"]["sale_price"] == "185000" and sku["inventory"][0]["quantity"] == 5
    assert sku["sales_attributes"][0]["name"] == "Ukuran"
    assert len(sandbox.store(STORE).catalog.listings) == 1


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"title": ""}, 12052261),
        ({"title": "x" * 256}, 12052051),
        ({"description": ""}, 12052015),
        ({"category_id": "baju"}, 12052002),
        ({"main_images": []}, 12052028),
        ({"main_images": [{"uri": "not-uploaded"}]}, 12052300),
        ({"package_weight": {"value": "0", "unit": "KILOGRAM"}}, 12052181),
        ({"package_weight": {"value": "1.2345", "unit": "KILOGRAM"}}, 12052006),
        ({"package_weight": {"value": "1", "unit": "POUND"}}, 12052006),
        ({"skus": []}, 12052902),
        ({"warehouse": "123"}, 12052097),
    ],
)
def test_create_product_refusals(
    tiktok: tuple[TikTok, TikTokSandbox], change: dict[str, Any], code: int
) -> None:
    client, _ = tiktok
    uri = _data_of(upload(client, png(300, 300)))["uri"]
    reply = client.call("POST", CREATE, create_body(uri, **change))
    assert (reply.status_code, reply.json()["code"]) == (200, code), reply.text


def test_create_product_sku_rules(tiktok: tuple[TikTok, TikTokSandbox]) -> None:
    client, _ = tiktok
    uri = _data_of(upload(client, png(300, 300)))["uri"]
    body = create_body(uri)
    body["skus"][1]["sales_attributes"][0]["value_name"] = "M"
    assert client.call("POST", CREATE, body).json()["code"] == 12052251  # a duplicate value
    body = create_body(uri)
    del body["skus"][1]["sales_attributes"]
    assert client.call("POST", CREATE, body).json()["code"] == 12052550
    body = create_body(uri)
    body["skus"][0]["price"] = {"amount": "1000.50", "currency": "IDR"}
    assert client.call("POST", CREATE, body).json()["code"] == 12052073
    body["skus"][0]["price"] = {"amount": "1000", "currency": "USD"}
    assert client.call("POST", CREATE, body).json()["code"] == 12052084
    body = create_body(uri)
    body["skus"][0]["inventory"][0]["quantity"] = 100_000
    assert client.call("POST", CREATE, body).json()["code"] == 12052055
    body = create_body(uri)
    body["skus"][0]["seller_sku"] = "BTK M"
    assert client.call("POST", CREATE, body).json()["code"] == 12019059


def test_strict_content_enforces_indonesias_title_and_image_rules() -> None:
    with running() as (client, _):  # strict by default, as TikTok Shop Indonesia is
        tiny = upload(client, png(299, 300))
        assert tiny["code"] == 12038014
        uri = _data_of(upload(client, png(300, 300)))["uri"]
        short = client.call("POST", CREATE, create_body(uri, title="Kemeja Batik")).json()
        assert short["code"] == 12052910 and "[25, 255]" in short["message"]
        assert client.call("POST", CREATE, create_body(uri)).json()["code"] == 0
    with running(strict_content=False) as (client, _):
        assert upload(client, b"GIF89a....")["code"] == 12038015
        assert upload(client, png(1, 1))["code"] == 0


def _data_of(payload: dict[str, Any]) -> Any:
    assert payload["code"] == 0, payload
    return payload["data"]


def _product(client: TikTok) -> tuple[str, list[str]]:
    uri = _data_of(upload(client, png(300, 300)))["uri"]
    created = _data(client.call("POST", CREATE, create_body(uri)))
    return created["product_id"], [s["id"] for s in created["skus"]]


def test_inventory_update_reports_per_sku_errors(tiktok: tuple[TikTok, TikTokSandbox]) -> None:
    client, sandbox = tiktok
    product_id, (medium, large) = _product(client)
    path = f"{CREATE}/{product_id}/inventory/update"
    body = {
        "skus": [
            {
                "id": medium,
                "inventory": [{"warehouse_id": sandbox.store(STORE).warehouse_id, "quantity": 9}],
            },
            {"id": large, "inventory": [{"warehouse_id": "7068517275539719942", "quantity": 9}]},
            {"id": "1729000000000000000", "inventory": [{"quantity": 9}]},
        ]
    }
    data = _data(client.call("POST", path, body))
    assert [(e["code"], e["detail"]["sku_id"]) for e in data["errors"]] == [
        (12052990, large),
        (12052556, "1729000000000000000"),
    ]
    assert data["errors"][0]["detail"]["extra_errors"][0]["code"] == 12052097
    quantities = {
        s.id: s.stock for s in sandbox.store(STORE).catalog.listings[product_id].variants.values()
    }
    assert quantities == {medium: 9, large: 5}
    over = {"skus": [{"id": str(n), "inventory": [{"quantity": 1}]} for n in range(101)]}
    assert client.call("POST", path, over).json()["code"] == 12052050
    twice = {"skus": [{"id": medium, "inventory": [{"quantity": 1}]}] * 2}
    assert client.call("POST", path, twice).json()["code"] == 12052553
    assert client.call("POST", f"{CREATE}/404/inventory/update", body).json()["code"] == 12052032


def test_price_update_is_all_or_nothing(tiktok: tuple[TikTok, TikTokSandbox]) -> None:
    client, sandbox = tiktok
    product_id, (medium, large) = _product(client)
    path = f"{CREATE}/{product_id}/prices/update"
    bad = {
        "skus": [
            {"id": medium, "price": {"amount": "1", "currency": "IDR"}},
            {"id": "9", "price": {"amount": "2", "currency": "IDR"}},
        ]
    }
    assert client.call("POST", path, bad).json()["code"] == 12052557
    good = {"skus": [{"id": large, "price": {"amount": "199000", "currency": "IDR"}}]}
    assert _data(client.call("POST", path, good)) == {}
    prices = {
        s.id: s.price for s in sandbox.store(STORE).catalog.listings[product_id].variants.values()
    }
    assert prices == {medium: 185000, large: 199000}
    TikTokControl(sandbox).remove_listing(STORE, "BTK-M")
    assert client.call("POST", path, good).json()["code"] == 12052032
    assert client.call("GET", f"{CREATE}/{product_id}").json()["code"] == 12052032


def test_partial_edit_replaces_what_it_names(tiktok: tuple[TikTok, TikTokSandbox]) -> None:
    client, sandbox = tiktok
    product_id, (medium, _large) = _product(client)
    path = f"{CREATE}/{product_id}/partial_edit"
    _data(client.call("POST", path, {"title": "Kemeja Batik Parang (baru) lengan panjang"}))
    product = sandbox.store(STORE).catalog.listings[product_id]
    assert product.name.endswith("(baru) lengan panjang") and len(product.variants) == 2
    skus = [
        {"id": medium, "price": {"amount": "150000", "currency": "IDR"}},
        {
            "seller_sku": "BTK-XL",
            "price": {"amount": "200000", "currency": "IDR"},
            "inventory": [{"quantity": 2}],
            "sales_attributes": [{"name": "Ukuran", "value_name": "XL"}],
        },
    ]
    edited = _data(client.call("POST", path, {"skus": skus}))
    assert [s["seller_sku"] for s in edited["skus"]] == ["BTK-M", "BTK-XL"]  # L was left out
    held = {s.sku: (s.price, s.stock) for s in product.variants.values()}
    assert held == {"BTK-M": (150000, 5), "BTK-XL": (200000, 2)}


# --- orders, shipping, pushes ------------------------------------------------------------------


def test_orders_on_the_wire(tiktok: tuple[TikTok, TikTokSandbox]) -> None:
    client, sandbox = tiktok
    sandbox.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=10)
    unpaid = sandbox.place_order(STORE, [("KOPI", 2)], paid=False)
    (order,) = _data(client.call("GET", DETAIL, ids=unpaid))["orders"]
    assert order["status"] == "UNPAID" and "recipient_address" not in order  # not before paid
    assert [i["seller_sku"] for i in order["line_items"]] == ["KOPI", "KOPI"]  # one per unit
    assert order["payment"] == {**order["payment"], "currency": "IDR", "total_amount": "60000"}
    assert stock_of(sandbox, "KOPI") == 8  # stock fell at once


def test_ship_package_rules(tiktok: tuple[TikTok, TikTokSandbox]) -> None:
    client, sandbox = tiktok
    sandbox.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=10)
    shop = sandbox.store(STORE)
    paid, unpaid, dropped = (
        sandbox.place_order(STORE, [("KOPI", 1)]),
        sandbox.place_order(STORE, [("KOPI", 1)], paid=False),
        sandbox.place_order(STORE, [("KOPI", 1)]),
    )
    with sandbox.lock:
        sandbox.change_status_in(shop, shop.orders[dropped], "CANCELLED")

    def ship(order_id: str, tracking: str, provider: str = "7117858858072016002") -> int:
        path = f"/fulfillment/202309/packages/{shop.orders[order_id].fields['package_id']}/ship"
        body = {"self_shipment": {"tracking_number": tracking, "shipping_provider_id": provider}}
        return client.call("POST", path, body).json()["code"]

    assert ship(paid, "SC001", provider="42") == 21011022
    assert ship(paid, "SC001") == 0
    assert (shop.orders[paid].status, shop.orders[paid].carrier) == (
        "AWAITING_COLLECTION",
        "SiCepat",
    )
    assert ship(paid, "SC002") == 21011040
    assert ship(unpaid, "SC003") == 21011003
    assert ship(dropped, "SC004") == 21011041
    another = sandbox.place_order(STORE, [("KOPI", 1)])
    assert ship(another, "SC001") == 21011025  # a tracking number is used once
    missing = client.call("POST", "/fulfillment/202309/packages/1/ship", {"self_shipment": {}})
    assert missing.json()["code"] == 21011028
    providers = client.call(
        "GET", f"/logistics/202309/delivery_options/{shop.delivery_option_id}/shipping_providers"
    )
    assert [p["name"] for p in _data(providers)["shipping_providers"]][:2] == [
        "J&T Express",
        "SiCepat",
    ]


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    received: list[tuple[dict[str, str], bytes]] = []

    async def hook(request: Request) -> Response:
        received.append((dict(request.headers), await request.body()))
        return Response(b"", status_code=200)

    with serve(Starlette(routes=[Route("/hook", hook, methods=["POST"])])) as running_server:
        yield f"{running_server.url}/hook", received


def test_pushes_carry_tiktoks_signature(
    tiktok: tuple[TikTok, TikTokSandbox], receiver: tuple[str, list[tuple[dict[str, str], bytes]]]
) -> None:
    _, sandbox = tiktok
    url, received = receiver
    sandbox.set_push_url(STORE, url)
    sandbox.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=10)
    order = sandbox.place_order(STORE, [("KOPI", 1)])
    with sandbox.lock:
        shop = sandbox.store(STORE)
        sandbox.change_status_in(shop, shop.orders[order], "CANCELLED")
    assert sandbox.push.flush(5)
    bodies = [json.loads(body) for _, body in received]
    assert [(b["type"], b["data"]["order_status"]) for b in bodies] == [
        (1, "AWAITING_SHIPMENT"),
        (1, "CANCEL"),
    ]
    for headers, body in received:
        expected = hmac.new(
            APP_SECRET.encode(), APP_KEY.encode() + body, hashlib.sha256
        ).hexdigest()
        assert headers["authorization"] == expected
    assert bodies[0]["shop_id"] == sandbox.store(STORE).shop_id
    assert len({b["tts_notification_id"] for b in bodies}) == 2


# --- simulator and control API ------------------------------------------------------------------


def test_the_buyer_simulator_places_and_moves_orders(tiktok: tuple[TikTok, TikTokSandbox]) -> None:
    _, sandbox = tiktok
    sandbox.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=500)
    for _ in range(40):
        sandbox.buyers.step()
    statuses = {o.status for o in sandbox.store(STORE).orders.values()}
    assert sandbox.buyers.placed == 40 and "AWAITING_SHIPMENT" in statuses
    total = sum(
        len(o.lines) for o in sandbox.store(STORE).orders.values() if o.status != "CANCELLED"
    )
    assert stock_of(sandbox, "KOPI") == 500 - total


def test_the_control_api(tiktok: tuple[TikTok, TikTokSandbox]) -> None:
    client, sandbox = tiktok
    http = client.http
    assert [s["shop_cipher"] for s in http.get("/_sandbox/stores").json()] == [
        CIPHER,
        sandbox.store("toko-b").shop_cipher,
    ]
    made = http.post(
        f"/_sandbox/stores/{STORE}/listings",
        json={"sku": "TEH", "name": "Teh", "price": 15000, "stock": 4},
    )
    assert made.status_code == 201
    assert (
        http.post(f"/_sandbox/stores/{STORE}/listings/TEH/stock", json={"stock": 7}).status_code
        == 200
    )
    (row,) = http.get(f"/_sandbox/stores/{STORE}/listings").json()
    assert (row["sku"], row["stock"], row["price"]) == ("TEH", 7, "15000")
    order_id = http.post(
        f"/_sandbox/stores/{STORE}/orders", json={"lines": [{"sku": "TEH", "quantity": 2}]}
    ).json()["order_id"]
    assert (
        http.post(f"/_sandbox/stores/{STORE}/orders/{order_id}/cancel").json()["status"]
        == "CANCELLED"
    )
    assert (
        http.post(
            f"/_sandbox/stores/{STORE}/orders", json={"lines": [{"sku": "TEH", "quantity": 99}]}
        ).status_code
        == 409
    )
    assert http.get("/_sandbox/stores/nope/listings").status_code == 404
    assert http.post("/_sandbox/faults", json={"error_rate": 2}).status_code == 400
    assert (
        http.post("/_sandbox/clock", json={"advance": 60}).json()["now"] >= sandbox.clock.now() - 1
    )
