"""The Shopify sandbox on the wire: auth, paging and batch limits, throttles, fulfilment rules,
webhooks and the OAuth token exchange."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from lapak.connectors.shopify import signing
from lapak.connectors.shopify.stock import SET_QUANTITIES
from lapak.sandboxes.shopify import ShopifyControl, ShopifySandbox, api_graphql

from tests.connectors.conftest import Received
from tests.connectors.shopify.conftest import API, CREDENTIALS, DOMAIN, SECRET, STORE, TOKEN

INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"


def _quantities(sandbox: ShopifySandbox, stock: dict[str, int]) -> list[dict[str, Any]]:
    """inventorySetQuantities input for SKUs of the shop (an unknown SKU: item id 1)."""
    shop = sandbox.store(STORE)
    quantities = []
    for sku, quantity in stock.items():
        found = shop.catalog.find_sku(sku)
        item = found.variant.inventory_item_id if found else 1
        quantities.append(
            {
                "inventoryItemId": f"gid://shopify/InventoryItem/{item}",
                "locationId": f"gid://shopify/Location/{shop.location_id}",
                "quantity": quantity,
            }
        )
    return quantities


def _set(http: httpx.Client, quantities: list[dict[str, Any]], **extra: Any) -> httpx.Response:
    data = {"name": "available", "reason": "correction", "ignoreCompareQuantity": True}
    variables = {"input": {**data, **extra, "quantities": quantities}}
    return http.post(f"{API}/graphql.json", json={"query": SET_QUANTITIES, "variables": variables})


def _stock(control: ShopifyControl) -> dict[str, int]:
    return {row.sku: row.stock for row in control.listings(STORE)}


# --- auth ----------------------------------------------------------------------------------


def test_a_missing_wrong_or_revoked_token_is_refused_with_shopifys_401(
    http: httpx.Client, sandbox: ShopifySandbox
) -> None:
    assert http.get(f"{API}/shop.json").status_code == 200
    for headers in ({"X-Shopify-Access-Token": "shpat_wrong"}, {"X-Shopify-Access-Token": ""}):
        refused = http.get(f"{API}/shop.json", headers=headers)
        assert (refused.status_code, refused.json()) == (401, {"errors": INVALID_TOKEN})
    sandbox.revoke_token(STORE)
    assert http.get(f"{API}/products.json").status_code == 401
    assert http.get("/admin/api/2025-1/shop.json").status_code == 404  # not a version


def form_of(code: str) -> dict[str, str]:
    return {"client_id": CREDENTIALS["client_id"], "client_secret": SECRET, "code": code}


def test_the_oauth_code_is_exchanged_once_for_the_offline_token(
    http: httpx.Client, sandbox: ShopifySandbox
) -> None:
    code = sandbox.issue_auth_code(STORE)
    callback = {"code": code, "shop": DOMAIN, "state": "n0nce", "timestamp": str(int(time.time()))}
    callback["hmac"] = signing.oauth_hmac(SECRET, callback)
    assert signing.verify_oauth_callback(SECRET, callback, time.time())

    wrong = http.post("/admin/oauth/access_token", data={"code": code, "client_secret": "x"})
    assert wrong.status_code == 400
    code = sandbox.issue_auth_code(STORE)
    assert http.post("/admin/oauth/access_token", data={**form_of(code), "client_id": "x"}).is_error
    code = sandbox.issue_auth_code(STORE)
    form = form_of(code)
    granted = http.post("/admin/oauth/access_token", data=form)
    assert granted.status_code == 200
    assert granted.json()["access_token"] == TOKEN and "write_inventory" in granted.json()["scope"]
    assert http.post("/admin/oauth/access_token", data=form).json()["error"] == "invalid_request"


# --- paging and batch limits --------------------------------------------------------------------


def test_products_page_by_link_header_and_page_info_refuses_other_filters(
    http: httpx.Client, control: ShopifyControl
) -> None:
    made = [control.add_listing(STORE, sku=f"S{n}", name=f"B{n}", price=100) for n in range(5)]
    seen: list[str] = []
    response = http.get(f"{API}/products.json", params={"limit": 2, "fields": "id,title"})
    pages = 0
    while True:
        pages += 1
        assert set(response.json()["products"][0]) == {"id", "title"}
        assert response.headers["X-Shopify-Shop-Api-Call-Limit"].endswith("/40")
        seen += [str(p["id"]) for p in response.json()["products"]]
        if "next" not in response.links:
            break
        url = response.links["next"]["url"]
        assert "limit=2" in url and "fields=id,title" in url
        response = http.get(url)
    assert pages == 3 and seen == made

    first = http.get(f"{API}/products.json", params={"limit": 2, "since_id": 0})
    info = httpx.URL(first.links["next"]["url"]).params["page_info"]
    refused = http.get(f"{API}/products.json", params={"page_info": info, "since_id": 0})
    assert refused.status_code == 400
    assert refused.json() == {
        "errors": {"since_id": "since_id cannot be passed when page_info is present."}
    }
    assert http.get(f"{API}/products.json", params={"page_info": "garbage"}).status_code == 400
    assert http.get(f"{API}/products.json", params={"limit": 251}).status_code == 400


def test_orders_list_open_ones_unless_status_any_within_an_updated_window(
    http: httpx.Client, control: ShopifyControl, sandbox: ShopifySandbox
) -> None:
    control.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=100)
    early = control.place_order(STORE, [("KOPI", 1)])
    cancelled = control.place_order(STORE, [("KOPI", 1)])
    control.change_order(STORE, cancelled, "cancel")
    sandbox.clock.advance(7200)
    late = control.place_order(STORE, [("KOPI", 1)])

    def ids(**params: Any) -> list[str]:
        response = http.get(f"{API}/orders.json", params={"fields": "id", **params})
        return [str(o["id"]) for o in response.json()["orders"]]

    assert ids() == [late, early]  # newest first, open only
    assert ids(status="any") == [late, cancelled, early]
    window = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(sandbox.clock.now() - 3600))
    assert ids(status="any", updated_at_min=window) == [late]
    assert ids(status="any", updated_at_max=window) == [cancelled, early]
    assert ids(status="any", ids=f"{early},{late}") == [late, early]
    assert http.get(f"{API}/orders.json", params={"status": "gone"}).status_code == 400


def test_the_stock_mutation_holds_250_quantities_and_is_all_or_nothing(
    http: httpx.Client, control: ShopifyControl, sandbox: ShopifySandbox
) -> None:
    for sku in ("A", "B", "C"):
        control.add_listing(STORE, sku=sku, name=sku, price=100, stock=1)

    too_many = _set(http, _quantities(sandbox, {"A": 1}) * 251).json()
    assert too_many["errors"][0]["extensions"]["code"] == "MAX_INPUT_SIZE_EXCEEDED"
    assert "251 is greater than the maximum allowed of 250" in too_many["errors"][0]["message"]

    answer = _set(http, _quantities(sandbox, {"A": 5, "GONE": 2, "C": 7})).json()
    payload = answer["data"]["inventorySetQuantities"]
    assert payload["inventoryAdjustmentGroup"] is None
    assert payload["userErrors"] == [
        {
            "code": "INVALID_INVENTORY_ITEM",
            "field": ["input", "quantities", "1", "inventoryItemId"],
            "message": "The specified inventory item could not be found.",
        }
    ]
    assert _stock(control) == {"A": 1, "B": 1, "C": 1}  # nothing applied

    stale = _set(http, _quantities(sandbox, {"A": 5}), ignoreCompareQuantity=False).json()
    codes = [e["code"] for e in stale["data"]["inventorySetQuantities"]["userErrors"]]
    assert codes == ["COMPARE_QUANTITY_REQUIRED"]
    twice = _set(http, _quantities(sandbox, {"A": 5}) * 2).json()
    codes = [e["code"] for e in twice["data"]["inventorySetQuantities"]["userErrors"]]
    assert codes == ["NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR"]
    assert (
        _set(http, _quantities(sandbox, {"A": 5}), reason="whim").json()["data"][
            "inventorySetQuantities"
        ]["userErrors"][0]["code"]
        == "INVALID_REASON"
    )

    done = _set(http, _quantities(sandbox, {"A": 5, "B": 0, "C": 7})).json()
    assert done["data"]["inventorySetQuantities"]["userErrors"] == []
    assert _stock(control) == {"A": 5, "B": 0, "C": 7}


def test_with_all_or_nothing_off_the_valid_quantities_apply(
    http: httpx.Client,
    control: ShopifyControl,
    sandbox: ShopifySandbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(api_graphql, "ALL_OR_NOTHING", False)
    control.add_listing(STORE, sku="A", name="A", price=100, stock=1)
    payload = _set(http, _quantities(sandbox, {"A": 4, "GONE": 2})).json()["data"][
        "inventorySetQuantities"
    ]
    assert payload["inventoryAdjustmentGroup"]["changes"][0]["quantityAfterChange"] == 4
    assert [e["field"][2] for e in payload["userErrors"]] == ["1"]
    assert _stock(control) == {"A": 4}


def test_an_unknown_graphql_field_is_a_graphql_error(http: httpx.Client) -> None:
    answer = http.post(f"{API}/graphql.json", json={"query": "{ shop { id } }"}).json()
    assert answer["errors"][0]["extensions"]["code"] == "undefinedField"
    assert "cost" in answer["extensions"]


# --- throttles -----------------------------------------------------------------------------


def test_rest_throttle_is_a_429_with_retry_after_and_a_full_call_limit(
    http: httpx.Client, sandbox: ShopifySandbox
) -> None:
    sandbox.set_rate_limit(2, burst=3)
    limits = [
        http.get(f"{API}/shop.json").headers["X-Shopify-Shop-Api-Call-Limit"] for _ in range(3)
    ]
    assert limits == ["1/3", "2/3", "3/3"]
    throttled = http.get(f"{API}/shop.json")
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "0.5"
    assert throttled.headers["X-Shopify-Shop-Api-Call-Limit"] == "3/3"
    assert throttled.json()["errors"].startswith("Exceeded 2 calls per second for api client.")


def test_graphql_throttle_is_a_200_with_throttled_and_the_bucket(
    http: httpx.Client, control: ShopifyControl, sandbox: ShopifySandbox
) -> None:
    control.add_listing(STORE, sku="A", name="A", price=100, stock=1)
    sandbox.set_rate_limit(0.01, burst=1)  # 50 points, restoring 0.5 per second
    quantities = _quantities(sandbox, {"A": 3})
    for _ in range(5):
        assert "data" in _set(http, quantities).json()
    throttled = _set(http, quantities)
    assert throttled.status_code == 200
    body = throttled.json()
    assert body["errors"] == [
        {
            "message": "Throttled",
            "extensions": {
                "code": "THROTTLED",
                "documentation": "https://shopify.dev/api/usage/rate-limits",
            },
        }
    ]
    status = body["extensions"]["cost"]["throttleStatus"]
    assert (status["maximumAvailable"], status["restoreRate"]) == (50.0, 0.5)
    assert (
        status["currentlyAvailable"] < 10 and body["extensions"]["cost"]["actualQueryCost"] is None
    )


def test_injected_faults_take_each_apis_own_shape(http: httpx.Client, sandbox: ShopifySandbox):
    sandbox.set_faults(throttle_rate=1.0)
    rest = http.get(f"{API}/shop.json")
    assert rest.status_code == 429 and float(rest.headers["Retry-After"]) > 0
    graphql = _set(http, [])
    assert graphql.status_code == 200
    assert graphql.json()["errors"][0]["extensions"]["code"] == "THROTTLED"
    sandbox.set_faults(error_rate=1.0)
    assert http.get(f"{API}/shop.json").status_code == 500
    sandbox.set_faults()
    assert http.get(f"{API}/shop.json").status_code == 200
    assert sandbox.call_counts()[f"{API}/shop.json"] == 3


# --- orders, fulfilments, webhooks --------------------------------------------------------------


def test_a_fulfilment_closes_the_fulfillment_order_and_a_second_is_refused(
    http: httpx.Client, control: ShopifyControl
) -> None:
    control.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=10)
    order = control.place_order(STORE, [("KOPI", 2)])
    fos = http.get(f"{API}/orders/{order}/fulfillment_orders.json").json()["fulfillment_orders"]
    assert [(fo["status"], fo["line_items"][0]["fulfillable_quantity"]) for fo in fos] == [
        ("open", 2)
    ]
    body = {
        "fulfillment": {
            "line_items_by_fulfillment_order": [{"fulfillment_order_id": fos[0]["id"]}],
            "tracking_info": {"number": "SICEPAT1", "company": "SiCepat"},
        }
    }
    created = http.post(f"{API}/fulfillments.json", json=body)
    assert created.status_code == 201
    assert created.json()["fulfillment"]["tracking_number"] == "SICEPAT1"
    again = http.post(f"{API}/fulfillments.json", json=body)
    assert again.status_code == 422
    assert again.json() == {
        "errors": [f"Fulfillment order {fos[0]['id']} has an unfulfillable status= closed."]
    }
    missing = http.post(f"{API}/fulfillments.json", json={"fulfillment": {}})
    assert missing.json() == {"errors": {"fulfillment": "Required parameter missing or invalid"}}
    assert _stock(control) == {"KOPI": 8}  # shipping does not move `available`


def test_webhooks_carry_shopifys_headers_and_hmac(
    control: ShopifyControl, receiver: tuple[str, Received]
) -> None:
    url, received = receiver
    control.set_webhook_url(STORE, url)
    control.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=10)
    order = control.place_order(STORE, [("KOPI", 1)], paid=False)
    control.change_order(STORE, order, "pay")
    control.change_order(STORE, order, "cancel")
    assert control.flush_webhooks(5)

    topics = [headers["x-shopify-topic"] for headers, _ in received]
    assert topics == ["orders/create", "orders/paid", "orders/cancelled"]
    for headers, body in received:
        assert signing.verify_webhook(SECRET, body, headers["x-shopify-hmac-sha256"])
        assert headers["x-shopify-shop-domain"] == DOMAIN
        assert headers["x-shopify-api-version"] == "2025-01"
        assert headers["x-shopify-webhook-id"] and headers["x-shopify-triggered-at"]
    assert len({headers["x-shopify-webhook-id"] for headers, _ in received}) == 3
    assert _stock(control) == {"KOPI": 10}  # the cancellation restocked


# --- control API, buyers ---------------------------------------------------------------------


def test_the_control_api_and_the_buyer_simulator(
    server: Any, sandbox: ShopifySandbox, control: ShopifyControl
) -> None:
    with httpx.Client(base_url=f"{server.url}/_sandbox", timeout=10) as ctl:
        made = ctl.post(
            f"/shops/{STORE}/listings",
            json={"sku": "KOPI", "name": "Kopi", "price": 30000, "stock": 50},
        )
        assert made.status_code == 201
        assert ctl.post(f"/shops/{STORE}/stock", json={"sku": "KOPI", "stock": 40}).is_success
        assert ctl.get(f"/shops/{STORE}/listings").json()[0]["stock"] == 40
        placed = ctl.post(
            f"/shops/{STORE}/orders", json={"lines": [{"sku": "KOPI"}], "paid": False}
        )
        order_id = placed.json()["order_id"]
        paid = ctl.post(f"/shops/{STORE}/orders/{order_id}/pay").json()
        assert paid["status"] == "paid/unfulfilled"
        assert ctl.post(f"/shops/{STORE}/orders/{order_id}/complete").status_code == 400
        short = ctl.post(
            f"/shops/{STORE}/orders", json={"lines": [{"sku": "KOPI", "quantity": 99}]}
        )
        assert short.status_code == 409
        assert ctl.post("/shops/nobody/orders", json={}).status_code == 404
        assert ctl.post("/faults", json={"error_rate": 0.5}).json()["error_rate"] == 0.5
        assert ctl.post("/faults", json={}).json()["error_rate"] == 0.0
        assert ctl.get("/shops").json()[0]["orders"] == 1

    before = len(sandbox.store(STORE).orders)
    for _ in range(20):
        sandbox.buyers.step()
    orders = sandbox.store(STORE).orders.values()
    assert len(orders) > before
    assert {o.status for o in orders} >= {"paid"}  # the financial_status
    assert sum(line.quantity for o in orders if not o.cancelled_at for line in o.lines) == (
        40 - control.listings(STORE)[0].stock
    )


def test_a_handle_is_made_from_the_title_and_free_again_once_its_product_is_deleted(
    control: ShopifyControl, sandbox: ShopifySandbox
) -> None:
    def handles() -> dict[str, str]:
        products = sandbox.store(STORE).products.values()
        return {product.skus[0].sku: product.handle for product in products}

    for sku in ("KOPI-1", "KOPI-2"):
        control.add_listing(STORE, sku=sku, name="Kopi Gayo 250 g", price=65_000, stock=3)
    assert handles() == {"KOPI-1": "kopi-gayo-250-g", "KOPI-2": "kopi-gayo-250-g-2"}
    control.remove_listing(STORE, "KOPI-1")
    control.add_listing(STORE, sku="KOPI-3", name="Kopi Gayo 250 g", price=65_000, stock=3)
    assert handles() == {"KOPI-2": "kopi-gayo-250-g-2", "KOPI-3": "kopi-gayo-250-g"}
