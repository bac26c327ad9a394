"""Pure Shopify transforms: order statuses, orders, webhooks, product bodies, batching,
error texts and throttle waits."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from lapak.connectors.shopify import mapping, order_mapping, wire
from lapak.connectors.shopify.client import (
    classify,
    error_text,
    graphql_error,
    rest_retry_after,
)
from lapak.sync.protocol import AuthError, PermanentError, ThrottledError, TransientError
from lapak.sync.types import ListingDraft, ListingRef, OrderStatus


def _order(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": 5900000001,
        "name": "#1001",
        "email": "budi@example.com",
        "created_at": "2025-01-15T10:00:00+07:00",
        "updated_at": "2025-01-15T11:00:00+07:00",
        "cancelled_at": None,
        "closed_at": None,
        "financial_status": "paid",
        "fulfillment_status": None,
        "currency": "IDR",
        "total_price": "75000.00",
        "line_items": [
            {
                "id": 11,
                "sku": "KOPI",
                "title": "Kopi",
                "variant_title": "",
                "quantity": 2,
                "price": "30000.00",
            },
            {
                "id": 12,
                "sku": None,
                "title": "Kaos",
                "variant_title": "M",
                "quantity": 1,
                "price": "15000.00",
            },
        ],
        "customer": {"first_name": "Budi", "last_name": "Santoso", "email": "b@example.com"},
        "shipping_address": {
            "name": "Budi Santoso",
            "city": "Jakarta Selatan",
            "address1": "Jl. Rahasia 1",
            "phone": "0812",
        },
        "fulfillments": [],
        "refunds": [],
    }
    return base | fields


def _status(**fields: Any) -> OrderStatus:
    return order_mapping.order_status(wire.Order.model_validate(_order(**fields)))


SHIPPED = [{"id": 1, "status": "success", "tracking_number": "JNE1", "shipment_status": None}]
DELIVERED = [{**SHIPPED[0], "shipment_status": "delivered"}]
LATER = "2025-01-16T10:00:00+07:00"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"financial_status": "pending"}, OrderStatus.UNPAID),
        ({"financial_status": "voided"}, OrderStatus.UNPAID),
        ({"financial_status": "paid"}, OrderStatus.READY_TO_SHIP),
        ({"financial_status": "authorized"}, OrderStatus.READY_TO_SHIP),
        ({"financial_status": "partially_paid"}, OrderStatus.READY_TO_SHIP),
        ({"fulfillment_status": "partial"}, OrderStatus.READY_TO_SHIP),
        ({"fulfillment_status": "fulfilled", "fulfillments": SHIPPED}, OrderStatus.SHIPPED),
        ({"fulfillment_status": "fulfilled", "fulfillments": DELIVERED}, OrderStatus.COMPLETED),
        ({"fulfillment_status": "fulfilled", "closed_at": LATER}, OrderStatus.COMPLETED),
        (
            {"fulfillment_status": "fulfilled", "financial_status": "partially_refunded"},
            OrderStatus.SHIPPED,
        ),
        ({"fulfillment_status": "fulfilled", "financial_status": "refunded"}, OrderStatus.RETURNED),
        ({"fulfillment_status": "partial", "financial_status": "refunded"}, OrderStatus.RETURNED),
        ({"cancelled_at": LATER, "financial_status": "refunded"}, OrderStatus.CANCELLED),
        ({"cancelled_at": LATER, "financial_status": "voided"}, OrderStatus.CANCELLED),
        ({"financial_status": "refunded"}, OrderStatus.CANCELLED),
        ({"fulfillment_status": "restocked"}, OrderStatus.READY_TO_SHIP),
        ({"financial_status": "expired_by_a_new_api_version"}, OrderStatus.UNPAID),
        ({"financial_status": None}, OrderStatus.UNPAID),
    ],
)
def test_order_status(fields: dict[str, Any], expected: OrderStatus) -> None:
    assert _status(**fields) is expected


def test_a_paid_event_seen_before_the_creation_maps_the_same() -> None:
    """Out of order webhooks carry the whole order: its status is read from it, not the topic."""
    paid_first = _order(financial_status="paid", updated_at=LATER)
    assert order_mapping.order_status(wire.Order.model_validate(paid_first)) is (
        OrderStatus.READY_TO_SHIP
    )


def test_remote_order_keeps_lines_totals_and_only_the_buyers_name_and_city() -> None:
    raw = _order()
    order = order_mapping.remote_order(wire.Order.model_validate(raw), raw)
    assert order.external_id == "5900000001"
    assert order.created_at == datetime(2025, 1, 15, 3, 0, tzinfo=UTC)
    assert [(x.line_key, x.sku, x.quantity, x.unit_price, x.name) for x in order.lines] == [
        ("11", "KOPI", 2, Decimal("30000.00"), "Kopi"),
        ("12", "", 1, Decimal("15000.00"), "Kaos - M"),
    ]
    assert (order.total, order.currency) == (Decimal("75000.00"), "IDR")
    assert (order.buyer_name, order.buyer_city) == ("Budi Santoso", "Jakarta Selatan")
    assert "email" not in order.raw and "customer" not in order.raw
    assert order.raw["shipping_address"] == {"city": "Jakarta Selatan"}
    assert "Rahasia" not in json.dumps(order.raw)


def test_webhook_events_with_and_without_headers() -> None:
    body = json.dumps(_order()).encode()
    headers = {
        "X-Shopify-Topic": "orders/paid",
        "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        "X-Shopify-Triggered-At": "2025-01-15T04:00:00.123Z",
    }
    event = order_mapping.webhook_event(body, headers)
    assert (event.topic, event.order_ids) == ("orders/paid", ("5900000001",))
    assert event.delivery_id == "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"
    assert event.sent_at == datetime(2025, 1, 15, 4, 0, 0, 123000, tzinfo=UTC)
    assert "email" not in event.raw

    stored = order_mapping.webhook_event(body)
    assert (stored.topic, stored.order_ids, stored.delivery_id) == ("orders", ("5900000001",), None)

    refund = json.dumps({"id": 9, "order_id": 5900000001, "refund_line_items": []}).encode()
    assert order_mapping.webhook_event(refund).order_ids == ("5900000001",)
    event = order_mapping.webhook_event(refund, {"x-shopify-topic": "refunds/create"})
    assert event.topic == "refunds/create"
    assert order_mapping.webhook_event(b'{"id": 3, "title": "x"}').order_ids == ()
    for bad in (b"not json", b"[1]", b'{"id": "x"}'):
        with pytest.raises(PermanentError):
            order_mapping.webhook_event(bad)


# --- catalog -----------------------------------------------------------------------------------


def _draft(sku: str, group: str, **fields: Any) -> ListingDraft:
    values: dict[str, Any] = {
        "name": f"Produk {group}",
        "description": "<p>Buatan UMKM</p>",
        "price": Decimal("75000"),
        "stock": 3,
        "weight_grams": 250,
        "image_urls": (f"https://img.example/{group}.png",),
        "category_id": "Pakaian",
    }
    return ListingDraft(sku=sku, group=group, **(values | fields))


def test_a_group_with_variants_becomes_one_product_with_a_variant_option() -> None:
    drafts = [
        (0, _draft("KAOS-S", "KAOS", variant_name="S")),
        (1, _draft("KAOS-M", "KAOS", variant_name="M", price=Decimal("80000.5"))),
    ]
    [group] = mapping.DraftGroup.grouped(drafts, key=lambda d: d.group)
    body = mapping.product_body(group)["product"]
    assert body["options"] == [{"name": "Variant", "values": ["S", "M"]}]
    assert [
        (v["option1"], v["sku"], v["price"], v["weight"], v["weight_unit"])
        for v in body["variants"]
    ] == [
        ("S", "KAOS-S", "75000.00", 250, "g"),
        ("M", "KAOS-M", "80000.50", 250, "g"),
    ]
    assert all(v["inventory_management"] == "shopify" for v in body["variants"])
    assert all("inventory_quantity" not in v for v in body["variants"])
    assert body["images"] == [{"src": "https://img.example/KAOS.png"}]
    assert (body["title"], body["product_type"], body["status"]) == (
        "Produk KAOS",
        "Pakaian",
        "active",
    )

    [single] = mapping.DraftGroup.grouped([(0, _draft("KOPI", "KOPI"))], key=lambda d: d.group)
    body = mapping.product_body(single)["product"]
    assert "options" not in body and "option1" not in body["variants"][0]


def test_a_group_shopify_would_refuse_fails_before_any_call() -> None:
    same = [(n, _draft(f"K{n}", "K", variant_name="S")) for n in range(2)]
    with pytest.raises(PermanentError, match="variant name"):
        mapping.product_body(mapping.DraftGroup.grouped(same, key=lambda d: d.group)[0])
    many = [(n, _draft(f"K{n}", "K", variant_name=str(n))) for n in range(101)]
    with pytest.raises(PermanentError, match="allows 100"):
        mapping.product_body(mapping.DraftGroup.grouped(many, key=lambda d: d.group)[0])


def test_a_product_without_options_is_bound_without_a_variant_id() -> None:
    single = wire.Product.model_validate(
        {
            "id": 8,
            "title": "Kopi",
            "variants": [
                {
                    "id": 44,
                    "title": "Default Title",
                    "sku": "KOPI",
                    "price": "1.00",
                    "inventory_item_id": 46,
                }
            ],
        }
    )
    assert mapping.variant_ref(single, single.variants[0]) == ListingRef("KOPI", "8", "")
    assert mapping.find_variant(single, ListingRef("KOPI", "8", "")) is single.variants[0]
    assert mapping.listings(single, {46: 4})[0].stock == 4


def test_stock_chunks_keep_order_and_never_repeat_an_item() -> None:
    entries = [(0, 1), (1, 2), (2, 1), (3, 3), (4, 4), (5, 5)]
    assert mapping.chunk_distinct(entries, 3) == [
        [(0, 1), (1, 2)],
        [(2, 1), (3, 3), (4, 4)],
        [(5, 5)],
    ]
    assert mapping.chunk_distinct([], 250) == []


def test_user_errors_are_read_by_position() -> None:
    errors = [
        wire.UserError(
            code="INVALID_INVENTORY_ITEM",
            field=["input", "quantities", "3", "inventoryItemId"],
            message="x",
        )
    ]
    assert list(mapping.failed_positions(errors) or {}) == [3]
    whole = [wire.UserError(code="INVALID_REASON", field=["input", "reason"], message="x")]
    assert mapping.failed_positions(whole) is None


# --- client helpers ----------------------------------------------------------------------------


def test_error_texts_and_classification() -> None:
    assert (
        error_text({"title": ["can't be blank"], "base": ["Oops"]}) == "title can't be blank; Oops"
    )
    assert error_text(["a", "b"]) == "a; b"
    assert isinstance(classify("/p", 429, "slow", 0.5), ThrottledError)
    assert isinstance(classify("/p", 503, "", None), TransientError)
    assert isinstance(classify("/p", 401, "no", None), AuthError)
    assert isinstance(classify("/p", 403, "scope", None), AuthError)
    refused = classify("/p", 422, "title can't be blank", None)
    assert isinstance(refused, PermanentError) and refused.status == 422
    assert "title can't be blank" in str(refused)


def test_a_rest_throttle_wait_comes_from_retry_after_or_the_bucket() -> None:
    assert rest_retry_after(httpx.Headers({"Retry-After": "2.0"})) == 2.0
    full = httpx.Headers({"X-Shopify-Shop-Api-Call-Limit": "40/40"})
    assert rest_retry_after(full) == 0.5
    assert rest_retry_after(httpx.Headers({})) is None


def test_a_graphql_throttle_wait_comes_from_the_cost_extension() -> None:
    reply = wire.GraphQLReply.model_validate(
        {
            "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
            "extensions": {
                "cost": {
                    "requestedQueryCost": 752,
                    "actualQueryCost": None,
                    "throttleStatus": {
                        "maximumAvailable": 1000.0,
                        "currentlyAvailable": 666,
                        "restoreRate": 50.0,
                    },
                }
            },
        }
    )
    error = graphql_error("/graphql.json", "x", reply)
    assert isinstance(error, ThrottledError) and error.code == "THROTTLED"
    assert error.retry_after == pytest.approx((752 - 666) / 50)
    other = wire.GraphQLReply.model_validate(
        {"errors": [{"message": "no", "extensions": {"code": "MAX_INPUT_SIZE_EXCEEDED"}}]}
    )
    assert isinstance(graphql_error("/g", "x", other), PermanentError)
