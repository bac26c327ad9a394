"""Shopee's boundary parsers on bad input: order details, item/model read-back, pushes."""

from __future__ import annotations

from hypothesis import strategies as st
from lapak.connectors.shopee import mapping, order_mapping, signing, wire
from lapak.sync.protocol import PermanentError, TransientError

from tests.fuzz import contracts
from tests.fuzz.harness import boundary
from tests.fuzz.payloads import bodies, payloads

SHOP_ID = 55
ORDER = {
    "order_sn": "2401010ABC",
    "order_status": "READY_TO_SHIP",
    "create_time": 1_700_000_000,
    "update_time": 1_700_000_600,
    "ship_by_date": 1_700_172_800,
    "currency": "IDR",
    "total_amount": 45000.0,
    "buyer_username": "budi88",
    "recipient_address": {"name": "Budi", "city": "Kota Bandung", "full_address": "Jl. Braga 1"},
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
        }
    ],
}
BASE_INFO = {
    "item_list": [
        {
            "item_id": 7,
            "item_sku": "KAOS",
            "item_name": "Kaos",
            "has_model": False,
            "price_info": [{"original_price": 50000.0}],
            "stock_info_v2": {
                "summary_info": {"total_available_stock": 4},
                "seller_stock": [{"stock": 4}, {"location_id": "B", "stock": 2}],
            },
        }
    ]
}
MODEL_LIST = {
    "tier_variation": [{"name": "Variant", "option_list": [{"option": "Merah"}]}],
    "model": [
        {
            "model_id": 70,
            "model_sku": "KAOS-M",
            "tier_index": [0],
            "price_info": [{"original_price": 50000.0}],
            "stock_info_v2": {"seller_stock": [{"stock": 4}]},
        }
    ],
}
PUSH = {
    "code": 3,
    "shop_id": SHOP_ID,
    "timestamp": 1660123127,
    "data": {"ordersn": "220810QSK8S7BX", "status": "PROCESSED", "update_time": 1},
}
latin1 = st.text(alphabet=st.characters(max_codepoint=255), max_size=80)


@boundary("shopee.order", payloads(ORDER), allowed=(PermanentError,))
def test_order_detail(raw: object) -> None:
    contracts.assert_keepable_order(order_mapping.parse_order(raw))


STOCK_BEYOND_COLUMN = {  # summed to 2**31 + 4: more than an integer column holds
    "item_list": [
        {
            "item_id": 7,
            "stock_info_v2": {"seller_stock": [{"stock": 4}, {"stock": 2**31}]},
        }
    ]
}


@boundary(
    "shopee.listing",
    payloads(BASE_INFO, MODEL_LIST),
    allowed=(TransientError,),
    examples=[STOCK_BEYOND_COLUMN],
)
def test_item_read_back(raw: object) -> None:
    info = wire.validate(wire.BaseInfo, raw, mapping.__name__)
    models = wire.validate(wire.ModelList, raw, mapping.__name__)
    for item in info.item_list:
        contracts.assert_keepable_listing(mapping.item_listing(item))
        for listing in mapping.model_listings(item, models):
            contracts.assert_keepable_listing(listing)


@boundary("shopee.webhook", bodies(PUSH), allowed=(PermanentError,))
def test_push(body: bytes) -> None:
    contracts.assert_keepable_event(order_mapping.webhook_event(body, SHOP_ID))


@boundary("shopee.verify_webhook", st.tuples(st.binary(max_size=200), latin1, latin1))
def test_push_signature(case: tuple[bytes, str, str]) -> None:
    body, url, authorization = case
    assert signing.verify_webhook("partner-key", url, body, authorization) in (True, False)


def test_a_malformed_order_is_refused_with_its_payload() -> None:
    bad = {**ORDER, "create_time": 2**64}
    try:
        order_mapping.parse_order(bad)
    except PermanentError as error:
        assert error.raw is bad
        assert "2401010ABC" in str(error) and "create_time" in str(error)
    else:
        raise AssertionError("a create_time beyond year 9999 was accepted")
