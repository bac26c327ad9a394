"""The Shopee sandbox over real HTTP: signing, timestamps, tokens and the catalog APIs."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.connectors.shopee.sandbox_client import (
    OTHER_SHOP_ID,
    PARTNER_ID,
    SHOP_ID,
    Shopee,
    add_item_body,
    error_of,
    model_ids,
    running_sandbox,
    with_variants,
)


@pytest.fixture
def shopee() -> Iterator[Shopee]:
    with running_sandbox() as client:
        yield client


# --- signing, timestamps, tokens -----------------------------------------------------------


def test_signed_call_succeeds_and_bad_sign_or_stale_timestamp_is_refused(shopee: Shopee):
    path = "/api/v2/logistics/get_channel_list"
    ok = shopee.get(path)
    assert ok.status_code == 200
    assert ok.json()["error"] == ""
    assert ok.json()["response"]["logistics_channel_list"]

    query = shopee.query(path, token=shopee.access_token) | {"sign": "0" * 64}
    assert error_of(shopee.http.get(path, params=query)) == (403, "error_sign", "Wrong sign.")

    stale = shopee.query(path, token=shopee.access_token, ts=shopee.sandbox.clock.now_s() - 301)
    assert error_of(shopee.http.get(path, params=stale)) == (
        400,
        "error_param",
        "Invalid timestamp",
    )

    unknown = shopee.query(path, token=shopee.access_token) | {"partner_id": 999}
    assert error_of(shopee.http.get(path, params=unknown))[1:] == (
        "error_param",
        "Invalid partner_id.",
    )
    missing = shopee.query(path, token=shopee.access_token)
    del missing["access_token"]
    assert (
        error_of(shopee.http.get(path, params=missing))[2] == "There is no access_token in query."
    )


def test_refresh_token_is_single_use_and_old_access_token_lives_five_minutes(shopee: Shopee):
    first_access, first_refresh = shopee.access_token, shopee.refresh_token
    assert shopee.refresh("initial-refresh-a").json()["error"] == "error_auth"  # used up
    refreshed = shopee.refresh(first_refresh)
    assert refreshed.status_code == 200
    assert refreshed.json()["expire_in"] == 14400
    assert refreshed.json()["shop_id"] == SHOP_ID
    assert shopee.refresh(first_refresh).json()["message"] == "Invalid refresh_token."

    path = "/api/v2/logistics/get_channel_list"
    assert shopee.get(path, token=first_access).status_code == 200
    shopee.sandbox.clock.advance(301)
    assert error_of(shopee.get(path, token=first_access)) == (
        403,
        "error_auth",
        "Invalid access_token.",
    )
    assert shopee.get(path).status_code == 200


def test_access_token_dies_after_four_hours_or_when_expired_by_control(shopee: Shopee):
    path = "/api/v2/logistics/get_channel_list"
    shopee.sandbox.clock.advance(4 * 3600 + 1)
    assert error_of(shopee.get(path))[1] == "error_auth"
    assert shopee.refresh(shopee.refresh_token).status_code == 200
    assert shopee.get(path).status_code == 200
    response = shopee.http.post(f"/_sandbox/shops/{SHOP_ID}/expire_token")
    assert response.json() == {"expired": 1}
    assert error_of(shopee.get(path))[1] == "error_auth"


def test_authorization_code_is_exchanged_once(shopee: Shopee):
    path = "/api/v2/auth/token/get"
    code = shopee.http.post(f"/_sandbox/shops/{SHOP_ID}/auth_code").json()["code"]
    body = {"code": code, "shop_id": SHOP_ID, "partner_id": PARTNER_ID}
    first = shopee.http.post(path, params=shopee.query(path, token=None), json=body)
    assert first.status_code == 200 and first.json()["access_token"]
    again = shopee.http.post(path, params=shopee.query(path, token=None), json=body)
    assert error_of(again) == (403, "error_auth", "Invalid code")


def test_consent_page_lets_a_partner_shop_authorize(shopee: Shopee):
    path = "/api/v2/shop/auth_partner"
    link = shopee.query(path, token=None) | {"redirect": "http://app.test/back?x=1"}
    page = shopee.http.get(path, params=link)
    assert page.status_code == 200 and "toko-a" in page.text and "toko-b" in page.text
    form = {**{k: str(v) for k, v in link.items()}, "shop": str(OTHER_SHOP_ID)}
    back = shopee.http.post(path, data=form)
    assert back.status_code == 303
    query = dict(httpx.URL(back.headers["location"]).params)
    assert query["x"] == "1" and query["shop_id"] == str(OTHER_SHOP_ID) and query["code"]
    assert shopee.http.post(path, data={**form, "shop": "1"}).status_code == 404
    bad_sign = shopee.http.get(path, params=link | {"sign": "0" * 64})
    assert bad_sign.status_code == 400 and "error_sign" in bad_sign.text


# --- catalog --------------------------------------------------------------------------------


def test_get_item_list_pages_by_offset(shopee: Shopee):
    for n in range(25):
        shopee.sandbox.add_listing(SHOP_ID, sku=f"SKU-{n}", name=f"Item {n}", price=1000, stock=n)
    hidden = shopee.sandbox.add_listing(SHOP_ID, sku="HIDDEN", name="Hidden", price=1000)
    shopee.sandbox.store(SHOP_ID).catalog.listings[hidden].status = "UNLIST"
    path = "/api/v2/product/get_item_list"
    seen, offset = [], 0
    while True:
        page = shopee.get(path, offset=offset, page_size=10, item_status="NORMAL").json()[
            "response"
        ]
        assert page["total_count"] == 25
        seen += [entry["item_id"] for entry in page["item"]]
        if not page["has_next_page"]:
            break
        offset = page["next_offset"]
    assert len(seen) == len(set(seen)) == 25
    both = shopee.get(path, offset=0, page_size=100, item_status="NORMAL,UNLIST").json()
    assert both["response"]["total_count"] == 26
    too_big = shopee.get(path, offset=0, page_size=101, item_status="NORMAL")
    assert error_of(too_big)[:2] == (400, "product.error_param")
    no_status = shopee.get(path, offset=0, page_size=10)
    assert error_of(no_status)[2] == "invalid field ItemStatus: value must  Not Null"


def test_add_item_requires_fields_and_integer_prices(shopee: Shopee):
    image_id = shopee.upload_image()
    path = "/api/v2/product/add_item"
    created = shopee.post(path, add_item_body(image_id))
    assert created.status_code == 200, created.text
    item_id = created.json()["response"]["item_id"]
    (url,) = created.json()["response"]["images"]["image_url_list"]
    served = shopee.http.get(url)
    assert served.headers["content-type"] == "image/png" and served.content.startswith(b"\x89PNG")
    assert shopee.http.get("/_sandbox/uploads/nope").status_code == 404

    body = add_item_body(image_id)
    del body["item_name"]
    assert error_of(shopee.post(path, body)) == (
        400,
        "product.error_param",
        "invalid field ItemName: value must  Not Null",
    )
    no_image = shopee.post(path, add_item_body("nope"))
    assert error_of(no_image)[1:] == ("product.error_param", "Image not exist.")
    decimal = shopee.post(path, add_item_body(image_id, original_price=15000.5))
    assert error_of(decimal)[1] == "error_invalid_price"
    bad_channel = shopee.post(
        path, add_item_body(image_id, logistic_info=[{"logistic_id": 1, "enabled": True}])
    )
    assert error_of(bad_channel)[1] == "product.error_param"

    info = shopee.get("/api/v2/product/get_item_base_info", item_id_list=f"{item_id},999")
    (item,) = info.json()["response"]["item_list"]
    assert item["item_sku"] == "KAOS-01" and item["has_model"] is False
    assert item["price_info"][0] == {
        "currency": "IDR",
        "original_price": 150000,
        "current_price": 150000,
    }
    assert item["stock_info_v2"]["summary_info"]["total_available_stock"] == 12
    too_many = ",".join(str(n) for n in range(51))
    assert (
        error_of(shopee.get("/api/v2/product/get_item_base_info", item_id_list=too_many))[0] == 400
    )


def test_init_tier_variation_creates_models(shopee: Shopee):
    image_id = shopee.upload_image()
    item_id = shopee.post("/api/v2/product/add_item", add_item_body(image_id)).json()["response"][
        "item_id"
    ]
    path = "/api/v2/product/init_tier_variation"
    body = {
        "item_id": item_id,
        "tier_variation": [{"name": "Ukuran", "option_list": [{"option": "S"}, {"option": "M"}]}],
        "model": [
            {
                "tier_index": [0],
                "original_price": 150000,
                "model_sku": "KAOS-S",
                "seller_stock": [{"stock": 4}],
            },
            {
                "tier_index": [1],
                "original_price": 160000,
                "model_sku": "KAOS-M",
                "seller_stock": [{"stock": 6}],
            },
        ],
    }
    bad_index = body | {"model": [body["model"][0] | {"tier_index": [2]}]}
    assert error_of(shopee.post(path, bad_index))[2] == "Model tier_index error."
    three = body | {"tier_variation": body["tier_variation"] * 3}
    assert error_of(shopee.post(path, three))[2] == "The level of tier-variation over 2."

    created = shopee.post(path, body).json()["response"]
    assert [m["model_sku"] for m in created["model"]] == ["KAOS-S", "KAOS-M"]
    models = shopee.get("/api/v2/product/get_model_list", item_id=item_id).json()["response"]
    assert models["tier_variation"][0]["name"] == "Ukuran"
    stocks = {
        m["model_sku"]: m["stock_info_v2"]["seller_stock"][0]["stock"] for m in models["model"]
    }
    assert stocks == {"KAOS-S": 4, "KAOS-M": 6}
    info = shopee.get("/api/v2/product/get_item_base_info", item_id_list=item_id).json()
    assert "price_info" not in info["response"]["item_list"][0]


def test_update_stock_limits_batch_and_reports_each_model(shopee: Shopee):
    item_id = with_variants(shopee)
    models = model_ids(shopee, item_id)
    path = "/api/v2/product/update_stock"
    too_many = [{"model_id": n, "seller_stock": [{"stock": 1}]} for n in range(51)]
    refused = shopee.post(path, {"item_id": item_id, "stock_list": too_many})
    assert error_of(refused)[:2] == (400, "product.error_param")

    stock_list = [
        {"model_id": models[0], "seller_stock": [{"stock": 9}]},
        {"model_id": 424242, "seller_stock": [{"stock": 1}]},
    ]
    result = shopee.post(path, {"item_id": item_id, "stock_list": stock_list}).json()
    assert result["error"] == ""
    assert result["response"]["success_list"] == [
        {"model_id": models[0], "location_id": "", "stock": 9}
    ]
    assert result["response"]["failure_list"] == [
        {"model_id": 424242, "failed_reason": "Wrong model_id."}
    ]
    assert shopee.sandbox.stock_of(SHOP_ID, "TEE-S") == 9
    unknown = shopee.post(path, {"item_id": 1, "stock_list": stock_list[:1]})
    assert error_of(unknown) == (404, "error_item_not_found", "Item_id is not found.")


def test_update_price_takes_whole_rupiah_only(shopee: Shopee):
    item_id = with_variants(shopee)
    small, medium = model_ids(shopee, item_id)
    price_list = [
        {"model_id": small, "original_price": 125000},
        {"model_id": medium, "original_price": 125000.5},
        {"model_id": 0, "original_price": 1000},
    ]
    response = shopee.post(
        "/api/v2/product/update_price", {"item_id": item_id, "price_list": price_list}
    )
    body = response.json()["response"]
    assert body["success_list"] == [{"model_id": small, "original_price": 125000}]
    reasons = {f["model_id"]: f["failed_reason"] for f in body["failure_list"]}
    assert reasons == {
        medium: "Invalid price, please use the correct format",
        0: "Can't edit item price directly while item has models.",
    }
