"""The Tokopedia sandbox on the wire: tokens, refusals, window and batch limits, rate
limiting, faults, product creation rules, order life and webhooks."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from lapak.connectors.tokopedia import auth, plugin
from lapak.sandboxes.kit.orders import OutOfStockError
from lapak.sandboxes.registry import sandbox_for
from lapak.sandboxes.tokopedia import TokopediaSandbox
from lapak.wiring.server import RunningServer

from lapak.testing.fixtures import Target
from tests.connectors.conftest import Received

STORE = "toko-sandbox"
CREDENTIALS = sandbox_for(plugin.platform).credentials(STORE, 0)
FS_ID, SHOP_ID = CREDENTIALS["fs_id"], CREDENTIALS["shop_id"]
BASIC = auth.basic_authorization(CREDENTIALS["client_id"], CREDENTIALS["client_secret"])
DAY = 86400


@pytest.fixture
def target() -> Target:
    return Target("tokopedia", STORE, seed=5)


@pytest.fixture
def http(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


def _token(http: httpx.Client, authorization: str = BASIC, **params: str) -> httpx.Response:
    params = params or {"grant_type": "client_credentials"}
    return http.post("/token", params=params, headers={"Authorization": authorization})


@pytest.fixture
def api(http: httpx.Client) -> httpx.Client:
    """A client that sends the app's bearer token."""
    token = _token(http).json()["access_token"]
    http.headers["Authorization"] = f"Bearer {token}"
    return http


def _header(response: httpx.Response) -> dict[str, Any]:
    return response.json()["header"]


# --- tokens --------------------------------------------------------------------------------


def test_a_token_is_issued_for_valid_client_credentials_only(http: httpx.Client) -> None:
    first, again = _token(http), _token(http)
    assert first.status_code == 200
    assert first.json()["token_type"] == "Bearer" and first.json()["expires_in"] == 14 * DAY
    assert again.json()["access_token"] == first.json()["access_token"]

    wrong = base64.b64encode(f"{CREDENTIALS['client_id']}:nope".encode()).decode()
    assert _token(http, f"Basic {wrong}").json()["error"] == "invalid_client"
    assert _token(http, f"Basic {wrong}").status_code == 401
    assert _token(http, "").status_code == 401
    assert _token(http, BASIC, grant_type="password").status_code == 400


def test_an_expired_token_is_refused_and_a_new_one_issued(
    api: httpx.Client, app: Any, sandbox: TokopediaSandbox
) -> None:
    path = f"/inventory/v1/fs/{FS_ID}/product/info"
    old = api.headers["Authorization"].removeprefix("Bearer ")
    assert api.get(path, params={"product": "1"}).status_code == 200

    app.state.control.expire_token(STORE)

    refused = api.get(path, params={"product": "1"})
    assert refused.status_code == 401 and _header(refused)["messages"] == "Unauthorized"
    fresh = _token(api).json()["access_token"]
    assert fresh != old
    sandbox.clock.advance(14 * DAY + 1)  # and tokens die after two weeks by themselves
    api.headers["Authorization"] = f"Bearer {fresh}"
    assert api.get(path, params={"product": "1"}).status_code == 401


def test_a_call_without_a_token_or_for_another_fs_id_is_refused(api: httpx.Client) -> None:
    bare = httpx.get(f"{api.base_url}/v2/fs/{FS_ID}/order", params={"order_id": 1})
    assert bare.status_code == 401
    foreign = api.get(f"/v2/fs/{FS_ID + 1}/order", params={"order_id": 1})
    assert foreign.status_code == 403
    assert api.get("/v2/fs/abc/order").status_code == 400
    assert api.get("/v9/nowhere").status_code == 404
    assert api.post(f"/v2/fs/{FS_ID}/order").status_code == 405


# --- orders --------------------------------------------------------------------------------


def _list(api: httpx.Client, start: float, end: float, **extra: Any) -> httpx.Response:
    params = {"fs_id": FS_ID, "shop_id": SHOP_ID, "from_date": int(start), "to_date": int(end)}
    return api.get("/v2/order/list", params={"page": 1, "per_page": 100, **params, **extra})


def test_a_window_of_three_days_or_more_is_refused(
    api: httpx.Client, sandbox: TokopediaSandbox
) -> None:
    now = sandbox.clock.now()
    wide = _list(api, now, now + 3 * DAY)
    assert wide.status_code == 400
    assert wide.json() == {
        "header": {
            "process_time": wide.json()["header"]["process_time"],
            "messages": "We could not process your request due to malformed request, please "
            "check again",
            "reason": "Date Range must be less than 3 days",
            "error_code": "ORD_DLV_013",
        },
        "data": None,
    }
    assert _list(api, now, now + 3 * DAY - 1).status_code == 200
    assert _list(api, now, now + 60, per_page=101).status_code == 400
    assert _list(api, now, now + 60, page=0).status_code == 400


def test_only_paid_orders_are_listed_in_pages(api: httpx.Client, sandbox: TokopediaSandbox) -> None:
    sandbox.add_listing(SHOP_ID, sku="KOPI", name="Kopi", price=30000, stock=1000)
    start = sandbox.clock.now()
    paid = [sandbox.place_order(SHOP_ID, [("KOPI", 1)]) for _ in range(7)]
    unpaid = sandbox.place_order(SHOP_ID, [("KOPI", 1)], paid=False)

    first = _list(api, start - 1, start + 60, per_page=5).json()["data"]
    second = _list(api, start - 1, start + 60, per_page=5, page=2).json()["data"]

    listed = [o["order_id"] for o in first + second]
    assert listed == paid and unpaid not in listed
    assert {o["order_status"] for o in first} == {220}
    single = api.get(f"/v2/fs/{FS_ID}/order", params={"order_id": unpaid}).json()["data"]
    assert single["order_status"] == 100  # a single order is readable before payment
    missing = api.get(f"/v2/fs/{FS_ID}/order", params={"order_id": 1})
    assert _header(missing)["error_code"] == "ORD_API_008"


def test_stock_leaves_at_payment_not_at_checkout(app: Any, sandbox: TokopediaSandbox) -> None:
    """Two buyers check out the same last units; the later payment takes what is gone."""
    control = app.state.control
    sandbox.add_listing(SHOP_ID, sku="KOPI", name="Kopi", price=30000, stock=10)
    first = sandbox.place_order(SHOP_ID, [("KOPI", 6)], paid=False)
    second = sandbox.place_order(SHOP_ID, [("KOPI", 6)], paid=False)
    assert sandbox.stock_of(SHOP_ID, "KOPI") == 10  # an unpaid checkout holds nothing
    with pytest.raises(OutOfStockError):  # but orders no more than the shown stock
        sandbox.place_order(SHOP_ID, [("KOPI", 11)], paid=False)

    control.change_order(STORE, str(first), "pay")
    assert sandbox.stock_of(SHOP_ID, "KOPI") == 4
    control.change_order(STORE, str(second), "pay")
    assert sandbox.stock_of(SHOP_ID, "KOPI") == -2  # oversold: the seller must reject one
    control.change_order(STORE, str(second), "cancel")
    assert sandbox.stock_of(SHOP_ID, "KOPI") == 4


def test_shipping_needs_an_accepted_order(api: httpx.Client, sandbox: TokopediaSandbox) -> None:
    sandbox.add_listing(SHOP_ID, sku="KOPI", name="Kopi", price=30000, stock=10)
    order = sandbox.place_order(SHOP_ID, [("KOPI", 1)])
    base = f"/v1/order/{order}/fs/{FS_ID}"
    ship = {"order_status": 500, "shipping_ref_num": "JNE01"}

    early = api.post(f"{base}/status", json=ship)
    assert _header(early)["error_code"] == "ORD_USC_009"
    assert api.post(f"{base}/ack").json()["data"] == "success"
    assert _header(api.post(f"{base}/ack"))["error_code"] == "ORD_USC_001"
    assert api.post(f"{base}/status", json={**ship, "shipping_ref_num": ""}).status_code == 400
    assert api.post(f"{base}/status", json=ship).json()["data"] == "Success"
    assert sandbox.order(SHOP_ID, order).status == 500
    assert sandbox.order(SHOP_ID, order).tracking_number == "JNE01"
    assert _header(api.post(f"{base}/status", json=ship))["error_code"] == "ORD_USC_009"


# --- stock, price, products ----------------------------------------------------------------


def test_a_bulk_update_over_100_rows_or_not_an_array_is_refused(
    api: httpx.Client, sandbox: TokopediaSandbox
) -> None:
    path = f"/inventory/v1/fs/{FS_ID}/stock/update"
    rows = [{"product_id": n, "new_stock": 1} for n in range(101)]
    assert api.post(path, params={"shop_id": SHOP_ID}, json=rows).status_code == 400
    assert api.post(path, params={"shop_id": SHOP_ID}, json={"x": 1}).status_code == 400
    assert api.post(path, json=rows[:1]).status_code == 400  # shop_id is required


def test_bulk_rows_fail_one_by_one(api: httpx.Client, sandbox: TokopediaSandbox) -> None:
    kopi = sandbox.add_listing(SHOP_ID, sku="KOPI", name="Kopi", price=30000, stock=1)
    kaos = sandbox.add_listing(
        SHOP_ID, sku="KAOS", name="Kaos", price=1, variants=[("KAOS-S", "S", 75000, 1)]
    )
    rows = [
        {"product_id": kopi, "new_stock": 7},
        {"sku": "KAOS-S", "new_stock": 4},
        {"product_id": 151231699, "new_stock": 40},
        {"sku": "ABC12314", "new_stock": 30},
        {"product_id": kaos, "new_stock": 3},
        {"product_id": kopi, "new_stock": -1},
    ]
    data = api.post(
        f"/inventory/v1/fs/{FS_ID}/stock/update", params={"shop_id": SHOP_ID}, json=rows
    ).json()["data"]

    assert (data["succeed_rows"], data["failed_rows"]) == (2, 4)
    messages = [row["message"] for row in data["failed_rows_data"]]
    assert messages[:2] == ["Invalid Product ID.", "Invalid SKU."]
    assert messages[2].startswith("Invalid Product ID.")  # a parent is updated by its variants
    assert messages[3].startswith("Invalid stock value")
    assert [p.stock for p in sandbox.products(SHOP_ID) if p.sku in ("KOPI", "KAOS-S")] == [7, 4]


def test_rate_limits_answer_429_or_fail_rows(api: httpx.Client, sandbox: TokopediaSandbox) -> None:
    kopi = sandbox.add_listing(SHOP_ID, sku="KOPI", name="Kopi", price=30000, stock=1)
    sandbox.set_rate_limit(1, 1)  # 1 call/s, burst 1; rows: 20/s, burst 20
    path = f"/inventory/v1/fs/{FS_ID}/stock/update"

    first = api.post(
        path, params={"shop_id": SHOP_ID}, json=[{"product_id": kopi, "new_stock": 2}] * 25
    )
    second = api.post(
        path, params={"shop_id": SHOP_ID}, json=[{"product_id": kopi, "new_stock": 3}]
    )

    assert first.status_code == 200
    assert first.headers["X-Ratelimit-Limit"] == "20 req/s (burst 20)"  # the rows' bucket
    assert first.headers["X-Ratelimit-Full-Reset-After"] == "1.000000"
    failed = first.json()["data"]["failed_rows_data"]
    assert [row["message"] for row in failed] == ["ERR_TOO_MANY_REQUEST"] * 5
    assert second.status_code == 429
    assert second.headers["X-Ratelimit-Limit"] == "1 req/s (burst 1)"  # the calls' bucket
    assert float(second.headers["X-Ratelimit-Reset-After"]) > 0
    assert second.headers["X-Ratelimit-Remaining"] == "0"
    assert _header(second)["error_code"] == "ERR_TOO_MANY_REQUEST"
    other = api.get(f"/v2/fs/{FS_ID}/order", params={"order_id": 1})
    assert other.status_code == 400  # each endpoint has its own bucket


def test_faults_answer_like_tokopedia(api: httpx.Client, sandbox: TokopediaSandbox) -> None:
    sandbox.set_faults(error_rate=1.0)
    broken = api.get(f"/v2/fs/{FS_ID}/order", params={"order_id": 1})
    assert broken.status_code == 500
    assert _header(broken)["messages"] == "We had a problem with our server. Try again later."
    assert _header(broken)["error_code"] == 0
    sandbox.set_faults(throttle_rate=1.0)
    assert api.get(f"/v2/fs/{FS_ID}/order", params={"order_id": 1}).status_code == 429
    sandbox.set_faults()
    assert sandbox.call_counts()[f"/v2/fs/{FS_ID}/order"] == 2


def _create(api: httpx.Client, *products: dict[str, Any]) -> dict[str, Any]:
    response = api.post(
        f"/v3/products/fs/{FS_ID}/create",
        params={"shop_id": SHOP_ID},
        json={"products": list(products)},
    )
    assert response.status_code == 200
    return response.json()["data"]


def _product(name: str, **fields: Any) -> dict[str, Any]:
    values = {
        "name": name,
        "category_id": 1817,
        "price_currency": "IDR",
        "price": 10000,
        "status": "LIMITED",
        "stock": 9,
        "min_order": 1,
        "weight": 200,
        "weight_unit": "GR",
        "condition": "NEW",
        "sku": "TST21",
        "pictures": [{"file_path": "https://img.example/a.jpg"}],
    }
    values.update(fields)
    return values


def test_a_create_without_shop_id_is_refused_like_the_fixture(api: httpx.Client) -> None:
    response = api.post(f"/v3/products/fs/{FS_ID}/create", json={"products": [_product("A")]})
    assert response.status_code == 400
    header = _header(response)
    assert header["reason"] == "Invalid field [shop_id] format, value [] should be int"
    assert header["error_code"] == "PRD_DLV_042" and response.json()["data"] is None


def test_creating_products_refuses_rows_one_by_one(api: httpx.Client) -> None:
    data = _create(
        api,
        _product("Product Testing V3 1.39"),
        _product("Product Testing V3 1.39"),  # the name is taken by then
        _product("Tanpa gambar", pictures=[]),
        _product("Kategori salah", category_id=999999),
        _product("Terlalu murah", price=99),
        _product("x" * 71),
    )
    assert (data["success_data"], data["fail_data"]) == (1, 5)
    assert data["success_rows_data"][0]["product_id"] > 0
    errors = [row["error"] for row in data["failed_rows_data"]]
    taken = "Value [Product Testing V3 1.39] of field [name] is already used"
    assert errors[0] == [f"{taken}, please use different value"]
    assert errors[1] == ["Field [pictures] is required"]
    assert "category_id" in errors[2][0] and "price" in errors[3][0] and "name" in errors[4][0]


def test_variants_must_be_of_the_category(api: httpx.Client, sandbox: TokopediaSandbox) -> None:
    variant = {
        "products": [
            {"is_primary": True, "price": 20000, "stock": 2, "sku": "V-S", "combination": [0]},
            {"price": 21000, "stock": 0, "status": "EMPTY", "sku": "V-M", "combination": [1]},
        ],
        "selection": [
            {
                "id": 6,
                "unit_id": 7,
                "options": [
                    {"unit_value_id": 24, "value": "S", "hex_code": ""},
                    {"unit_value_id": 25, "value": "M", "hex_code": ""},
                ],
            }
        ],
        "sizecharts": [],
    }
    ok = _create(api, _product("Kaos varian", variant=variant))
    wrong = _create(api, _product("Kopi varian", category_id=1166, variant=variant))

    assert ok["success_data"] == 1 and wrong["fail_data"] == 1
    assert "is not a variant of category [1166]" in wrong["failed_rows_data"][0]["error"][0]
    parent = ok["success_rows_data"][0]["product_id"]
    children = api.get(f"/inventory/v1/fs/{FS_ID}/product/variant/{parent}").json()["data"]
    assert [(c["sku"], c["stock"], c["price"]) for c in children["children"]] == [
        ("V-S", 2, 20000),
        ("V-M", 0, 21000),
    ]
    assert children["parent_id"] == parent


# --- webhooks ------------------------------------------------------------------------------


def test_webhooks_are_signed_and_start_at_payment(
    app: Any, sandbox: TokopediaSandbox, receiver: tuple[str, Received]
) -> None:
    url, received = receiver
    app.state.control.set_webhook_url(STORE, url)
    sandbox.add_listing(SHOP_ID, sku="KOPI", name="Kopi", price=30000, stock=10)
    unpaid = sandbox.place_order(SHOP_ID, [("KOPI", 1)], paid=False)
    assert sandbox.push.flush(5) and received == []  # sellers see nothing before payment

    app.state.control.change_order(STORE, str(unpaid), "pay")
    app.state.control.change_order(STORE, str(unpaid), "cancel")
    assert sandbox.push.flush(5)

    bodies = [json.loads(body) for _, body in received]
    assert [("order_status" in b, b["order_id"]) for b in bodies] == [
        (False, unpaid),
        (True, unpaid),
    ]
    assert bodies[0]["invoice_ref_num"].startswith("INV/") and bodies[1]["order_status"] == 0
    assert bodies[0]["customer"]["Name"] and "Name" in bodies[1]["product_details"][0]
    for headers, body in received:
        expected = auth.webhook_signature(CREDENTIALS["webhook_secret"], body)
        assert headers["authorization-hmac"] == expected


def test_the_control_api(http: httpx.Client, sandbox: TokopediaSandbox) -> None:
    (shop,) = http.get("/_sandbox/stores").json()
    assert (shop["name"], shop["shop_id"], shop["fs_id"]) == (STORE, SHOP_ID, FS_ID)
    made = http.post(
        f"/_sandbox/stores/{STORE}/listings",
        json={"sku": "A", "name": "A", "price": 1000, "stock": 2},
    )
    assert made.status_code == 201
    order = http.post(
        f"/_sandbox/stores/{STORE}/orders", json={"lines": [{"sku": "A", "quantity": 3}]}
    )
    assert order.status_code == 409
    assert (
        http.post(f"/_sandbox/stores/{STORE}/orders", json={"lines": [{"sku": "Z"}]}).status_code
        == 404
    )
