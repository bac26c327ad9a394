"""The WooCommerce sandbox on the wire: authentication, parameters, batches, catalog rules,
throttling and faults, as WooCommerce answers them."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette

from tests.connectors.woocommerce.sandbox_client import (
    KEY,
    SECRET,
    STORE,
    Signed,
    make_app,
    refusal,
)

AUTH = "woocommerce_rest_authentication_error"


@pytest.fixture
def app() -> Iterator[Starlette]:
    app = make_app()
    yield app
    app.state.control.close()


@pytest.fixture
def woo(app: Starlette) -> Iterator[Signed]:
    client = Signed(app)
    yield client
    client.close()


# --- authentication -------------------------------------------------------------------------


def test_oauth_refusals_have_woocommerces_codes_and_messages(woo: Signed) -> None:
    assert woo.call("GET", "/products").status_code == 200
    cases = [
        (
            woo.call("GET", "/products", secret=SECRET + "x"),
            AUTH,
            "Invalid signature - provided signature does not match.",
        ),
        (woo.call("GET", "/products", key=KEY + "x"), AUTH, "Consumer key is invalid."),
    ]
    query = woo.query("GET", "/products")
    del query["oauth_nonce"]
    cases.append(
        (
            woo.raw("GET", "/products", params=query),
            "woocommerce_rest_authentication_missing_parameter",
            "Missing OAuth parameter oauth_nonce",
        )
    )
    query = woo.query("GET", "/products")
    query["oauth_signature_method"] = "PLAINTEXT"
    cases.append(
        (
            woo.raw("GET", "/products", params=query),
            AUTH,
            "Invalid signature - signature method is invalid.",
        )
    )
    for response, code, message in cases:
        assert refusal(response) == (401, code, message)


def test_the_timestamp_must_be_within_fifteen_minutes(woo: Signed) -> None:
    now = woo.now()
    for skew in (-15 * 60 - 5, 15 * 60 + 5):
        response = woo.call("GET", "/products", timestamp=now + skew)
        assert refusal(response) == (401, AUTH, "Invalid timestamp.")
    for skew in (-14 * 60, 14 * 60):
        assert woo.call("GET", "/products", timestamp=now + skew).status_code == 200


def test_a_nonce_is_refused_the_second_time(woo: Signed) -> None:
    query = woo.query("GET", "/products", nonce="0123456789abcdef0123456789abcdef")
    assert woo.raw("GET", "/products", params=query).status_code == 200
    again = woo.raw("GET", "/products", params=query)
    assert refusal(again) == (401, AUTH, "Invalid nonce - nonce has already been used.")


def test_woocommerce_remembers_one_nonce_per_second(woo: Signed) -> None:
    """`$used_nonces[ $timestamp ] = $nonce`: a second request signed in the same second
    replaces the first's nonce, so the first can then be replayed (WooCommerce's quirk)."""
    second = woo.now()
    first = woo.query("GET", "/products", timestamp=second, nonce="a" * 32)
    later = woo.query("GET", "/products", timestamp=second, nonce="b" * 32)
    assert woo.raw("GET", "/products", params=first).status_code == 200
    assert woo.raw("GET", "/products", params=later).status_code == 200
    assert woo.raw("GET", "/products", params=first).status_code == 200
    assert woo.raw("GET", "/products", params=first).status_code == 401


def test_without_credentials_each_route_refuses_with_its_permission_error(woo: Signed) -> None:
    assert refusal(woo.raw("GET", "/products")) == (
        401,
        "woocommerce_rest_cannot_view",
        "Sorry, you cannot list resources.",
    )
    assert refusal(woo.raw("POST", "/products", json={"name": "x"}))[1] == (
        "woocommerce_rest_cannot_create"
    )
    assert (
        refusal(woo.raw("POST", "/products/batch", json={}))[1] == "woocommerce_rest_cannot_batch"
    )
    assert refusal(woo.raw("PUT", "/orders/5", json={}))[1] == "woocommerce_rest_cannot_edit"


def test_over_https_basic_auth_is_used_and_a_wrong_secret_refused(app: Starlette) -> None:
    secure = Signed(app, https=True)
    try:
        assert secure.call("GET", "/products").status_code == 200
        by_query = secure.raw(
            "GET", "/products", params={"consumer_key": KEY, "consumer_secret": SECRET}
        )
        assert by_query.status_code == 200
        wrong = secure.raw("GET", "/products", auth=(KEY, SECRET + "x"))
        assert refusal(wrong) == (401, AUTH, "Consumer secret is invalid.")
        assert wrong.headers["WWW-Authenticate"].startswith('Basic realm="WooCommerce API.')
        unknown = secure.raw("GET", "/products", auth=(KEY + "x", SECRET))
        assert refusal(unknown)[1] == "woocommerce_rest_cannot_view"
    finally:
        secure.close()
    plain = Signed(app)
    try:  # over plain http WooCommerce does not even look at Basic credentials
        response = plain.raw("GET", "/products", auth=(KEY, SECRET))
        assert refusal(response)[1] == "woocommerce_rest_cannot_view"
    finally:
        plain.close()


# --- parameters and routes ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "name", "detail"),
    [
        (
            {"per_page": 101},
            "per_page",
            "per_page must be between 1 (inclusive) and 100 (inclusive)",
        ),
        ({"per_page": 0}, "per_page", "per_page must be between 1 (inclusive) and 100 (inclusive)"),
        ({"page": 0}, "page", "page must be greater than or equal to 1"),
        ({"orderby": "sku"}, "orderby", None),
        ({"include": "1,x"}, "include", "include[1] is not of type integer."),
        ({"modified_after": "yesterday"}, "modified_after", "Invalid date."),
        ({"status": "shipped"}, "status", None),
    ],
)
def test_bad_query_parameters_are_refused_as_wordpress_does(
    woo: Signed, params: dict, name: str, detail: str | None
) -> None:
    response = woo.call("GET", "/orders", params)
    assert refusal(response) == (400, "rest_invalid_param", f"Invalid parameter(s): {name}")
    if detail:
        assert response.json()["data"]["params"] == {name: detail}


def test_paging_headers_and_links(woo: Signed, app: Starlette) -> None:
    for n in range(5):
        app.state.control.add_listing(STORE, sku=f"P{n}", name=f"P{n}", price=1000, stock=1)
    response = woo.call(
        "GET", "/products", {"per_page": 2, "page": 2, "orderby": "id", "order": "asc"}
    )
    assert [p["sku"] for p in response.json()] == ["P2", "P3"]
    assert (response.headers["X-WP-Total"], response.headers["X-WP-TotalPages"]) == ("5", "3")
    assert 'rel="prev"' in response.headers["Link"] and 'rel="next"' in response.headers["Link"]
    assert "oauth_signature" not in response.headers["Link"]
    beyond = woo.call("GET", "/products", {"per_page": 2, "page": 9})
    assert beyond.status_code == 200 and beyond.json() == []


def test_fields_limits_the_answer(woo: Signed, app: Starlette) -> None:
    app.state.control.add_listing(STORE, sku="K", name="Kopi", price=1000, stock=1)
    assert woo.call("GET", "/products", {"_fields": "sku"}).json() == [
        {"id": int(app.state.control.listings(STORE)[0].item_id), "sku": "K"}
    ]


def test_an_unknown_route_or_method(woo: Signed) -> None:
    assert refusal(woo.call("GET", "/coupons/1"))[:2] == (404, "rest_no_route")
    assert refusal(woo.call("DELETE", "/products/batch"))[:2] == (404, "rest_no_route")


def test_a_body_that_is_not_json(woo: Signed) -> None:
    query = woo.query("POST", "/products")
    response = woo.raw(
        "POST",
        "/products",
        params=query,
        content=b"{nope",
        headers={"Content-Type": "application/json"},
    )
    assert refusal(response)[:2] == (400, "rest_invalid_json")


# --- products -------------------------------------------------------------------------------


def test_a_batch_over_100_objects_is_refused(woo: Signed) -> None:
    body = {
        "create": [{"name": f"n{n}"} for n in range(60)],
        "update": [{"id": n} for n in range(41)],
    }
    assert refusal(woo.call("POST", "/products/batch", json=body)) == (
        413,
        "woocommerce_rest_request_entity_too_large",
        "Unable to accept more than 100 items for this request.",
    )
    assert (
        woo.call("POST", "/products/batch", json={"update": [{"id": 1}] * 100}).status_code == 200
    )


def test_per_item_failures_come_back_inside_the_batch_answer(woo: Signed, app: Starlette) -> None:
    control = app.state.control
    kopi = int(control.add_listing(STORE, sku="KOPI", name="Kopi", price=30000, stock=3))
    batik = int(
        control.add_listing(
            STORE, sku="BATIK", name="Batik", price=0, variants=[("BATIK-M", "M", 9, 1)]
        )
    )
    variation = int(next(r.variant_id for r in control.listings(STORE) if r.sku == "BATIK-M"))
    body = {
        "update": [
            {"id": kopi, "manage_stock": True, "stock_quantity": 7},
            {"id": 999999, "stock_quantity": 1},
            {"id": variation, "stock_quantity": 1},
        ],
        "create": [
            {"name": "Dup", "sku": "KOPI"},
            {"name": "Gula", "sku": "GULA", "regular_price": 15000},
        ],
    }
    answer = woo.call("POST", "/products/batch", json=body).json()
    assert [e.get("stock_quantity") for e in answer["update"][:1]] == [7]
    assert answer["update"][1] == {
        "id": 999999,
        "error": {
            "code": "woocommerce_rest_product_invalid_id",
            "message": "Invalid ID.",
            "data": {"status": 400},
        },
    }
    assert answer["update"][2]["error"]["code"] == "woocommerce_rest_invalid_product_id"
    assert answer["update"][2]["error"]["data"] == {"status": 404}
    assert "variations/&lt;id&gt; endpoint" in answer["update"][2]["error"]["message"]
    duplicate = answer["create"][0]
    assert duplicate["id"] == 0
    assert duplicate["error"] == {
        "code": "product_invalid_sku",
        "message": "Invalid or duplicated SKU.",
        "data": {"status": 400, "resource_id": kopi, "unique_sku": "KOPI-1"},
    }
    assert answer["create"][1]["sku"] == "GULA" and answer["create"][1]["regular_price"] == "15000"
    assert woo.call("GET", f"/products/{batik}").json()["type"] == "variable"


def test_single_endpoints_check_types_and_batches_coerce(woo: Signed) -> None:
    response = woo.call("POST", "/products", json={"name": "Teh", "regular_price": 15000})
    assert refusal(response) == (400, "rest_invalid_param", "Invalid parameter(s): regular_price")
    assert response.json()["data"]["params"] == {
        "regular_price": "regular_price is not of type string."
    }
    created = woo.call(
        "POST", "/products/batch", json={"create": [{"name": "Teh", "regular_price": 15000}]}
    )
    assert created.json()["create"][0]["regular_price"] == "15000"


def test_stock_quantity_counts_only_when_stock_is_managed(woo: Signed) -> None:
    created = woo.call("POST", "/products", json={"name": "Teh", "stock_quantity": 5}).json()
    assert (created["manage_stock"], created["stock_quantity"]) == (False, None)
    product = created["id"]
    managed = woo.call(
        "PUT", f"/products/{product}", json={"manage_stock": True, "stock_quantity": 5}
    )
    assert (managed.json()["stock_quantity"], managed.json()["stock_status"]) == (5, "instock")
    emptied = woo.call("PUT", f"/products/{product}", json={"stock_quantity": 0}).json()
    assert emptied["stock_status"] == "outofstock"


def test_a_variable_product_and_its_variations(woo: Signed) -> None:
    parent = woo.call(
        "POST",
        "/products",
        json={
            "name": "Kaos",
            "type": "variable",
            "sku": "KAOS",
            "regular_price": "50000",
            "attributes": [{"name": "Ukuran", "options": ["S", "M"], "variation": True}],
        },
    ).json()
    assert parent["regular_price"] == ""  # a variable parent has no price of its own
    body = {
        "create": [
            {
                "sku": "KAOS-S",
                "regular_price": "50000",
                "attributes": [{"name": "Ukuran", "option": "S"}],
            },
            {"sku": "KAOS", "regular_price": "1"},
            {
                "sku": "KAOS-M",
                "manage_stock": True,
                "stock_quantity": 2,
                "attributes": [{"name": "Warna", "option": "X"}],
            },
        ]
    }
    answer = woo.call("POST", f"/products/{parent['id']}/variations/batch", json=body).json()
    small, duplicate, medium = answer["create"]
    assert small["attributes"] == [{"id": 0, "name": "Ukuran", "option": "S"}]
    assert duplicate["error"]["data"]["resource_id"] == parent["id"]
    assert medium["attributes"] == []  # not an attribute the parent varies by: skipped
    listed = woo.call(
        "GET", f"/products/{parent['id']}/variations", {"orderby": "id", "order": "asc"}
    )
    assert [v["sku"] for v in listed.json()] == ["KAOS-S", "KAOS-M"]
    assert woo.call("GET", f"/products/{parent['id']}").json()["variations"] == [
        small["id"],
        medium["id"],
    ]
    orphan = woo.call("POST", "/products/424242/variations", json={"sku": "X"})
    assert refusal(orphan)[:2] == (404, "woocommerce_rest_product_variation_invalid_parent")


def test_images_are_downloaded_from_src(woo: Signed, images: tuple[str, Counter[str]]) -> None:
    base, downloads = images
    made = woo.call(
        "POST", "/products", json={"name": "Kopi", "images": [{"src": f"{base}/img/kopi.png"}]}
    )
    assert made.status_code == 201, made.text
    src = made.json()["images"][0]["src"]
    assert re.fullmatch(r"http://testserver/wp-content/uploads/\d{4}/\d{2}/kopi\.png", src), src
    assert made.json()["images"][0]["name"] == "kopi.png"
    assert downloads["kopi.png"] == 1
    again = woo.call(
        "POST", "/products", json={"name": "Kopi 2", "images": [{"src": f"{base}/img/kopi.png"}]}
    )
    assert again.json()["images"][0]["name"] == "kopi-1.png"
    no_extension = woo.call(
        "POST", "/products", json={"name": "X", "images": [{"src": f"{base}/img/kopi"}]}
    )
    assert refusal(no_extension) == (
        400,
        "woocommerce_product_image_upload_error",
        "Invalid image: Sorry, you are not allowed to upload this file type.",
    )
    gone = woo.call(
        "POST", "/products", json={"name": "X", "images": [{"src": "http://127.0.0.1:9/x.png"}]}
    )
    status, code, message = refusal(gone)
    assert (status, code) == (400, "woocommerce_product_image_upload_error")
    assert message.startswith("Error getting remote image http://127.0.0.1:9/x.png. Error: ")


# --- throttling and faults ------------------------------------------------------------------


def test_the_hosts_limiter_answers_429_with_retry_after(woo: Signed, app: Starlette) -> None:
    app.state.control.set_rate_limit(0.5, burst=1)
    assert woo.call("GET", "/products").status_code == 200
    throttled = woo.call("GET", "/products")
    assert refusal(throttled)[:2] == (429, "rate_limit_exceeded")
    assert throttled.headers["Retry-After"] == "2"
    app.state.control.set_rate_limit(0)
    assert woo.call("GET", "/products").status_code == 200


def test_fault_answers(woo: Signed, app: Starlette) -> None:
    control = app.state.control
    control.set_faults(error_rate=1.0)
    failed = woo.call("GET", "/products")
    assert failed.status_code == 500
    assert failed.json()["code"] == "internal_server_error"
    assert "critical error" in failed.json()["message"]
    control.set_faults(throttle_rate=1.0)
    throttled = woo.call("GET", "/products")
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "1"
    control.set_faults(malformed_rate=1.0)
    truncated = woo.call("GET", "/products")
    with pytest.raises(ValueError):
        truncated.json()
    control.set_faults()
    assert woo.call("GET", "/products").status_code == 200
    assert sum(control.call_counts().values()) == 4
