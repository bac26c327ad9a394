"""Pure transforms: wire models, status mapping, windows, drafts to bodies, bulk results,
orders and webhooks. Payloads are shaped like the doc examples and plvhx's fixtures."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from lapak.connectors.tokopedia import mapping, order_mapping, wire
from lapak.connectors.tokopedia.client import classify, rate_limit_wait
from lapak.sync.protocol import AuthError, PermanentError, ThrottledError, TransientError
from lapak.sync.types import ListingDraft, ListingRef, OrderStatus, StockUpdate

# --- wire ----------------------------------------------------------------------------------


def test_nulls_take_the_default_and_unknown_fields_are_ignored() -> None:
    assert wire.validate_list(wire.OrderEntry, None, "/x") == []
    reply = wire.validate(
        wire.BulkResult,
        {"failed_rows": 0, "failed_rows_data": None, "succeed_rows": 3, "extra": 1},
        "/x",
    )
    assert reply.failed_rows_data == [] and reply.succeed_rows == 3
    product = wire.validate(
        wire.ProductInfo,
        {
            "basic": {"productID": 15245228, "shopID": 480829, "status": 1, "name": "Kaos"},
            "price": {"value": 3000, "currency": 1, "idr": 3000},
            "stock": {"value": 10, "stockWording": "<b>Stok hampir habis!</b>"},
            "variant": {"isParent": True, "isVariant": True, "childrenID": None},
            "other": {"sku": "12345"},
        },
        "/x",
    )
    assert product.variant.is_parent and product.variant.children_id == []
    assert product.basic.product_id == 15245228 and product.price.value == Decimal(3000)


def test_a_malformed_body_is_transient_and_names_the_field() -> None:
    with pytest.raises(TransientError, match=r"/v2/order/list: malformed response: 0\.order_id"):
        wire.validate_list(wire.OrderEntry, [{"order_status": 220}], "/v2/order/list")


def test_the_error_header_carries_string_or_int_codes() -> None:
    refused = wire.Envelope.model_validate(
        {
            "header": {
                "process_time": 0.0183,
                "messages": "We could not process your request due to malformed request",
                "reason": "Date Range must be less than 3 days",
                "error_code": "ORD_DLV_013",
            },
            "data": None,
        }
    )
    server = wire.Envelope.model_validate(
        {"header": {"messages": "We had a problem", "reason": "", "error_code": 0}, "data": None}
    )
    assert refused.header.code == "ORD_DLV_013"
    assert server.header.code == ""


# --- classification ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "reason", "kind"),
    [
        (429, "ERR_TOO_MANY_REQUEST", "rate limit exceeded", ThrottledError),
        (500, "", "", TransientError),
        (400, "ORD_USC_007", "Error When Request Accept Order To Ext Service", TransientError),
        (400, "LGS_USC_012", "Error When Request Confirm Shipping To Ext Service", TransientError),
        (401, "UNAUTHORIZED", "expired", AuthError),
        (403, "FORBIDDEN", "not your fs_id", AuthError),
        (400, "ORD_DLV_013", "Date Range must be less than 3 days", PermanentError),
        (400, "ORD_USC_001", "Order Status not eligible to accept", PermanentError),
    ],
)
def test_refusals_are_classified(status: int, code: str, reason: str, kind: type) -> None:
    error = classify("/p", status, code, reason, 0.4)
    assert type(error) is kind or (kind is AuthError and isinstance(error, AuthError))
    assert error.code == (code or None) and str(error).startswith("/p: ")


def test_the_wait_comes_from_the_rate_limit_headers() -> None:
    assert rate_limit_wait({"X-Ratelimit-Reset-After": "-0.000000"}) is None
    assert rate_limit_wait({"X-Ratelimit-Reset-After": "0.200000"}) == pytest.approx(0.2)
    assert rate_limit_wait({"X-Ratelimit-Full-Reset-After": "1.5"}) == pytest.approx(1.5)
    assert rate_limit_wait({"Retry-After": "3"}) == 3.0


# --- statuses and windows ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (100, OrderStatus.UNPAID),
        (220, OrderStatus.READY_TO_SHIP),
        (400, OrderStatus.READY_TO_SHIP),
        (450, OrderStatus.READY_TO_SHIP),
        (500, OrderStatus.SHIPPED),
        (540, OrderStatus.SHIPPED),
        (550, OrderStatus.RETURNED),
        (600, OrderStatus.COMPLETED),
        (700, OrderStatus.COMPLETED),
        (0, OrderStatus.CANCELLED),
        (10, OrderStatus.CANCELLED),
        (15, OrderStatus.CANCELLED),
        (691, OrderStatus.COMPLETED),
    ],
)
def test_known_status_codes(code: int, status: OrderStatus) -> None:
    assert order_mapping.order_status(code, 1) is status


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (1, OrderStatus.UNPAID),  # never released as a cancellation
        (219, OrderStatus.UNPAID),
        (300, OrderStatus.READY_TO_SHIP),
        (590, OrderStatus.SHIPPED),
        (800, OrderStatus.COMPLETED),
    ],
)
def test_unknown_status_codes_map_by_range_without_crashing(code: int, status: OrderStatus) -> None:
    assert order_mapping.order_status(code, 1) is status


def test_go_zero_times_are_none() -> None:
    assert order_mapping.parse_time("0001-01-01T00:00:00Z") is None
    assert order_mapping.parse_time("") is None
    moment = order_mapping.parse_time("2017-07-20T17:50:58.061156Z")
    assert moment == datetime(2017, 7, 20, 17, 50, 58, 61156, tzinfo=UTC)


# --- orders --------------------------------------------------------------------------------


def _single_order(**changes: Any) -> dict[str, Any]:
    order: dict[str, Any] = {
        "order_id": 12472302,
        "buyer_id": 5511917,
        "seller_id": 479573,
        "order_status": 400,
        "invoice_number": "INV/20170720/XVII/VII/12472252",
        "open_amt": 270000,
        "item_price": 261000,
        "buyer_info": {
            "buyer_id": 5511917,
            "buyer_fullname": "Maulana",
            "buyer_email": "buyer@example.com",
            "buyer_phone": "6287700000000",
        },
        "shipment_fulfillment": {
            "accept_deadline": "2017-07-22T17:50:58Z",
            "confirm_shipping_deadline": "0001-01-01T00:00:00Z",
        },
        "order_info": {
            "order_detail": [
                {
                    "order_detail_id": 20274955,
                    "product_id": 14286600,
                    "product_name": "Ballpoint",
                    "product_price": 87000,
                    "subtotal_price": 261000,
                    "quantity": 3,
                    "sku": "SKU01",
                }
            ],
            "shipping_info": {"logistic_name": "JNE", "awb": ""},
            "destination": {
                "receiver_name": "maul",
                "receiver_phone": "0857",
                "address_street": "jalan gatot subroto",
                "address_city": "Kota Administrasi Jakarta Selatan",
            },
        },
        "create_time": "2017-07-20T17:50:58.061156Z",
        "update_time": "2017-07-24T08:01:07.073696Z",
        "payment_date": "2017-07-20T17:50:58.061156Z",
    }
    order.update(changes)
    return order


def test_a_single_order_becomes_a_remote_order_without_contact_data() -> None:
    order = order_mapping.remote_order(wire.SingleOrder.model_validate(_single_order()))

    assert order.external_id == "12472302" and order.status is OrderStatus.READY_TO_SHIP
    assert order.total == Decimal(261000) and order.currency == "IDR"
    assert [(x.line_key, x.sku, x.quantity, x.unit_price) for x in order.lines] == [
        ("20274955", "SKU01", 3, Decimal(87000))
    ]
    assert order.buyer_name == "Maulana"
    assert order.buyer_city == "Kota Administrasi Jakarta Selatan"
    assert order.ship_by is None  # Go's zero time
    assert order.updated_at > order.created_at
    text = json.dumps(order.raw)
    for private in ("buyer@example.com", "6287700000000", "gatot subroto", "0857"):
        assert private not in text


# --- webhooks ------------------------------------------------------------------------------


def test_webhook_bodies_become_events() -> None:
    status = {"fs_id": 13398, "order_status": 0, "order_id": 582220328, "shop_id": 8212734}
    notification = {
        "fs_id": 13398,
        "order_id": 582220329,
        "invoice_ref_num": "INV/20200908/XX/IX/623780220",
        "customer": {"id": 99098231, "Name": "", "phone": "", "email": ""},
    }
    first = order_mapping.webhook_event(json.dumps(status).encode(), 13398, 8212734)
    second = order_mapping.webhook_event(json.dumps(notification).encode(), 13398, 8212734)
    assert (first.topic, first.order_ids) == ("order_status", ("582220328",))
    assert (second.topic, second.order_ids) == ("order_notification", ("582220329",))
    assert first.delivery_id is None and first.sent_at is None


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1]",
        b'{"order_id": 1}',
        b'{"fs_id": 1, "order_id": 2}',  # another app
        b'{"fs_id": 13398, "order_id": 2, "shop_id": 1}',  # another shop
    ],
)
def test_a_malformed_or_foreign_webhook_is_permanent(body: bytes) -> None:
    with pytest.raises(PermanentError):
        order_mapping.webhook_event(body, 13398, 8212734)


# --- listings ------------------------------------------------------------------------------


def _draft(sku: str, group: str, **fields: Any) -> ListingDraft:
    values: dict[str, Any] = {
        "name": f"Produk {group}",
        "description": "Deskripsi",
        "price": Decimal("50000.5"),
        "stock": 5,
        "weight_grams": 300,
        "image_urls": (f"https://img.example/{group}.png",),
        "category_id": "1817",
    }
    values.update(fields)
    return ListingDraft(sku=sku, group=group, **values)


def test_a_product_without_variants() -> None:
    (group,) = mapping.DraftGroup.grouped(
        [(0, _draft("KOPI", "KOPI", stock=0))], key=lambda d: d.group
    )
    (product,) = mapping.create_body(group, None)["products"]
    assert product["sku"] == "KOPI" and product["price"] == 50001  # whole rupiah, half up
    assert (product["stock"], product["status"]) == (0, "EMPTY")
    assert product["weight"] == 300 and product["weight_unit"] == "GR"
    assert product["category_id"] == 1817 and "variant" not in product
    assert product["pictures"] == [{"file_path": "https://img.example/KOPI.png"}]


def test_a_product_with_variants_names_the_categorys_variant_type() -> None:
    drafts = [
        (0, _draft("KAOS-S", "KAOS", variant_name="S", stock=3)),
        (1, _draft("KAOS-M", "KAOS", variant_name="m", stock=0, price=Decimal(60000))),
        (2, _draft("KAOS-Z", "KAOS", variant_name="Zebra")),
    ]
    (group,) = mapping.DraftGroup.grouped(drafts, key=lambda d: d.group)
    types = [
        wire.CategoryVariant.model_validate(
            {
                "variant_id": 6,
                "name": "Ukuran Pakaian",
                "identifier": "size",
                "status": 1,
                "has_unit": 1,
                "units": [
                    {
                        "unit_id": 7,
                        "values": [{"value_id": 24, "value": "S"}, {"value_id": 25, "value": "M"}],
                    }
                ],
            }
        )
    ]
    choice = mapping.VariantChoice.from_category(types)
    assert choice is not None

    (product,) = mapping.create_body(group, choice)["products"]

    variant = product["variant"]
    assert variant["selection"] == [
        {
            "id": 6,
            "unit_id": 7,
            "options": [
                {"hex_code": "", "unit_value_id": 24, "value": "S"},
                {"hex_code": "", "unit_value_id": 25, "value": "m"},
                {"hex_code": "", "unit_value_id": 0, "value": "Zebra"},  # a custom value
            ],
        }
    ]
    rows = variant["products"]
    assert [(r["sku"], r["combination"], r["is_primary"]) for r in rows] == [
        ("KAOS-S", [0], True),
        ("KAOS-M", [1], False),
        ("KAOS-Z", [2], False),
    ]
    assert [(r["stock"], r["status"], r["price"]) for r in rows] == [
        (3, "LIMITED", 50001),
        (0, "EMPTY", 60000),
        (5, "LIMITED", 50001),
    ]
    assert "sku" not in product  # the parent is not a listing


def test_a_category_without_variant_types_cannot_take_variants() -> None:
    (group,) = mapping.DraftGroup.grouped(
        [(0, _draft("A-1", "A", variant_name="1")), (1, _draft("A-2", "A", variant_name="2"))],
        key=lambda d: d.group,
    )
    assert mapping.VariantChoice.from_category([]) is None
    with pytest.raises(PermanentError, match="has no variant type"):
        mapping.create_body(group, None)


@pytest.mark.parametrize(
    ("fields", "missing"),
    [
        ({"category_id": None}, "category_id missing"),
        ({"image_urls": ()}, "image missing"),
        ({"weight_grams": 0}, "weight missing"),
    ],
)
def test_what_a_new_product_needs(fields: dict[str, Any], missing: str) -> None:
    (group,) = mapping.DraftGroup.grouped([(0, _draft("X", "X", **fields))], key=lambda d: d.group)
    assert missing in (mapping.missing_for_create(group) or "")


def test_created_variants_are_matched_by_sku() -> None:
    drafts = [(0, _draft("K-S", "K", variant_name="S")), (1, _draft("K-M", "K", variant_name="M"))]
    (group,) = mapping.DraftGroup.grouped(drafts, key=lambda d: d.group)
    children = wire.VariantProduct.model_validate(
        {
            "parent_id": 900,
            "children": [
                {"product_id": 902, "sku": "K-M", "price": 1, "stock": 1},
                {"product_id": 901, "sku": "K-S", "price": 1, "stock": 1},
            ],
        }
    )
    results = mapping.created_results(group, 900, children)
    assert [r.ref for r in results] == [
        ListingRef("K-S", "900", "901"),
        ListingRef("K-M", "900", "902"),
    ]


def test_bulk_rows_batch_at_the_size_and_never_repeat_a_product_in_a_call() -> None:
    refs = [ListingRef(f"S{n}", str(100 + n)) for n in range(5)]
    updates = [StockUpdate(r, n) for n, r in enumerate(refs)]
    updates.insert(2, StockUpdate(refs[0], 99))
    updates.append(StockUpdate(ListingRef("BAD", "not-a-number"), 1))
    rows, rejected = mapping.stock_rows(updates)
    assert [(i, r.permanent) for i, r in rejected] == [(6, True)]
    calls = mapping.batches(rows, 3)
    assert [[r.index for r in call] for call in calls] == [[0, 1], [2, 3, 4], [5]]
    assert mapping.bulk_body(calls[0], "new_stock") == [
        {"product_id": 100, "new_stock": 0},
        {"product_id": 101, "new_stock": 1},
    ]


def test_bulk_failures_are_matched_by_product_id() -> None:
    rows = [mapping.Row(0, 151231699, 40), mapping.Row(1, 15, 3), mapping.Row(2, 16, 4)]
    reply = wire.BulkResult.model_validate(
        {
            "failed_rows": 2,
            "failed_rows_data": [
                {
                    "product_id": 151231699,
                    "sku": "",
                    "new_stock": 40,
                    "message": "Invalid Product ID.",
                },
                {"product_id": 16, "new_stock": 4, "message": "ERR_TOO_MANY_REQUEST"},
            ],
            "succeed_rows": 1,
        }
    )
    failures = mapping.row_failures(rows, reply)
    assert failures == {0: "Invalid Product ID.", 2: "ERR_TOO_MANY_REQUEST"}
    assert mapping.is_permanent_message("Invalid Product ID.")
    assert mapping.is_permanent_message("Invalid SKU.")
    assert not mapping.is_permanent_message("ERR_TOO_MANY_REQUEST")
    assert not mapping.is_permanent_message("Internal error, try again")


def test_failed_rows_tokopedia_did_not_name_count_as_transient_failures() -> None:
    rows = [mapping.Row(0, 1, 1), mapping.Row(1, 2, 2)]
    reply = wire.BulkResult.model_validate(
        {"failed_rows": 1, "failed_rows_data": [], "succeed_rows": 1}
    )
    assert set(mapping.row_failures(rows, reply)) == {0, 1}
