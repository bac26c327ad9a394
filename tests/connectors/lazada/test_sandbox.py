"""The Lazada sandbox on the wire: LazOP's checks, limits, error bodies and order steps."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from lapak.connectors.lazada import plugin, signing
from lapak.sandboxes.kit.control import SandboxListing
from lapak.sandboxes.lazada import LazadaControl, LazadaSandbox
from lapak.sandboxes.lazada.state import SAMPLE_CATEGORY
from lapak.sandboxes.registry import sandbox_for
from lapak.wiring.server import RunningServer

from lapak.testing.fixtures import Target
from tests.connectors.conftest import Received

STORE = "toko-lazada"
CREDS = sandbox_for(plugin.platform).credentials(STORE, 0)
APP_KEY, APP_SECRET = CREDS["app_key"], CREDS["app_secret"]


class Api:
    """Signed LazOP calls to the sandbox, broken on purpose where a test asks."""

    def __init__(self, url: str, sandbox: LazadaSandbox) -> None:
        self.url = url
        self.sandbox = sandbox
        self.token: str | None = None
        self.refresh_token = CREDS["refresh_token"]

    def call(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        method: str = "GET",
        token: str | None = "current",
        secret: str = APP_SECRET,
        timestamp: str | None = None,
        drop: tuple[str, ...] = (),
        after_signing: dict[str, str] | None = None,
        prefix: str = "",
    ) -> tuple[int, dict[str, Any]]:
        signed = {k: signing.text(v) for k, v in (params or {}).items()}
        signed.update(
            app_key=APP_KEY,
            sign_method="sha256",
            timestamp=timestamp or str(int(self.sandbox.clock.now() * 1000)),
        )
        if token is not None:
            signed["access_token"] = self.token if token == "current" else token  # type: ignore[assignment]
        signed["sign"] = signing.sign(secret, path, signed)
        signed.update(after_signing or {})
        for name in drop:
            signed.pop(name, None)
        if method == "GET":
            response = httpx.get(self.url + prefix + path, params=signed, timeout=10)
        else:
            response = httpx.post(self.url + prefix + path, data=signed, timeout=10)
        return response.status_code, response.json()

    def login(self) -> None:
        status, body = self.call(
            "/auth/token/refresh", {"refresh_token": self.refresh_token}, token=None
        )
        assert status == 200 and body["code"] == "0", body
        self.token, self.refresh_token = body["access_token"], body["refresh_token"]


@pytest.fixture
def target() -> Target:
    return Target("lazada", STORE, seed=5)


@pytest.fixture
def api(server: RunningServer, sandbox: LazadaSandbox) -> Api:
    api = Api(server.url, sandbox)
    api.login()
    return api


def _error(body: dict[str, Any], code: str) -> dict[str, Any]:
    assert body.get("code") == code, body
    assert body["type"] in ("ISV", "ISP", "SYSTEM") and body["request_id"] and body["message"]
    return body


# --- the gateway -----------------------------------------------------------------------------


def test_a_valid_call_is_answered_in_the_lazop_envelope(api: Api) -> None:
    status, body = api.call("/products/get", {"filter": "all"})
    assert status == 200
    assert body["code"] == "0" and body["request_id"]
    assert body["data"] == {"total_products": 0, "products": []}
    status, body = api.call("/products/get", {"filter": "all"}, prefix="/rest")
    assert body["code"] == "0"  # also under /rest, as on api.lazada.co.id/rest


def test_a_bad_signature_is_refused(api: Api) -> None:
    refusals = [
        api.call("/products/get", secret="wrong-secret"),
        api.call("/products/get", {"limit": 10}, after_signing={"limit": "20"}),
        api.call("/products/get", after_signing={"sign": "0" * 64}),
        api.call("/products/get", after_signing={"extra": "added after signing"}),
    ]
    for status, body in refusals:
        assert status == 200
        _error(body, "IncompleteSignature")
        assert body["message"] == "The request signature does not conform to lazop standards"


def test_missing_and_unknown_credentials_are_refused(api: Api) -> None:
    _error(api.call("/products/get", drop=("sign",))[1], "MissingParameter")
    _error(api.call("/products/get", drop=("access_token",))[1], "MissingParameter")
    _error(api.call("/products/get", token="not-a-token")[1], "IllegalAccessToken")
    body = api.call("/products/get", after_signing={"app_key": "999"})[1]
    _error(body, "InvalidAppKey")


def test_the_timestamp_must_be_within_7200_seconds(api: Api, sandbox: LazadaSandbox) -> None:
    now_ms = int(sandbox.clock.now() * 1000)
    assert api.call("/products/get", timestamp=str(now_ms - 7_000_000))[1]["code"] == "0"
    _error(api.call("/products/get", timestamp=str(now_ms - 7_300_000))[1], "InvalidTimestamp")
    _error(api.call("/products/get", timestamp=str(now_ms + 7_300_000))[1], "InvalidTimestamp")
    stamp = datetime.fromtimestamp(sandbox.clock.now(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert api.call("/products/get", timestamp=stamp)[1]["code"] == "0"  # ISO also accepted


def test_paths_and_methods(api: Api) -> None:
    status, body = api.call("/no/such/api")
    assert status == 404 and body["code"] == "InvalidApiPath"
    status, body = api.call(
        "/orders/get", {"created_after": "2024-01-01T00:00:00+07:00"}, method="POST"
    )
    assert status == 405 and body["code"] == "InvalidMethod"


def test_tokens_expire_and_refresh_tokens_are_used_up(api: Api, sandbox: LazadaSandbox) -> None:
    used = api.refresh_token
    api.login()
    _error(
        api.call("/auth/token/refresh", {"refresh_token": used}, token=None)[1],
        "IllegalRefreshToken",
    )
    sandbox.clock.advance(7 * 86400 + 1)  # access tokens live 7 days (app in test status)
    _error(api.call("/products/get")[1], "IllegalAccessToken")
    body = api.call("/auth/token/refresh", {"refresh_token": api.refresh_token}, token=None)[1]
    assert body["code"] == "0" and body["expires_in"] == 7 * 86400
    left = body["refresh_expires_in"]  # the authorization keeps its end: 30 days, 7 gone
    assert 23 * 86400 - 5 <= left <= 23 * 86400
    assert body["country_user_info_list"][0]["seller_id"] == CREDS["seller_id"]
    api.token, api.refresh_token = body["access_token"], body["refresh_token"]
    assert api.call("/products/get")[1]["code"] == "0"
    sandbox.clock.advance(23 * 86400)  # 30 days after the authorization
    _error(
        api.call("/auth/token/refresh", {"refresh_token": api.refresh_token}, token=None)[1],
        "IllegalRefreshToken",
    )


def test_an_authorization_code_is_exchanged_once(api: Api, sandbox: LazadaSandbox) -> None:
    code = sandbox.issue_auth_code(STORE)
    body = api.call("/auth/token/create", {"code": code}, token=None, method="POST")[1]
    assert body["code"] == "0" and body["country_user_info"][0]["country"] == "id"
    _error(api.call("/auth/token/create", {"code": code}, token=None)[1], "InvalidCode")


def test_throttling_answers_api_call_limit(api: Api, sandbox: LazadaSandbox) -> None:
    sandbox.set_rate_limit(0.5, burst=1)
    assert api.call("/products/get")[1]["code"] == "0"
    status, body = api.call("/products/get")
    assert status == 200
    _error(body, "ApiCallLimit")
    assert (
        body["message"] == "Api access frequency exceeds the limit. this ban will last 1 seconds."
    )
    sandbox.set_rate_limit(0)
    assert api.call("/products/get")[1]["code"] == "0"


def test_injected_faults_look_like_lazada(api: Api, sandbox: LazadaSandbox) -> None:
    sandbox.set_faults(error_rate=1.0, paths=["/orders/"])
    status, body = api.call("/orders/get", {"created_after": "2024-01-01T00:00:00+07:00"})
    assert status == 503
    assert _error(body, "ServiceUnavailable")["type"] == "SYSTEM"
    sandbox.set_faults(throttle_rate=1.0)
    _error(api.call("/products/get")[1], "ApiCallLimit")
    sandbox.set_faults()
    assert sandbox.call_counts()["/orders/get"] == 1


# --- products --------------------------------------------------------------------------------


def _xml(rows: list[dict[str, Any]]) -> str:
    skus = "".join(
        "<Sku>" + "".join(f"<{k}>{v}</{k}>" for k, v in row.items()) + "</Sku>" for row in rows
    )
    return f"<Request><Product><Skus>{skus}</Skus></Product></Request>"


def _create(api: Api, product: dict[str, Any]) -> dict[str, Any]:
    body = api.call(
        "/product/create", {"payload": json.dumps({"Request": {"Product": product}})}, method="POST"
    )[1]
    return body


def _product(*skus: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "PrimaryCategory": SAMPLE_CATEGORY,
        "Attributes": {"name": "Kaos", "brand": "No Brand"},
        "Skus": {"Sku": list(skus)},
        **extra,
    }


def _sku(seller_sku: str, **extra: Any) -> dict[str, Any]:
    return {
        "SellerSku": seller_sku,
        "quantity": 3,
        "price": "35000",
        "package_weight": "0.3",
        "package_length": "10",
        "package_width": "10",
        "package_height": "5",
        **extra,
    }


def test_create_checks_what_lazada_checks(api: Api) -> None:
    variation = {
        "variation1": {
            "name": "Variant",
            "hasImage": False,
            "customize": True,
            "options": {"option": ["M", "L"]},
        }
    }
    created = _create(
        api,
        _product(
            _sku("K-M", saleProp={"Variant": "M"}),
            _sku("K-L", saleProp={"Variant": "L"}),
            variation=variation,
        ),
    )
    assert created["code"] == "0"
    assert [s["seller_sku"] for s in created["data"]["sku_list"]] == ["K-M", "K-L"]

    refusals = {
        "4135": _product(_sku("K-M")),  # SellerSku already listed
        "4105": _product(_sku("X"), _sku("X")),
        "4113": _product(_sku("Y1"), _sku("Y2")),  # two SKUs, no sales attribute
        "4118": _product(_sku("Z", price="0")),
        "4104": _product(_sku("Z", price="100.5")),
        "4108": _product(_sku("Z", package_weight="")),
        "SKU_VARIATION_OPTION_NOT_EXIST": _product(
            _sku("V1", saleProp={"Variant": "XL"}), variation=variation
        ),
        "VARIATION_OPTION_LENGTH_LIMIT": _product(
            _sku("V2", saleProp={"Variant": "x" * 21}),
            variation={
                "variation1": {
                    "name": "Variant",
                    "customize": True,
                    "options": {"option": ["x" * 21]},
                }
            },
        ),
        "VARIATION_CATEGORY_ATTRIBUTE_INVALID": _product(_sku("V3", saleProp={"flavour": "pedas"})),
        "500": _product(_sku("W"), Images={"Image": ["https://elsewhere.example/a.jpg"]}),
    }
    for code, product in refusals.items():
        _error(_create(api, product), code)


def test_create_takes_an_xml_payload(api: Api) -> None:
    xml = (
        f"<Request><Product><PrimaryCategory>{SAMPLE_CATEGORY}</PrimaryCategory>"
        "<Attributes><name>Topi &amp; Co</name><brand>No Brand</brand></Attributes>"
        "<Skus><Sku><SellerSku>TOPI</SellerSku><quantity>4</quantity><price>25000</price>"
        "<package_weight>0.2</package_weight><package_length>10</package_length>"
        "<package_width>10</package_width><package_height>10</package_height></Sku></Skus>"
        "</Product></Request>"
    )
    body = api.call("/product/create", {"payload": xml}, method="POST")[1]
    assert body["code"] == "0"
    (product,) = api.call("/products/get", {"filter": "all"})[1]["data"]["products"]
    assert product["attributes"]["name"] == "Topi & Co" and product["variation"] == {}
    (sku,) = product["skus"]
    assert (sku["SellerSku"], sku["Available"], sku["price"]) == ("TOPI", 4, 25000.0)


def test_images_must_be_migrated_first(api: Api, images: tuple[str, Any]) -> None:
    base, downloads = images
    body = api.call(
        "/image/migrate",
        {"payload": f"<Request><Image><Url>{base}/img/kaos.png</Url></Image></Request>"},
        method="POST",
    )[1]
    assert body["code"] == "0" and downloads["kaos.png"] == 1
    lazada_url = body["data"]["image"]["url"]
    assert httpx.get(lazada_url, timeout=10).content.startswith(b"\x89PNG")
    assert _create(api, _product(_sku("IMG"), Images={"Image": [lazada_url]}))["code"] == "0"
    missing = api.call(
        "/image/migrate",
        {"payload": f"<Request><Image><Url>{base}/nothing</Url></Image></Request>"},
        method="POST",
    )[1]
    _error(missing, "500")
    assert "MIGRATE_IMAGE_FAILED" in missing["message"]


def test_products_paging_limits(api: Api, sandbox: LazadaSandbox, control: LazadaControl) -> None:
    for n in range(12):
        control.add_listing(STORE, sku=f"P{n:02d}", name=f"P{n}", price=1000, stock=n)
    page = api.call("/products/get", {"filter": "all", "offset": 10, "limit": 50})[1]["data"]
    assert page["total_products"] == 12 and len(page["products"]) == 2
    listed = api.call("/products/get", {"filter": "all", "sku_seller_list": '["P03", "P07"]'})[1]
    assert [p["skus"][0]["SellerSku"] for p in listed["data"]["products"]] == ["P03", "P07"]
    _error(api.call("/products/get", {"limit": 51})[1], "19")
    _error(api.call("/products/get", {"offset": 10_001})[1], "14")
    control.remove_listing(STORE, "P00")
    assert api.call("/products/get", {"filter": "all"})[1]["data"]["total_products"] == 11
    assert api.call("/products/get", {"filter": "deleted"})[1]["data"]["total_products"] == 1
    assert api.call("/products/get", {"filter": "sold-out"})[1]["data"]["total_products"] == 0


def test_stock_and_price_batches(api: Api, sandbox: LazadaSandbox, control: LazadaControl) -> None:
    item = control.add_listing(STORE, sku="A", name="A", price=1000, stock=1)
    control.add_listing(STORE, sku="B", name="B", price=1000, stock=1)
    rows = [
        {"ItemId": item, "SellerSku": "A", "SellableQuantity": 8},
        {"SellerSku": "GHOST", "SellableQuantity": 1},
        {"ItemId": item, "SellerSku": "B", "SellableQuantity": 2},  # B is not in that item
        {"SellerSku": "B", "SellableQuantity": -1},
    ]
    body = api.call("/product/stock/sellable/update", {"payload": _xml(rows)}, method="POST")[1]
    assert _error(body, "501")["message"] == "E501: Update product failed"
    assert body["detail"] == [
        {"field": "SellerSku", "message": "SELLER_SKU_INVALID", "seller_sku": "GHOST"},
        {"field": "SellerSku", "message": "SELLER_SKU_INVALID", "seller_sku": "B"},
        {"field": "SellableQuantity", "message": "SELLABLE_QUANTITY_INVALID", "seller_sku": "B"},
    ]
    stock = {row.sku: row.stock for row in sandbox_listings(sandbox)}
    assert stock == {"A": 8, "B": 1}  # the valid row went through

    many = [{"SellerSku": f"S{n}", "SellableQuantity": 1} for n in range(51)]
    _error(
        api.call("/product/stock/sellable/update", {"payload": _xml(many)}, method="POST")[1], "204"
    )
    prices = [{"SellerSku": f"S{n}", "Price": 1} for n in range(51)]
    _error(
        api.call("/product/price_quantity/update", {"payload": _xml(prices)}, method="POST")[1],
        "4171",
    )
    twice = [{"SellerSku": "A", "Price": 5}, {"SellerSku": "A", "Price": 6}]
    _error(
        api.call("/product/price_quantity/update", {"payload": _xml(twice)}, method="POST")[1],
        "4105",
    )
    _error(
        api.call("/product/price_quantity/update", {"payload": "<Request/>"}, method="POST")[1],
        "30",
    )
    cents: list[dict[str, Any]] = [
        {"SellerSku": "A", "Price": "10.5"},
        {"SellerSku": "B", "Price": 2000},
    ]
    body = api.call("/product/price_quantity/update", {"payload": _xml(cents)}, method="POST")[1]
    assert _error(body, "501")["detail"] == [
        {"field": "Price", "message": "BIZ_CHECK_PRICE_PRECISION_INVALID", "seller_sku": "A"}
    ]


def sandbox_listings(sandbox: LazadaSandbox) -> list[SandboxListing]:
    return LazadaControl(sandbox).listings(STORE)


# --- orders ----------------------------------------------------------------------------------


def _skus_of(api: Api, sku: str) -> dict[str, Any]:
    listed = api.call("/products/get", {"filter": "all", "sku_seller_list": json.dumps([sku])})[1]
    return listed["data"]["products"][0]["skus"][0]["multiWarehouseInventories"][0]


def _fulfil(api: Api, path: str, name: str, request: dict[str, Any]) -> dict[str, Any]:
    body = api.call(path, {name: json.dumps(request)}, method="POST")[1]
    assert body["code"] == "0" and "data" not in body, body  # answered under "result"
    return body["result"]


def test_stock_moves_with_the_order_steps(
    api: Api, sandbox: LazadaSandbox, control: LazadaControl
) -> None:
    control.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=10)
    order_id = sandbox.place_order(STORE, [("KOPI", 2)], paid=False)
    held = _skus_of(api, "KOPI")
    assert (held["sellableQuantity"], held["withholdQuantity"], held["totalQuantity"]) == (8, 2, 10)
    items = api.call("/order/items/get", {"order_id": order_id})[1]["data"]
    ids = [i["order_item_id"] for i in items]
    pack: dict[str, Any] = {
        "pack_order_list": [{"order_id": order_id, "order_item_list": ids}],
        "delivery_type": "dropship",
        "shipping_allocate_type": "TFS",
    }
    result = _fulfil(api, "/order/fulfill/pack", "packReq", pack)
    unpaid = result["data"]["pack_order_list"][0]["order_item_list"]
    assert {(i["item_err_code"], i["msg"]) for i in unpaid} == {
        ("700026", "item current status not allow to pack")
    }

    control.change_order(STORE, str(order_id), "pay")
    assert _skus_of(api, "KOPI")["occupyQuantity"] == 2
    refusals: list[tuple[dict[str, Any], str]] = [
        ({"delivery_type": "pickup"}, "700004"),
        ({"shipping_allocate_type": "NTFS"}, "700013"),
        ({"shipment_provider_code": "FM49"}, "700004"),
        ({"pack_order_list": [{"order_id": order_id, "order_item_list": ids}] * 21}, "700022"),
    ]
    for change, code in refusals:
        refused = _fulfil(api, "/order/fulfill/pack", "packReq", {**pack, **change})
        assert (refused["success"], refused["error_code"]) == (False, code)
    result = _fulfil(api, "/order/fulfill/pack", "packReq", pack)
    packed = result["data"]["pack_order_list"][0]["order_item_list"]
    assert {i["item_err_code"] for i in packed} == {"0"}
    assert len({(i["package_id"], i["tracking_number"]) for i in packed}) == 1  # one parcel
    package, tracking = packed[0]["package_id"], packed[0]["tracking_number"]
    assert tracking.startswith("LEXID") and packed[0]["shipment_provider"] == "LEX ID"
    again = _fulfil(api, "/order/fulfill/pack", "packReq", pack)["data"]["pack_order_list"][0]
    assert {i["item_err_code"] for i in again["order_item_list"]} == {"700026"}

    rts = {"packages": [{"package_id": package}, {"package_id": "FP404"}]}
    answers = _fulfil(api, "/order/package/rts", "readyToShipReq", rts)["data"]["packages"]
    assert [(p["package_id"], p["item_err_code"]) for p in answers] == [
        (package, "0"),
        ("FP404", "700021"),
    ]
    twice = _fulfil(api, "/order/package/rts", "readyToShipReq", {"packages": rts["packages"][:1]})
    assert twice["data"]["packages"][0]["item_err_code"] == "700000"  # no longer packed

    held = _skus_of(api, "KOPI")
    assert (held["sellableQuantity"], held["occupyQuantity"], held["totalQuantity"]) == (8, 0, 8)
    items = api.call("/order/items/get", {"order_id": order_id})[1]["data"]
    assert {(i["status"], i["tracking_code"], i["package_id"]) for i in items} == {
        ("ready_to_ship", tracking, package)
    }
    gone = api.call("/order/rts", {"order_item_ids": json.dumps(ids)}, method="POST")
    assert gone[0] == 404 and gone[1]["code"] == "InvalidApiPath"  # offline since April 2023


def test_orders_paging_and_filters(
    api: Api, sandbox: LazadaSandbox, control: LazadaControl
) -> None:
    control.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=1000)
    placed = [sandbox.place_order(STORE, [("KOPI", 1)]) for _ in range(5)]
    sandbox.clock.advance(3600)
    later = sandbox.place_order(STORE, [("KOPI", 1)], paid=False)
    since = "2020-01-01T00:00:00+07:00"
    page = api.call(
        "/orders/get", {"created_after": since, "sort_direction": "ASC", "limit": 4, "offset": 3}
    )[1]["data"]
    assert (page["count"], page["countTotal"]) == (3, 6)
    assert [int(o["order_id"]) for o in page["orders"]] == [*placed[3:], later]
    unpaid = api.call("/orders/get", {"update_after": since, "status": "unpaid"})[1]["data"]
    assert [int(o["order_id"]) for o in unpaid["orders"]] == [later]
    refusals: list[tuple[dict[str, Any], str]] = [
        ({}, "MissingParameter"),
        ({"created_after": since, "limit": 101}, "19"),
        ({"created_after": since, "offset": 5001}, "14"),
        ({"created_after": "yesterday"}, "17"),
        ({"created_after": since, "status": "lost_in_space"}, "36"),
        ({"created_after": since, "sort_by": "price"}, "75"),
        ({"created_after": since, "sort_direction": "UP"}, "74"),
    ]
    for params, code in refusals:
        _error(api.call("/orders/get", params)[1], code)

    batch = api.call("/orders/items/get", {"order_ids": json.dumps([*placed, 999])})[1]["data"]
    assert [int(o["order_id"]) for o in batch] == placed  # unknown ids left out
    _error(api.call("/orders/items/get", {"order_ids": json.dumps(list(range(51)))})[1], "38")
    _error(api.call("/orders/items/get", {"order_ids": "1,2"})[1], "56")
    _error(api.call("/orders/items/get", {"order_ids": "[999]"})[1], "39")
    _error(api.call("/order/get", {"order_id": 999})[1], "16")


# --- pushes and the buyer simulator ----------------------------------------------------------


def test_every_unit_status_change_is_pushed_signed(
    sandbox: LazadaSandbox, control: LazadaControl, receiver: tuple[str, Received]
) -> None:
    url, received = receiver
    control.set_webhook_url(STORE, url)
    control.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=10)
    order_id = sandbox.place_order(STORE, [("KOPI", 2)], paid=False)
    control.change_order(STORE, str(order_id), "pay")
    assert sandbox.push.flush(5)

    assert len(received) == 4  # two units, two changes each
    for headers, body in received:
        assert signing.verify_webhook(APP_KEY, APP_SECRET, body, headers["authorization"])
        push = json.loads(body)
        assert push["seller_id"] == CREDS["seller_id"] and push["message_type"] == 0
        assert push["data"]["trade_order_id"] == str(order_id)
        assert push["timestamp"] > 10**12  # milliseconds
    assert [json.loads(b)["data"]["order_status"] for _, b in received] == [
        "unpaid",
        "unpaid",
        "pending",
        "pending",
    ]


def test_the_buyer_simulator_places_and_moves_orders(
    sandbox: LazadaSandbox, control: LazadaControl
) -> None:
    control.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=50)
    placed = [sandbox.buyers.step() for _ in range(20)]
    assert all(placed) and sandbox.buyers.placed == 20
    with sandbox.lock:
        orders = sandbox.seller(STORE).orders.values()
        statuses = {item.status for order in orders for item in order.items}
        found = sandbox.seller(STORE).find_sku("KOPI")
        assert found is not None
        total = found[1].total
    assert statuses <= {"unpaid", "pending", "canceled"} and "pending" in statuses
    assert total == 50  # nothing left the warehouse: held, sellable or given back


def test_the_control_api(server: RunningServer, sandbox: LazadaSandbox) -> None:
    base = f"{server.url}/_sandbox"
    store = f"{base}/stores/{STORE}"
    (row,) = httpx.get(f"{base}/stores").json()
    assert (row["name"], row["seller_id"]) == (STORE, CREDS["seller_id"])
    variants = [{"sku": "K-M", "option": "M", "price": 1000, "stock": 3}]
    body = {"sku": "K", "name": "Kaos", "price": 1000, "variants": variants}
    assert httpx.post(f"{store}/listings", json=body).status_code == 201
    assert httpx.post(f"{store}/stock", json={"sku": "K-M", "stock": 5}).json()["stock"] == 5
    (listing,) = httpx.get(f"{store}/listings").json()
    assert (listing["sku"], listing["stock"], listing["price"]) == ("K-M", 5, "1000")
    order = httpx.post(f"{store}/orders", json={"lines": [{"sku": "K-M"}], "paid": False}).json()
    moved = httpx.post(f"{store}/orders/{order['order_id']}/pay").json()
    assert moved["status"] == "pending" and moved["lines"] == [["K-M", 1]]
    refused = httpx.post(f"{store}/orders/{order['order_id']}/return")
    assert refused.status_code == 400 and "cannot return" in refused.json()["detail"]
    assert httpx.post(f"{store}/orders", json={"lines": [{"sku": "NOPE"}]}).status_code == 404
    assert httpx.post(f"{base}/faults", json={"error_rate": 0.5}).json()["error_rate"] == 0.5
    assert httpx.post(f"{base}/faults", json={}).json()["error_rate"] == 0.0
    now = httpx.get(f"{base}/clock").json()["now"]
    assert httpx.post(f"{base}/clock", json={"advance": 60}).json()["now"] >= now + 60
    assert httpx.post(f"{store}/expire_token").json() == {"expired": 0}
    assert httpx.post(f"{store}/auth_code").json()["code"].startswith("0_")
