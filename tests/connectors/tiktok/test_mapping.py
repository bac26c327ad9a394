"""Pure transforms: drafts to Create Product bodies, update plans, per-SKU results, wire
models, order statuses and lines, order windows and pushes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from lapak.connectors.tiktok import mapping, order_mapping, wire
from lapak.sync.protocol import PermanentError, TransientError
from lapak.sync.types import ListingDraft, ListingRef, OrderStatus, PriceUpdate, StockUpdate


def _draft(sku: str, group: str, **fields: Any) -> ListingDraft:
    values: dict[str, Any] = {
        "name": "Kemeja Batik Parang lengan panjang",
        "description": "Batik tulis.\nDibuat di Yogyakarta & Solo.",
        "price": Decimal(185000),
        "stock": 3,
        "weight_grams": 250,
        "image_urls": ("http://img/a.png",),
        "category_id": "601226",
    }
    values.update(fields)
    return ListingDraft(sku=sku, group=group, **values)


def _group(*drafts: ListingDraft) -> mapping.DraftGroup:
    (group,) = mapping.DraftGroup.grouped(enumerate(drafts), key=lambda d: d.group)
    return group


def test_scalars() -> None:
    assert mapping.price_to_wire(Decimal("25000.5")) == "25001"
    assert mapping.price_to_wire(Decimal("25000.49")) == "25000"
    assert [mapping.grams_to_kg(g) for g in (300, 1250, 2000, 1)] == ["0.3", "1.25", "2", "0.001"]
    assert mapping.description_html("a < b\n\n c") == "<p>a &lt; b</p><p>c</p>"


def test_a_product_with_variants() -> None:
    group = _group(
        _draft("BTK-M", "BTK", variant_name="M", weight_grams=260),
        _draft("BTK-L", "BTK", variant_name="L", price=Decimal("190000.4"), stock=0),
    )
    body = mapping.create_body(group, ["uri/1"], "7000714532876273410", "lapak-key")
    assert body["title"] == "Kemeja Batik Parang lengan panjang"
    assert body["category_id"] == "601226" and body["save_mode"] == "LISTING"
    assert body["main_images"] == [{"uri": "uri/1"}]
    assert body["package_weight"] == {"value": "0.26", "unit": "KILOGRAM"}
    assert body["description"] == "<p>Batik tulis.</p><p>Dibuat di Yogyakarta &amp; Solo.</p>"
    assert body["idempotency_key"] == "lapak-key"
    assert body["skus"] == [
        {
            "seller_sku": "BTK-M",
            "price": {"amount": "185000", "currency": "IDR"},
            "inventory": [{"warehouse_id": "7000714532876273410", "quantity": 3}],
            "sales_attributes": [{"name": "Variant", "value_name": "M"}],
        },
        {
            "seller_sku": "BTK-L",
            "price": {"amount": "190000", "currency": "IDR"},
            "inventory": [{"warehouse_id": "7000714532876273410", "quantity": 0}],
            "sales_attributes": [{"name": "Variant", "value_name": "L"}],
        },
    ]


def test_a_single_sku_product_has_no_sales_attributes() -> None:
    body = mapping.create_body(_group(_draft("KOPI", "KOPI")), ["u"], "w", "k")
    assert "sales_attributes" not in body["skus"][0]


@pytest.mark.parametrize(
    ("fields", "missing"),
    [
        ({"category_id": None}, "category_id missing for tiktok"),
        ({"image_urls": ()}, "at least one product image"),
        ({"description": "  "}, "product description"),
        ({"weight_grams": 0}, "package weight above 0"),
    ],
)
def test_what_a_create_needs(fields: dict[str, Any], missing: str) -> None:
    assert missing in (mapping.missing_for_create(_group(_draft("X", "X", **fields))) or "")
    assert mapping.missing_for_create(_group(_draft("X", "X"))) is None


def test_created_results_match_skus_by_seller_sku() -> None:
    group = _group(_draft("A-1", "A", variant_name="1"), _draft("A-2", "A", variant_name="2"))
    created = wire.CreatedProduct.model_validate(
        {"product_id": "17", "skus": [{"id": "2", "seller_sku": "A-2"}]}
    )
    missing, made = mapping.created_results(group, created)
    assert not missing.ok and missing.permanent and "no SKU for A-1" in (missing.error or "")
    assert made.ok and made.ref == ListingRef("A-2", "17", "2")


def test_plans_group_by_product_split_at_the_batch_size_and_never_repeat_a_sku() -> None:
    refs = [ListingRef(f"S{n}", "P1", f"s{n}") for n in range(5)]
    other = ListingRef("Q", "P2", "q")
    broken = ListingRef("B", "", "")
    updates = [
        StockUpdate(refs[0], 1),
        StockUpdate(other, 2),
        StockUpdate(refs[1], 3),
        StockUpdate(refs[0], 4),  # a repeat: goes to a later call
        StockUpdate(broken, 5),
        *(StockUpdate(r, 6) for r in refs[2:]),
    ]
    plan = mapping.stock_plan(updates, 2, "W")
    assert [(b.item_id, b.indices) for b in plan.batches] == [
        ("P1", (0, 2)),
        ("P1", (3, 5)),
        ("P1", (6, 7)),
        ("P2", (1,)),
    ]
    assert plan.batches[0].body == {
        "skus": [
            {"id": "s0", "inventory": [{"warehouse_id": "W", "quantity": 1}]},
            {"id": "s1", "inventory": [{"warehouse_id": "W", "quantity": 3}]},
        ]
    }
    ((index, rejected),) = plan.rejected
    assert (
        index == 4
        and rejected.permanent
        and "lacks the tiktok product id" in (rejected.error or "")
    )
    prices = mapping.price_plan([PriceUpdate(other, Decimal("1500.5"))], 100)
    assert prices.batches[0].body == {
        "skus": [{"id": "q", "price": {"amount": "1501", "currency": "IDR"}}]
    }
    singles = mapping.single_batches(plan.batches[0])
    assert [(b.indices, len(b.body["skus"])) for b in singles] == [((0,), 1), ((2,), 1)]


def test_inventory_results_from_data_errors() -> None:
    refs = [ListingRef(f"S{n}", "P", f"s{n}") for n in range(3)]
    updates = [StockUpdate(r, 1) for r in refs]
    (batch,) = mapping.stock_plan(updates, 100, "W").batches
    reply = wire.InventoryResult.model_validate(
        {
            "errors": [
                {
                    "code": 12052990,
                    "message": "Check failed",
                    "detail": {
                        "sku_id": "s1",
                        "extra_errors": [
                            {
                                "warehouse_id": "W",
                                "code": 12052097,
                                "message": "The warehouse does not exist",
                            }
                        ],
                    },
                },
                {"code": 36009003, "message": "Internal error", "detail": {"sku_id": "s2"}},
            ]
        }
    )
    results = dict(mapping.inventory_results(batch, updates, reply))
    assert results[0].ok
    assert not results[1].ok and results[1].permanent
    assert "12052097 The warehouse does not exist" in (results[1].error or "")
    assert not results[2].ok and not results[2].permanent  # an internal error is retried


def test_product_listings_read_sale_price_and_summed_stock() -> None:
    product = wire.Product.model_validate(
        {
            "id": 1729592969712207008,  # a number where a string is expected is taken as text
            "title": "Kaos",
            "status": "ACTIVATE",
            "skus": [
                {
                    "id": "1",
                    "seller_sku": "K-M",
                    "price": {
                        "currency": "IDR",
                        "tax_exclusive_price": "70000",
                        "sale_price": "75000",
                    },
                    "inventory": [
                        {"warehouse_id": "a", "quantity": 2},
                        {"warehouse_id": "b", "quantity": 3},
                    ],
                    "sales_attributes": [{"name": "Ukuran", "value_name": "M"}],
                },
                {"id": "2", "seller_sku": "", "inventory": []},
                {"id": "3", "seller_sku": "K-L", "price": {"tax_exclusive_price": "80000"}},
            ],
        }
    )
    listings = mapping.product_listings(product)
    assert [(x.ref, x.stock, x.price, x.name) for x in listings] == [
        (ListingRef("K-M", "1729592969712207008", "1"), 5, Decimal(75000), "Kaos - M"),
        (ListingRef("K-L", "1729592969712207008", "3"), 0, Decimal(80000), "Kaos"),
    ]


def test_a_malformed_response_is_transient_and_names_the_field() -> None:
    with pytest.raises(TransientError, match=r"/x: malformed response: product_id"):
        wire.validate(wire.CreatedProduct, {"skus": []}, "/x")


# --- orders --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "returned", "lapak"),
    [
        ("UNPAID", False, OrderStatus.UNPAID),
        ("ON_HOLD", False, OrderStatus.READY_TO_SHIP),
        ("AWAITING_SHIPMENT", False, OrderStatus.READY_TO_SHIP),
        ("PARTIALLY_SHIPPING", False, OrderStatus.SHIPPED),
        ("AWAITING_COLLECTION", False, OrderStatus.SHIPPED),
        ("IN_TRANSIT", False, OrderStatus.SHIPPED),
        ("DELIVERED", False, OrderStatus.COMPLETED),
        ("COMPLETED", False, OrderStatus.COMPLETED),
        ("CANCELLED", False, OrderStatus.CANCELLED),
        ("CANCEL", False, OrderStatus.CANCELLED),
        ("DELIVERED", True, OrderStatus.RETURNED),
        ("IN_TRANSIT", True, OrderStatus.RETURNED),
        ("AWAITING_SHIPMENT", True, OrderStatus.READY_TO_SHIP),  # never shipped: no return
        ("SOMETHING_NEW", False, OrderStatus.UNPAID),  # unknown: conservative, no crash
    ],
)
def test_order_statuses(status: str, returned: bool, lapak: OrderStatus) -> None:
    assert order_mapping.order_status(status, "1", returned=returned) is lapak


def test_only_a_completed_return_of_goods_counts() -> None:
    records = [
        wire.ReturnOrder(
            order_id="1",
            return_type="RETURN_AND_REFUND",
            return_status="RETURN_OR_REFUND_REQUEST_COMPLETE",
        ),
        wire.ReturnOrder(
            order_id="2", return_type="REFUND", return_status="RETURN_OR_REFUND_REQUEST_COMPLETE"
        ),
        wire.ReturnOrder(
            order_id="3", return_type="RETURN_AND_REFUND", return_status="AWAITING_BUYER_SHIP"
        ),
        wire.ReturnOrder(
            order_id="4",
            return_type="RETURN_AND_REFUND",
            return_status="RETURN_OR_REFUND_REQUEST_SUCCESS",
        ),
    ]
    assert order_mapping.returned_orders(records) == {"1", "4"}


def _order(**fields: Any) -> wire.Order:
    values: dict[str, Any] = {
        "id": "576461413038785752",
        "status": "AWAITING_SHIPMENT",
        "create_time": 1619611561,
        "update_time": 1619621355,
        "rts_sla_time": 1619611688,
        "payment": {"currency": "IDR", "total_amount": "75000", "sub_total": "75000"},
        "buyer_email": "v2b2V5@chat.seller.tiktok.com",
        "recipient_address": {
            "name": "Budi",
            "phone_number": "(+62)8***12",
            "district_info": [
                {
                    "address_level_name": "Country",
                    "address_name": "Indonesia",
                    "address_level": "L0",
                },
                {"address_level_name": "City", "address_name": "Bandung", "address_level": "L2"},
            ],
        },
        "line_items": [
            {
                "id": "a",
                "sku_id": "s1",
                "product_id": "p",
                "seller_sku": "KOPI",
                "product_name": "Kopi",
                "sale_price": "30000",
            },
            {
                "id": "b",
                "sku_id": "s2",
                "product_id": "p",
                "seller_sku": "GULA",
                "product_name": "Gula",
                "sku_name": "1 kg",
                "sale_price": "15000",
            },
            {
                "id": "c",
                "sku_id": "s1",
                "product_id": "p",
                "seller_sku": "KOPI",
                "product_name": "Kopi",
                "sale_price": "30000",
            },
        ],
    }
    values.update(fields)
    return wire.Order.model_validate(values)


def test_a_remote_order_folds_units_into_lines_and_keeps_no_pii() -> None:
    order = order_mapping.remote_order(_order())
    assert order.status is OrderStatus.READY_TO_SHIP
    assert [(x.line_key, x.sku, x.quantity, x.unit_price, x.name) for x in order.lines] == [
        ("p:s1", "KOPI", 2, Decimal(30000), "Kopi"),
        ("p:s2", "GULA", 1, Decimal(15000), "Gula - 1 kg"),
    ]
    assert (order.total, order.currency) == (Decimal(75000), "IDR")
    assert (order.buyer_name, order.buyer_city) == ("Budi", "Bandung")
    assert order.created_at == datetime.fromtimestamp(1619611561, UTC)
    assert order.ship_by == datetime.fromtimestamp(1619611688, UTC)
    assert order.raw["recipient_address"] == {"city": "Bandung"}
    assert "buyer_email" not in order.raw and "8***12" not in json.dumps(order.raw)
    unpaid = order_mapping.remote_order(_order(status="UNPAID", recipient_address=None))
    assert (unpaid.status, unpaid.buyer_city, unpaid.buyer_name) == (OrderStatus.UNPAID, "", "")


def test_a_discounted_unit_is_its_own_line() -> None:
    items = [
        wire.LineItem(id="a", sku_id="s", product_id="p", seller_sku="K", sale_price=Decimal(10)),
        wire.LineItem(id="b", sku_id="s", product_id="p", seller_sku="K", sale_price=Decimal(8)),
    ]
    lines = order_mapping.order_lines(items)
    assert [(x.line_key, x.quantity, x.unit_price) for x in lines] == [
        ("p:s", 1, Decimal(10)),
        ("p:s#2", 1, Decimal(8)),
    ]


def test_the_guides_push_examples() -> None:
    status = {
        "type": 1,
        "tts_notification_id": "7327112393057371910",
        "shop_id": "7494049642642441621",
        "timestamp": 1644412885,
        "data": {
            "order_id": "576486316948490001",
            "order_status": "UNPAID",
            "is_on_hold_order": False,
            "update_time": 1644412885,
        },
    }
    event = order_mapping.webhook_event(json.dumps(status).encode())
    assert (event.topic, event.order_ids) == ("order_status", ("576486316948490001",))
    assert event.delivery_id == "7327112393057371910"
    assert event.sent_at == datetime.fromtimestamp(1644412885, UTC)
    returned = {
        **status,
        "type": 12,
        "data": {
            "order_id": 576486316948490001,
            "return_status": "RETURN_OR_REFUND_REQUEST_PENDING",
        },
    }
    assert order_mapping.webhook_event(json.dumps(returned).encode()).order_ids == (
        "576486316948490001",
    )
    other = order_mapping.webhook_event(json.dumps({"type": 6, "data": {}}).encode())
    assert (other.topic, other.order_ids, other.delivery_id, other.sent_at) == (
        "type_6",
        (),
        None,
        None,
    )
    with pytest.raises(PermanentError, match="not JSON"):
        order_mapping.webhook_event(b"{")
    with pytest.raises(PermanentError, match="malformed body: type"):
        order_mapping.webhook_event(b'{"data": {}}')
