"""Pure wire ⇄ sync mapping of the Shopee connector (no HTTP)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from lapak.connectors.shopee import mapping, order_mapping, wire
from lapak.sync.protocol import PermanentError
from lapak.sync.types import ListingDraft, ListingRef, OrderStatus, PriceUpdate, StockUpdate

# --- order status ----------------------------------------------------------------------------

EXPECTED_STATUS = {
    "UNPAID": OrderStatus.UNPAID,
    "INVOICE_PENDING": OrderStatus.UNPAID,
    "READY_TO_SHIP": OrderStatus.READY_TO_SHIP,
    "RETRY_SHIP": OrderStatus.READY_TO_SHIP,
    "IN_CANCEL": OrderStatus.READY_TO_SHIP,
    "PROCESSED": OrderStatus.SHIPPED,
    "SHIPPED": OrderStatus.SHIPPED,
    "TO_CONFIRM_RECEIVE": OrderStatus.SHIPPED,
    "COMPLETED": OrderStatus.COMPLETED,
    "TO_RETURN": OrderStatus.RETURNED,
    "CANCELLED": OrderStatus.CANCELLED,
}


@pytest.mark.parametrize(("shopee", "lapak"), EXPECTED_STATUS.items())
def test_order_status_mapping(shopee: str, lapak: OrderStatus) -> None:
    assert order_mapping.order_status(shopee, "SN1") is lapak


def test_unknown_order_status_is_a_permanent_error_naming_the_order() -> None:
    with pytest.raises(PermanentError, match=r"order SN1: unknown shopee status 'PENDING'"):
        order_mapping.order_status("PENDING", "SN1")


# --- orders ----------------------------------------------------------------------------------


def _order(**overrides: object) -> wire.Order:
    data: dict[str, object] = {
        "order_sn": "2401010ABC",
        "order_status": "READY_TO_SHIP",
        "create_time": 1_700_000_000,
        "update_time": 1_700_000_600,
        "ship_by_date": 1_700_172_800,
        "currency": "IDR",
        "total_amount": 45000.0,
        "buyer_username": "budi88",
        "buyer_user_id": 777,
        "recipient_address": {
            "name": "Budi",
            "phone": "6281234",
            "city": "Kota Bandung",
            "full_address": "Jl. Braga 1",
        },
        "item_list": [
            {
                "item_id": 11,
                "item_name": "Kaos",
                "item_sku": "KAOS",
                "model_id": 101,
                "model_name": "Merah",
                "model_sku": "KAOS-M",
                "model_quantity_purchased": 2,
                "model_original_price": 20000.0,
                "model_discounted_price": 15000.0,
                "order_item_id": 11,
            },
            {
                "item_id": 12,
                "item_name": "Topi",
                "item_sku": "TOPI",
                "model_id": 0,
                "model_sku": "",
                "model_quantity_purchased": 1,
                "model_original_price": 15000.0,
                "model_discounted_price": 0,
            },
        ],
    }
    data.update(overrides)
    return wire.Order.model_validate(data)


def test_remote_order_maps_lines_keys_skus_and_prices() -> None:
    order = order_mapping.remote_order(_order())
    assert order.external_id == "2401010ABC"
    assert order.status is OrderStatus.READY_TO_SHIP
    assert order.created_at == datetime.fromtimestamp(1_700_000_000, UTC)
    assert order.updated_at == datetime.fromtimestamp(1_700_000_600, UTC)
    assert order.ship_by == datetime.fromtimestamp(1_700_172_800, UTC)
    assert order.total == Decimal("45000.0")
    assert (order.currency, order.buyer_name, order.buyer_city) == ("IDR", "budi88", "Kota Bandung")
    first, second = order.lines
    assert (first.line_key, first.sku, first.quantity) == ("11:101", "KAOS-M", 2)
    assert first.unit_price == Decimal("15000.0")  # the discounted price the buyer paid
    assert first.name == "Kaos - Merah"
    # no order_item_id: the item id keys the line; no model_sku: the item_sku is the SKU;
    # no discounted price: the original price
    assert (second.line_key, second.sku, second.unit_price) == ("12:0", "TOPI", Decimal("15000"))


def test_remote_order_raw_keeps_no_recipient_pii() -> None:
    raw = order_mapping.remote_order(_order()).raw
    assert raw["recipient_address"] == {"city": "Kota Bandung"}
    assert "6281234" not in json.dumps(raw)
    assert "Jl. Braga" not in json.dumps(raw)
    assert raw["buyer_user_id"] == 777  # other fields are kept as Shopee sent them


def test_order_without_ship_by_date_or_address() -> None:
    order = order_mapping.remote_order(_order(ship_by_date=0, recipient_address=None))
    assert order.ship_by is None
    assert order.buyer_city == ""


def test_repeated_line_keys_are_made_unique() -> None:
    item = {
        "item_id": 5,
        "model_id": 9,
        "model_sku": "X",
        "model_quantity_purchased": 1,
        "order_item_id": 5,
    }
    lines = order_mapping.remote_order(_order(item_list=[item, item, item])).lines
    assert [line.line_key for line in lines] == ["5:9", "5:9#2", "5:9#3"]


def _draft(sku: str, group: str, **overrides: object) -> ListingDraft:
    fields: dict[str, object] = {
        "sku": sku,
        "group": group,
        "name": "Kaos Polos",
        "description": "Katun 30s",
        "price": Decimal("49999.50"),
        "stock": 7,
        "weight_grams": 250,
        "image_urls": ("http://img/a.jpg",),
        "category_id": "100017",
    }
    fields.update(overrides)
    return ListingDraft(**fields)  # type: ignore[arg-type]


def test_a_single_draft_whose_sku_is_its_group_is_an_item_without_models() -> None:
    (group,) = mapping.DraftGroup.grouped([(0, _draft("TOPI", "TOPI"))], key=lambda d: d.group)
    assert not group.has_variants
    body = mapping.add_item_body(group, ["img1"], [8003, 8005])
    assert body["item_sku"] == "TOPI"
    assert body["original_price"] == 50000 and isinstance(body["original_price"], int)
    assert body["seller_stock"] == [{"stock": 7}]
    assert body["weight"] == 0.25  # kilograms
    assert body["category_id"] == 100017
    assert body["image"] == {"image_id_list": ["img1"]}
    assert body["logistic_info"] == [
        {"logistic_id": 8003, "enabled": True},
        {"logistic_id": 8005, "enabled": True},
    ]
    assert body["brand"] == {"brand_id": 0, "original_brand_name": "NoBrand"}


def test_variants_become_one_item_with_one_tier_and_a_model_per_sku() -> None:
    drafts = [
        (0, _draft("KAOS-M", "KAOS", variant_name="Merah", price=Decimal("50000"))),
        (1, _draft("TOPI", "TOPI")),
        (2, _draft("KAOS-B", "KAOS", variant_name="Biru", price=Decimal("55000"), stock=3)),
    ]
    kaos, topi = mapping.DraftGroup.grouped(drafts, key=lambda d: d.group)
    assert (kaos.key, kaos.indices, topi.indices) == ("KAOS", (0, 2), (1,))
    assert kaos.has_variants
    item = mapping.add_item_body(kaos, [], [1])
    assert item["item_sku"] == "KAOS"
    assert item["original_price"] == 50000
    assert item["seller_stock"] == [{"stock": 0}]  # the models carry the stock
    tiers = mapping.tier_variation_body(99, kaos)
    assert tiers["item_id"] == 99
    assert tiers["tier_variation"] == [
        {"name": "Variant", "option_list": [{"option": "Merah"}, {"option": "Biru"}]}
    ]
    assert tiers["model"] == [
        {
            "tier_index": [0],
            "original_price": 50000,
            "model_sku": "KAOS-M",
            "seller_stock": [{"stock": 7}],
        },
        {
            "tier_index": [1],
            "original_price": 55000,
            "model_sku": "KAOS-B",
            "seller_stock": [{"stock": 3}],
        },
    ]


def test_a_single_draft_under_another_group_name_is_an_item_with_one_variant() -> None:
    (group,) = mapping.DraftGroup.grouped([(0, _draft("KAOS-M", "KAOS"))], key=lambda d: d.group)
    assert group.has_variants
    assert mapping.tier_variation_body(1, group)["tier_variation"][0]["option_list"] == [
        {"option": "KAOS-M"}  # no variant name: the SKU is the option
    ]


def test_a_group_without_category_is_refused() -> None:
    (group,) = mapping.DraftGroup.grouped(
        [(0, _draft("A", "A", category_id=None))], key=lambda d: d.group
    )
    with pytest.raises(PermanentError, match="category_id missing for shopee"):
        mapping.add_item_body(group, [], [])


def test_created_models_are_bound_by_sku() -> None:
    drafts = [(0, _draft("K-M", "K", variant_name="M")), (1, _draft("K-B", "K", variant_name="B"))]
    (group,) = mapping.DraftGroup.grouped(drafts, key=lambda d: d.group)
    created = wire.TierVariationResult.model_validate(
        {
            "item_id": 5,
            "model": [
                {"model_id": 51, "model_sku": "K-B", "tier_index": [1]},
                {"model_id": 50, "model_sku": "K-M", "tier_index": [0]},
            ],
        }
    )
    results = mapping.created_results(group, 5, created)
    assert [r.ref for r in results] == [ListingRef("K-M", "5", "50"), ListingRef("K-B", "5", "51")]
    assert all(r.ok for r in results)


def test_update_item_body_carries_content_only() -> None:
    draft = _draft("TOPI", "TOPI", ref=ListingRef("TOPI", "42"), weight_grams=1200)
    body = mapping.update_item_body(42, [draft], ["img9"])
    assert body == {
        "item_id": 42,
        "item_name": "Kaos Polos",
        "description": "Katun 30s",
        "weight": 1.2,
        "image": {"image_id_list": ["img9"]},
        "item_sku": "TOPI",
    }


# --- stock and price batches -------------------------------------------------------------------


def _stock(item: str, model: str, stock: int = 1, sku: str | None = None) -> StockUpdate:
    return StockUpdate(ListingRef(sku or f"{item}-{model}", item, model), stock)


def test_stock_updates_of_one_item_are_split_into_calls_of_at_most_50_models() -> None:
    updates = [_stock("1", str(m), m) for m in range(1, 121)]
    plan = mapping.stock_plan(updates, 50)
    assert [len(b.indices) for b in plan.batches] == [50, 50, 20]
    assert all(len(b.body["stock_list"]) <= 50 for b in plan.batches)
    assert sorted(i for b in plan.batches for i in b.indices) == list(range(120))
    assert plan.batches[0].body["stock_list"][0] == {"model_id": 1, "seller_stock": [{"stock": 1}]}
    assert {b.body["item_id"] for b in plan.batches} == {1}


def test_stock_updates_are_grouped_per_item_and_an_item_without_models_is_model_0() -> None:
    updates = [_stock("1", "10"), _stock("2", ""), _stock("1", "11")]
    plan = mapping.stock_plan(updates, 50)
    by_item = {b.item_id: b for b in plan.batches}
    assert by_item[1].indices == (0, 2)
    assert by_item[2].body == {
        "item_id": 2,
        "stock_list": [{"model_id": 0, "seller_stock": [{"stock": 1}]}],
    }


def test_a_repeated_model_goes_to_a_later_call_keeping_input_order() -> None:
    updates = [_stock("1", "10", 5), _stock("1", "10", 3)]
    plan = mapping.stock_plan(updates, 50)
    assert [b.body["stock_list"][0]["seller_stock"][0]["stock"] for b in plan.batches] == [5, 3]


def test_an_unparseable_ref_is_rejected_without_a_call() -> None:
    plan = mapping.stock_plan([_stock("abc", "1", sku="BAD"), _stock("1", "2")], 50)
    ((index, result),) = plan.rejected
    assert index == 0 and not result.ok and result.permanent and result.sku == "BAD"
    assert len(plan.batches) == 1


def test_prices_go_out_as_whole_rupiah_integers() -> None:
    updates = [
        PriceUpdate(ListingRef("A", "1", "10"), Decimal("15000.50")),
        PriceUpdate(ListingRef("B", "1", "11"), Decimal("15000.49")),
        PriceUpdate(ListingRef("C", "1", "12"), Decimal("20000")),
    ]
    (batch,) = mapping.price_plan(updates, 50).batches
    prices = [entry["original_price"] for entry in batch.body["price_list"]]
    assert prices == [15001, 15000, 20000]
    assert all(type(price) is int for price in prices)


def test_batch_results_follow_failure_and_success_lists() -> None:
    updates = [_stock("1", "10"), _stock("1", "11"), _stock("1", "12"), _stock("1", "13")]
    (batch,) = mapping.stock_plan(updates, 50).batches
    reply = wire.BatchResult.model_validate(
        {
            "failure_list": [
                {"model_id": 11, "failed_reason": "Model not found"},
                {"model_id": 12, "failed_reason": "System busy, try later"},
            ],
            "success_list": [{"model_id": 10, "stock": 1}],
        }
    )
    results = dict(mapping.batch_results(batch, updates, reply))
    assert results[0].ok and results[0].ref == updates[0].ref
    assert (
        not results[1].ok and results[1].permanent and "Model not found" in (results[1].error or "")
    )
    assert not results[2].ok and not results[2].permanent
    assert not results[3].ok and not results[3].permanent  # confirmed by neither list


# --- listings read back ------------------------------------------------------------------------


def test_listings_from_base_info_and_model_list() -> None:
    item = wire.BaseInfoItem.model_validate(
        {
            "item_id": 7,
            "item_sku": "KAOS",
            "item_name": "Kaos",
            "has_model": True,
        }
    )
    models = wire.ModelList.model_validate(
        {
            "tier_variation": [{"name": "Variant", "option_list": [{"option": "Merah"}]}],
            "model": [
                {
                    "model_id": 70,
                    "model_sku": "KAOS-M",
                    "tier_index": [0],
                    "price_info": [{"original_price": 50000.0, "current_price": 45000.0}],
                    "stock_info_v2": {
                        "summary_info": {"total_available_stock": 4},
                        "seller_stock": [{"stock": 4}, {"location_id": "B", "stock": 2}],
                    },
                }
            ],
        }
    )
    (listing,) = mapping.model_listings(item, models)
    assert listing.ref == ListingRef("KAOS-M", "7", "70")
    assert (listing.stock, listing.price, listing.name) == (6, Decimal("50000.0"), "Kaos - Merah")
    plain = wire.BaseInfoItem.model_validate(
        {
            "item_id": 8,
            "item_sku": "TOPI",
            "stock_info_v2": {"summary_info": {"total_available_stock": 9}},
        }
    )
    assert mapping.item_listing(plain).ref == ListingRef("TOPI", "8", "")
    assert mapping.item_listing(plain).stock == 9  # no seller_stock given: the summary


# --- push --------------------------------------------------------------------------------------


def _push(code: int, shop_id: int = 55, data: object = None) -> bytes:
    payload = {"code": code, "shop_id": shop_id, "timestamp": 1660123127, "data": data or {}}
    return json.dumps(payload).encode()


def test_order_status_push_names_the_order_to_fetch() -> None:
    data = {"items": [], "ordersn": "220810QSK8S7BX", "status": "PROCESSED", "update_time": 1}
    event = order_mapping.webhook_event(_push(3, data=data), 55)
    assert (event.topic, event.order_ids) == ("order_status", ("220810QSK8S7BX",))
    assert event.raw["data"]["status"] == "PROCESSED"
    # The signed body's timestamp is when Shopee sent it; a push carries no delivery id.
    assert event.sent_at == datetime(2022, 8, 10, 9, 18, 47, tzinfo=UTC)
    assert event.delivery_id is None


def test_other_pushes_are_passed_on_by_code() -> None:
    event = order_mapping.webhook_event(_push(12), 55)
    assert (event.topic, event.sent_at) == ("code_12", datetime.fromtimestamp(1660123127, UTC))


def test_a_push_without_timestamp_has_no_send_time() -> None:
    body = json.dumps({"code": 3, "shop_id": 55, "data": {"ordersn": "X"}}).encode()
    assert order_mapping.webhook_event(body, 55).sent_at is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "not JSON"),
        (_push(3, data={"status": "PROCESSED"}), "ordersn"),
        (b'{"code": 3}', "shop_id"),
        (_push(3, shop_id=99, data={"ordersn": "X"}), "shop 99, not shop 55"),
    ],
)
def test_malformed_or_foreign_pushes_are_permanent_errors(body: bytes, message: str) -> None:
    with pytest.raises(PermanentError, match=message):
        order_mapping.webhook_event(body, 55)
