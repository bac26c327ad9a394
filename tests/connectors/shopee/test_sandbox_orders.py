"""The Shopee sandbox over real HTTP: orders, logistics, rate limit, faults, pushes, buyers."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator

import httpx
import pytest
from lapak.sandboxes.kit.faults import FaultInjector, FaultKind, FaultSettings
from lapak.wiring.server import serve
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.connectors.shopee.sandbox_client import (
    OTHER_SHOP_ID,
    PARTNER_KEY,
    SHOP_ID,
    Shopee,
    error_of,
    running_sandbox,
    with_variants,
)
from tests.shopee_setup import wait_for


@pytest.fixture
def shopee() -> Iterator[Shopee]:
    with running_sandbox() as client:
        yield client


# --- orders ---------------------------------------------------------------------------------


def test_order_list_refuses_long_windows_and_pages_by_cursor(shopee: Shopee):
    shopee.sandbox.add_listing(SHOP_ID, sku="BULK", name="Bulk", price=5000, stock=100)
    placed = {shopee.sandbox.place_order(SHOP_ID, [("BULK", 1)]) for _ in range(25)}
    now = shopee.sandbox.clock.now_s()
    path = "/api/v2/order/get_order_list"
    window = {"time_range_field": "create_time", "time_from": now - 60, "time_to": now + 1}
    too_long = window | {"time_from": now - 15 * 86400 - 2, "page_size": 10}
    assert error_of(shopee.get(path, **too_long)) == (
        400,
        "order.order_list_invalid_time",
        "Start time must be earlier than end time and diff in 15days.",
    )
    seen, cursor, pages = [], "", 0
    while True:
        page = shopee.get(path, **window, page_size=10, cursor=cursor).json()["response"]
        seen += [entry["order_sn"] for entry in page["order_list"]]
        pages += 1
        if not page["more"]:
            assert page["next_cursor"] == ""
            break
        cursor = page["next_cursor"]
    assert pages == 3 and set(seen) == placed and len(seen) == 25
    with_status = shopee.get(path, **window, page_size=1, response_optional_fields="order_status")
    assert with_status.json()["response"]["order_list"][0]["order_status"] == "READY_TO_SHIP"


def test_order_detail_takes_fifty_and_only_asked_fields(shopee: Shopee):
    with_variants(shopee)
    order_sn = shopee.sandbox.place_order(SHOP_ID, [("TEE-M", 2)])
    path = "/api/v2/order/get_order_detail"
    too_many = ",".join([order_sn] * 51)
    assert error_of(shopee.get(path, order_sn_list=too_many))[:2] == (400, "error_param")

    plain = shopee.get(path, order_sn_list=order_sn).json()["response"]["order_list"][0]
    assert plain["order_status"] == "READY_TO_SHIP" and plain["currency"] == "IDR"
    assert plain["ship_by_date"] == plain["create_time"] + 2 * 86400
    assert "item_list" not in plain
    fields = "item_list,buyer_username,recipient_address,total_amount,pay_time"
    detail = shopee.get(path, order_sn_list=order_sn, response_optional_fields=fields).json()
    order = detail["response"]["order_list"][0]
    (line,) = order["item_list"]
    assert (line["model_sku"], line["model_quantity_purchased"], line["model_name"]) == (
        "TEE-M",
        2,
        "M",
    )
    assert order["total_amount"] == 220000 and order["recipient_address"]["city"]


def test_placing_orders_takes_stock_and_cancelling_gives_it_back(shopee: Shopee):
    with_variants(shopee)
    url = "/_sandbox/shops/toko-a/orders"
    placed = shopee.http.post(url, json={"lines": [{"sku": "TEE-M", "quantity": 3}]})
    assert placed.status_code == 201
    assert shopee.sandbox.stock_of(SHOP_ID, "TEE-M") == 0
    short = shopee.http.post(url, json={"lines": [{"sku": "TEE-M", "quantity": 1}]})
    assert short.status_code == 409
    order_sn = placed.json()["order_id"]
    assert shopee.http.post(f"{url}/{order_sn}/cancel").json()["status"] == "CANCELLED"
    assert shopee.sandbox.stock_of(SHOP_ID, "TEE-M") == 3
    assert shopee.http.post(url, json={}).status_code == 201  # a random order


def test_ship_order_only_ships_ready_orders(shopee: Shopee):
    with_variants(shopee)
    path = "/api/v2/logistics/ship_order"
    unpaid = shopee.sandbox.place_order(SHOP_ID, [("TEE-S", 1)], paid=False)
    ship = {"order_sn": unpaid, "pickup": {}, "non_integrated": {"tracking_number": "JX123"}}
    assert error_of(shopee.post(path, ship)) == (
        400,
        "logistics.error_param",
        "The order status is not ready to ship.",
    )
    ready = shopee.sandbox.place_order(SHOP_ID, [("TEE-S", 1)])
    shipped = shopee.post(path, ship | {"order_sn": ready})
    assert shipped.status_code == 200 and shipped.json()["error"] == ""
    assert shopee.control.order("toko-a", ready).status == "PROCESSED"
    again = shopee.post(path, ship | {"order_sn": ready})
    assert error_of(again)[2] == "Order has been shipped."
    unknown = shopee.post(path, ship | {"order_sn": "000000NOPE"})
    assert error_of(unknown) == (404, "logistics.error_order_not_found", "Order is not found.")
    tracking = shopee.get("/api/v2/logistics/get_tracking_number", order_sn=ready)
    assert tracking.json()["response"]["tracking_number"] == "JX123"


def test_cancel_order_before_shipping(shopee: Shopee):
    with_variants(shopee)
    order_sn = shopee.sandbox.place_order(SHOP_ID, [("TEE-S", 2)])
    body = {"order_sn": order_sn, "cancel_reason": "CUSTOMER_REQUEST"}
    cancelled = shopee.post("/api/v2/order/cancel_order", body)
    assert cancelled.status_code == 200 and cancelled.json()["response"]["update_time"]
    assert shopee.sandbox.stock_of(SHOP_ID, "TEE-S") == 5
    assert error_of(shopee.post("/api/v2/order/cancel_order", body))[0] == 400


# --- rate limit, faults, calls, push --------------------------------------------------------


def test_rate_limit_answers_429_with_retry_after(shopee: Shopee):
    shopee.sandbox.set_rate_limit(1, burst=2)
    path = "/api/v2/logistics/get_channel_list"
    statuses = [shopee.get(path).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    throttled = shopee.get(path)
    assert throttled.json()["error"] == "error_too_many_request"
    assert int(throttled.headers["Retry-After"]) >= 1
    shopee.http.post("/_sandbox/rate_limit", json={"per_second": 0})
    assert all(shopee.get(path).status_code == 200 for _ in range(30))


def test_rate_limit_refills_on_the_sandbox_clock(shopee: Shopee):
    shopee.sandbox.set_rate_limit(0.01, burst=1)  # one call per 100 s
    path = "/api/v2/logistics/get_channel_list"
    assert [shopee.get(path).status_code for _ in range(2)] == [200, 429]
    shopee.sandbox.clock.advance(100)
    assert [shopee.get(path).status_code for _ in range(2)] == [200, 429]


def test_each_fault_kind(shopee: Shopee):
    path = "/api/v2/logistics/get_channel_list"
    set_faults = shopee.http.post
    set_faults("/_sandbox/faults", json={"error_rate": 1.0})
    assert error_of(shopee.get(path)) == (500, "error_server", "Something wrong. Please try later.")
    set_faults("/_sandbox/faults", json={"throttle_rate": 1.0})
    assert shopee.get(path).status_code == 429
    set_faults("/_sandbox/faults", json={"malformed_rate": 1.0})
    with pytest.raises(json.JSONDecodeError):
        shopee.get(path).json()
    set_faults("/_sandbox/faults", json={"latency_ms": 150})
    started = time.monotonic()
    assert shopee.get(path).status_code == 200
    assert time.monotonic() - started >= 0.15
    set_faults("/_sandbox/faults", json={"error_rate": 1.0, "paths": ["/api/v2/order/"]})
    assert shopee.get(path).status_code == 200
    set_faults("/_sandbox/faults", json={"timeout_rate": 1.0, "timeout_seconds": 1.0})
    with pytest.raises(httpx.ReadTimeout):
        shopee.http.get(path, params=shopee.query(path, token=shopee.access_token), timeout=0.3)
    assert set_faults("/_sandbox/faults", json={}).json()["timeout_rate"] == 0.0


def test_fault_draws_repeat_for_a_seed():
    def draws(seed: int) -> list[FaultKind]:
        injector = FaultInjector(error_response=Response, throttle_response=Response, seed=seed)
        injector.configure(FaultSettings(error_rate=0.3, throttle_rate=0.3))
        return [injector.draw("/api/x") for _ in range(50)]

    assert draws(1) == draws(1)
    assert {FaultKind.ERROR, FaultKind.THROTTLE, FaultKind.NONE} == set(draws(1))


def test_calls_are_counted_per_path(shopee: Shopee):
    shopee.http.delete("/_sandbox/calls")
    for _ in range(3):
        shopee.get("/api/v2/logistics/get_channel_list")
    shopee.get("/api/v2/product/get_item_list", offset=0, page_size=1, item_status="NORMAL")
    assert shopee.http.get("/_sandbox/calls").json() == {
        "/api/v2/logistics/get_channel_list": 3,
        "/api/v2/product/get_item_list": 1,
    }


def test_status_changes_push_with_shopee_signature(shopee: Shopee):
    received: list[tuple[bytes, str]] = []

    async def hook(request: Request) -> Response:
        received.append((await request.body(), request.headers["authorization"]))
        return Response(status_code=204)

    receiver = Starlette(routes=[Route("/hook", hook, methods=["POST"])])
    with serve(receiver) as server:
        callback_url = f"{server.url}/hook"
        shopee.http.post("/_sandbox/shops/toko-a/webhook", json={"url": callback_url})
        with_variants(shopee)
        order_sn = shopee.sandbox.place_order(SHOP_ID, [("TEE-S", 1)], paid=False)
        shopee.sandbox.set_order_status(SHOP_ID, order_sn, "pay")
        assert shopee.sandbox.push.flush(5)
    assert len(received) == 2
    for body, authorization in received:
        expected = hmac.new(
            PARTNER_KEY.encode(), callback_url.encode() + b"|" + body, hashlib.sha256
        )
        assert authorization == expected.hexdigest()
    payloads = [json.loads(body) for body, _ in received]
    assert [p["data"]["status"] for p in payloads] == ["UNPAID", "READY_TO_SHIP"]
    assert payloads[0]["code"] == 3 and payloads[0]["shop_id"] == SHOP_ID
    assert payloads[0]["data"]["ordersn"] == order_sn


def test_buyer_simulator_places_orders_on_stock(shopee: Shopee):
    shopee.sandbox.add_listing(OTHER_SHOP_ID, sku="ONE", name="One", price=1000, stock=1)
    assert shopee.sandbox.buyers.place_one(OTHER_SHOP_ID) is not None
    assert shopee.sandbox.buyers.place_one(OTHER_SHOP_ID) is None  # sold out
    shopee.sandbox.add_listing(SHOP_ID, sku="MANY", name="Many", price=1000, stock=1000)
    shopee.http.post("/_sandbox/buyers", json={"orders_per_second": 200})
    wait_for("the buyers' first order", lambda: bool(shopee.control.order_ids("toko-a")))
    shopee.http.post("/_sandbox/buyers", json={"orders_per_second": 0})
    placed = [shopee.control.order("toko-a", sn) for sn in shopee.control.order_ids("toko-a")]
    assert placed
    assert shopee.sandbox.stock_of(SHOP_ID, "MANY") == 1000 - sum(
        quantity for o in placed if o.status != "CANCELLED" for _, quantity in o.lines
    )
