"""Pure WooCommerce transforms: wire models, draft bodies, batch plans and results, order
statuses, order windows, webhook parsing and error classification."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from lapak.connectors.woocommerce import mapping, order_mapping, wire
from lapak.connectors.woocommerce.client import classify
from lapak.sync.protocol import AuthError, PermanentError, ThrottledError, TransientError
from lapak.sync.types import ListingDraft, ListingRef, OrderStatus, PriceUpdate, StockUpdate


def _draft(sku: str, group: str, **fields: object) -> ListingDraft:
    values: dict[str, object] = {
        "name": f"Produk {group}",
        "description": "Buatan UMKM",
        "price": Decimal(75000),
        "stock": 3,
        "weight_grams": 250,
        "image_urls": (f"https://cdn.example/{group}.jpg",),
        "category_id": "16",
    }
    values.update(fields)
    return ListingDraft(sku=sku, group=group, **values)  # type: ignore[arg-type]


# --- scalars and bodies ---------------------------------------------------------------------


def test_prices_and_weights_are_plain_decimal_strings() -> None:
    assert mapping.price_to_wire(Decimal(75000)) == "75000"
    assert mapping.price_to_wire(Decimal("1.5E+5")) == "150000"
    assert mapping.price_to_wire(Decimal("19.90")) == "19.9"
    assert mapping.grams_to_kg(250) == "0.25"
    assert mapping.grams_to_kg(2000) == "2"


def test_refs_parse_into_product_and_variation_ids() -> None:
    assert mapping.parse_ref(ListingRef("A", "101")) == (101, 0)
    assert mapping.parse_ref(ListingRef("A", "101", "205")) == (101, 205)
    for ref in (ListingRef("A", "x"), ListingRef("A", "0"), ListingRef("A", "1", "-3")):
        with pytest.raises(PermanentError):
            mapping.parse_ref(ref)


def test_a_simple_product_body() -> None:
    group = mapping.DraftGroup.grouped([(0, _draft("KOPI", "KOPI"))], key=lambda d: d.group)[0]
    assert not group.has_variants
    body = mapping.simple_body(group)
    assert body == {
        "name": "Produk KOPI",
        "description": "Buatan UMKM",
        "categories": [{"id": 16}],
        "type": "simple",
        "status": "publish",
        "sku": "KOPI",
        "regular_price": "75000",
        "manage_stock": True,
        "stock_quantity": 3,
        "weight": "0.25",
        "images": [{"src": "https://cdn.example/KOPI.jpg"}],
        "meta_data": [{"key": mapping.IMAGE_META, "value": '["https://cdn.example/KOPI.jpg"]'}],
    }


def test_a_category_that_is_not_an_id_is_a_permanent_error() -> None:
    group = mapping.DraftGroup.grouped(
        [(0, _draft("KOPI", "KOPI", category_id="Minuman"))], key=lambda d: d.group
    )[0]
    with pytest.raises(PermanentError, match="category_id"):
        mapping.simple_body(group)
    no_category = mapping.DraftGroup.grouped(
        [(0, _draft("KOPI", "KOPI", category_id=None))], key=lambda d: d.group
    )[0]
    assert "categories" not in mapping.simple_body(no_category)  # "Uncategorized" then


def test_a_variable_product_body_and_its_variations() -> None:
    drafts = [
        _draft("KAOS-S", "KAOS", variant_name="S"),
        _draft("KAOS-M", "KAOS", variant_name="S"),  # a repeated option falls back to the SKU
        _draft("KAOS-L", "KAOS"),
    ]
    group = mapping.DraftGroup.grouped(enumerate(drafts), key=lambda d: d.group)[0]
    assert group.has_variants and group.parent_sku == "KAOS"
    assert mapping.variant_options(group) == ["S", "KAOS-M", "KAOS-L"]
    body = mapping.parent_body(group)
    assert body["type"] == "variable" and body["sku"] == "KAOS"
    assert body["attributes"] == [
        {
            "name": "Variant",
            "options": ["S", "KAOS-M", "KAOS-L"],
            "visible": True,
            "variation": True,
        }
    ]
    assert "regular_price" not in body and "stock_quantity" not in body
    assert mapping.variation_body(drafts[0], "S") == {
        "sku": "KAOS-S",
        "regular_price": "75000",
        "manage_stock": True,
        "stock_quantity": 3,
        "weight": "0.25",
        "attributes": [{"name": "Variant", "option": "S"}],
    }
    clash = mapping.DraftGroup.grouped(
        enumerate([_draft("KAOS", "KAOS", variant_name="S"), _draft("KAOS-M", "KAOS")]),
        key=lambda d: d.group,
    )[0]
    assert clash.has_variants and clash.parent_sku == ""


def test_an_adopted_parent_keeps_its_attributes_and_gains_our_options() -> None:
    product = wire.Product.model_validate(
        {
            "id": 9,
            "type": "variable",
            "attributes": [
                {"id": 3, "name": "pa_warna", "options": ["Merah"], "variation": True},
                {"id": 0, "name": "Variant", "options": ["S"], "variation": True},
            ],
        }
    )
    merged = mapping.merged_attributes(product, ["S", "M"])
    assert merged[0]["id"] == 3 and merged[0]["options"] == ["Merah"]
    assert merged[1]["options"] == ["S", "M"]
    bare = wire.Product.model_validate({"id": 9, "type": "variable"})
    assert mapping.merged_attributes(bare, ["S"]) == [mapping.variant_attribute(["S"])]


def test_images_are_resent_only_when_the_urls_changed() -> None:
    urls = ["https://cdn.example/a.jpg"]
    meta = [{"key": mapping.IMAGE_META, "value": json.dumps(urls)}]
    product = wire.Product.model_validate({"id": 1, "meta_data": meta})
    assert not mapping.images_changed(product, urls)
    assert mapping.images_changed(product, [*urls, "https://cdn.example/b.jpg"])
    assert mapping.images_changed(wire.Product.model_validate({"id": 1}), urls)


# --- batches --------------------------------------------------------------------------------


def test_stock_plan_puts_simple_products_together_and_variations_per_parent() -> None:
    updates = [StockUpdate(ListingRef(f"S{n}", str(1000 + n)), n) for n in range(150)]
    updates += [StockUpdate(ListingRef(f"V{n}", "7", str(70 + n)), 5) for n in range(3)]
    updates += [StockUpdate(ListingRef("W", "8", "80"), -2)]
    updates.insert(10, StockUpdate(ListingRef("BAD", "abc"), 1))
    plan = mapping.stock_plan(updates)
    assert [(b.path, len(b.indices)) for b in plan.batches] == [
        ("/products/batch", 100),
        ("/products/batch", 50),
        ("/products/7/variations/batch", 3),
        ("/products/8/variations/batch", 1),
    ]
    assert plan.batches[0].body["update"][0] == {
        "id": 1000,
        "manage_stock": True,
        "stock_quantity": 0,
    }
    assert plan.batches[3].body["update"][0] == {
        "id": 80,
        "manage_stock": True,
        "stock_quantity": 0,
    }
    assert [(i, r.sku, r.permanent) for i, r in plan.rejected] == [(10, "BAD", True)]
    prices = mapping.price_plan([PriceUpdate(ListingRef("V0", "7", "70"), Decimal("12500.00"))])
    assert prices.batches[0].body == {"update": [{"id": 70, "regular_price": "12500"}]}


def test_batch_results_follow_request_order_and_classify_item_errors() -> None:
    updates = [StockUpdate(ListingRef(s, str(n)), 1) for n, s in enumerate(["A", "B", "C", "D"], 1)]
    batch = mapping.stock_plan(updates).batches[0]
    entries = [
        wire.BatchEntry(id=1),
        wire.BatchEntry.model_validate(
            {
                "id": 2,
                "error": {
                    "code": "woocommerce_rest_product_invalid_id",
                    "message": "Invalid ID.",
                    "data": {"status": 400},
                },
            }
        ),
        wire.BatchEntry.model_validate(
            {"id": 3, "error": {"code": "db_busy", "message": "Deadlock", "data": {"status": 500}}}
        ),
    ]
    results = dict(mapping.batch_results(batch, updates, entries))
    assert results[0].ok and results[0].ref == updates[0].ref
    assert (results[1].ok, results[1].permanent) == (False, True)
    assert "Invalid ID." in (results[1].error or "")
    assert (results[2].ok, results[2].permanent) == (False, False)
    assert (results[3].ok, results[3].permanent) == (False, False)  # no answer for it


# --- listings read back ---------------------------------------------------------------------


def test_stock_reads_zero_unless_the_row_manages_it() -> None:
    managed = wire.Product.model_validate(
        {
            "id": 1,
            "sku": "A",
            "manage_stock": True,
            "stock_quantity": 4,
            "regular_price": "9000",
            "name": "A",
        }
    )
    assert mapping.product_listing(managed).stock == 4
    assert mapping.product_listing(managed).price == Decimal(9000)
    unmanaged = wire.Product.model_validate({"id": 1, "sku": "A", "stock_quantity": 4})
    assert mapping.product_listing(unmanaged).stock == 0
    parent_managed = wire.Variation.model_validate(
        {"id": 5, "sku": "V", "manage_stock": "parent", "stock_quantity": 9, "regular_price": ""}
    )
    listing = mapping.variation_listing(2, "Kaos", parent_managed)
    assert (listing.stock, listing.price, listing.ref) == (0, None, ListingRef("V", "2", "5"))


# --- orders ---------------------------------------------------------------------------------


def _order(**fields: object) -> wire.Order:
    values: dict[str, object] = {
        "id": 4242,
        "status": "processing",
        "currency": "IDR",
        "date_created_gmt": "2024-05-01T10:00:00",
        "date_modified_gmt": "2024-05-01T10:05:00",
        "total": "75000",
        "billing": {
            "first_name": "Siti",
            "last_name": "Rahayu",
            "city": "Bandung",
            "email": "s@x.id",
        },
        "shipping": {"first_name": "Budi", "last_name": "", "city": "Medan"},
        "line_items": [
            {
                "id": 7,
                "name": "Kopi",
                "quantity": 2,
                "sku": "KOPI",
                "total": "60000",
                "price": 30000,
            },
            {
                "id": 8,
                "name": "Gula",
                "quantity": 3,
                "sku": None,
                "total": "10000",
                "price": 3333.33,
            },
        ],
    }
    values.update(fields)
    return wire.Order.model_validate(values)


@pytest.mark.parametrize(
    ("status", "extra", "expected"),
    [
        ("pending", {}, OrderStatus.UNPAID),
        ("checkout-draft", {}, OrderStatus.UNPAID),
        ("processing", {}, OrderStatus.READY_TO_SHIP),
        ("on-hold", {}, OrderStatus.READY_TO_SHIP),
        ("completed", {}, OrderStatus.SHIPPED),
        ("delivered", {}, OrderStatus.COMPLETED),
        ("cancelled", {}, OrderStatus.CANCELLED),
        ("failed", {}, OrderStatus.CANCELLED),
        ("trash", {}, OrderStatus.CANCELLED),
        ("refunded", {"date_completed_gmt": "2024-05-02T00:00:00"}, OrderStatus.RETURNED),
        ("refunded", {}, OrderStatus.CANCELLED),
        ("awaiting-shipment", {"date_paid_gmt": "2024-05-01T10:01:00"}, OrderStatus.READY_TO_SHIP),
        ("awaiting-shipment", {}, OrderStatus.UNPAID),
    ],
)
def test_order_statuses(status: str, extra: dict, expected: OrderStatus) -> None:
    assert order_mapping.order_status(_order(status=status, **extra)) is expected


def test_a_remote_order_keeps_the_city_and_no_other_address_data() -> None:
    order = order_mapping.remote_order(_order())
    assert order.external_id == "4242"
    assert order.created_at == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    assert order.updated_at == datetime(2024, 5, 1, 10, 5, tzinfo=UTC)
    assert (order.buyer_name, order.buyer_city) == ("Budi", "Medan")
    assert order.total == Decimal(75000) and order.currency == "IDR"
    assert [(x.line_key, x.sku, x.quantity, x.unit_price) for x in order.lines] == [
        ("7", "KOPI", 2, Decimal(30000)),
        ("8", "", 3, Decimal("3333.33")),
    ]
    assert "billing" not in order.raw and order.raw["shipping"] == {"city": "Medan"}
    assert "s@x.id" not in json.dumps(order.raw)


def test_order_windows_widen_each_window_by_a_second() -> None:
    since = datetime(2024, 5, 1, 0, 0, 0, 400000, tzinfo=UTC)
    until = datetime(2024, 5, 3, 12, 0, tzinfo=UTC)
    windows = order_mapping.order_windows(since, until, 86400)
    assert windows == [
        ("2024-04-30T23:59:59", "2024-05-02T00:00:01"),
        ("2024-05-01T23:59:59", "2024-05-03T00:00:01"),
        ("2024-05-02T23:59:59", "2024-05-03T12:00:01"),
    ]
    assert order_mapping.order_windows(until, until, 86400) == []


def test_the_ship_body_adds_our_tracking_once_and_keeps_the_sellers() -> None:
    theirs = {"tracking_number": "OLD", "tracking_provider": "jne"}
    order = _order(meta_data=[{"id": 1, "key": order_mapping.TRACKING_META, "value": [theirs]}])
    body = order_mapping.ship_body(order, "JNE0001", 1714557600)
    items = body["meta_data"][0]["value"]
    assert body["status"] == "completed"
    assert [i["tracking_number"] for i in items] == ["OLD", "JNE0001"]
    assert items[1]["date_shipped"] == "1714557600" and len(items[1]["tracking_id"]) == 32
    shipped = _order(meta_data=[{"key": order_mapping.TRACKING_META, "value": items}])
    again = order_mapping.ship_body(shipped, "JNE0001", 1714557999, complete=False)
    assert "status" not in again and again["meta_data"][0]["value"] == items


# --- webhooks -------------------------------------------------------------------------------

BODY = json.dumps({"id": 4242, "status": "processing", "billing": {"email": "s@x.id"}}).encode()


def test_a_webhook_names_its_order_topic_and_delivery() -> None:
    headers = {"x-wc-webhook-topic": "order.updated", "X-WC-Webhook-Delivery-ID": "abc123"}
    event = order_mapping.webhook_event(BODY, headers)
    assert (event.topic, event.order_ids) == ("order.updated", ("4242",))
    assert event.delivery_id is not None and event.delivery_id.startswith("abc123:")
    other = order_mapping.webhook_event(BODY.replace(b"processing", b"completed"), headers)
    assert other.delivery_id != event.delivery_id  # same second, same webhook, other body
    assert "billing" not in event.raw
    bare = order_mapping.webhook_event(BODY)
    assert (bare.topic, bare.order_ids, bare.delivery_id) == ("order", ("4242",), None)
    deleted = order_mapping.webhook_event(b'{"id":7}', {"X-WC-Webhook-Topic": "order.deleted"})
    assert deleted.order_ids == ("7",)
    product = order_mapping.webhook_event(b'{"id":7}', {"X-WC-Webhook-Topic": "product.updated"})
    assert (product.topic, product.order_ids) == ("product.updated", ())


def test_the_unsigned_creation_ping_is_a_ping_naming_no_order() -> None:
    assert order_mapping.is_ping({}, b"webhook_id=12")
    assert not order_mapping.is_ping({"X-WC-Webhook-Signature": "x"}, b"webhook_id=12")
    assert not order_mapping.is_ping({}, b"webhook_id=12&id=3")
    event = order_mapping.webhook_event(b"webhook_id=12")
    assert (event.topic, event.order_ids) == ("ping", ())


@pytest.mark.parametrize("body", [b"webhook_id=x", b"[]", b'{"id":0}', b'{"status":"x"}'])
def test_a_malformed_webhook_body_is_permanent(body: bytes) -> None:
    with pytest.raises(PermanentError):
        order_mapping.webhook_event(body, {"X-WC-Webhook-Topic": "order.created"})


# --- wire and classification ----------------------------------------------------------------


def test_a_malformed_body_is_transient_and_names_the_field() -> None:
    with pytest.raises(TransientError, match=r"/orders: malformed response: 0.id"):
        wire.validate(list[wire.Order], [{"status": "x"}], "/orders")


@pytest.mark.parametrize(
    ("status", "code", "message", "kind"),
    [
        (429, "rate_limit_exceeded", "slow", ThrottledError),
        (503, "", "", TransientError),
        (500, "internal_server_error", "critical", TransientError),
        (
            401,
            "woocommerce_rest_authentication_error",
            "Invalid signature - provided signature does not match.",
            AuthError,
        ),
        (
            401,
            "woocommerce_rest_authentication_error",
            "Invalid nonce - nonce has already been used.",
            TransientError,
        ),
        (401, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources.", AuthError),
        (403, "woocommerce_rest_cannot_edit", "no", AuthError),
        (400, "rest_invalid_param", "Invalid parameter(s): per_page", PermanentError),
        (404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.", PermanentError),
        (403, "", "", PermanentError),
    ],
)
def test_refusals_are_classified(status: int, code: str, message: str, kind: type) -> None:
    error = classify("/orders", status, code, message, 2.0)
    assert type(error) is kind
    assert error.status == status and str(error).startswith("/orders: ")
    if kind is ThrottledError:
        assert error.retry_after == 2.0  # type: ignore[attr-defined]
