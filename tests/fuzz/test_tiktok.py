"""TikTok Shop's boundary parsers on bad input: order details, product read-back, pushes."""

from __future__ import annotations

from lapak.connectors.tiktok import mapping, order_mapping, wire
from lapak.sync.protocol import PermanentError, TransientError

from tests.fuzz import contracts
from tests.fuzz.harness import boundary
from tests.fuzz.payloads import bodies, payloads

ORDER = {
    "id": "576461413038785752",
    "status": "AWAITING_SHIPMENT",
    "create_time": 1619611561,
    "update_time": 1619621355,
    "rts_sla_time": 1619611688,
    "payment": {"currency": "IDR", "total_amount": "75000", "sub_total": "75000"},
    "recipient_address": {
        "name": "Budi",
        "district_info": [
            {"address_level_name": "City", "address_name": "Bandung", "address_level": "L2"}
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
        }
    ],
}
PRODUCT = {
    "id": "1729",
    "title": "Kopi",
    "status": "ACTIVATE",
    "skus": [
        {
            "id": "s1",
            "seller_sku": "KOPI",
            "price": {"currency": "IDR", "sale_price": "30000", "tax_exclusive_price": "30000"},
            "inventory": [{"warehouse_id": "w1", "quantity": 4}],
            "sales_attributes": [{"name": "Size", "value_name": "1 kg"}],
        }
    ],
}
PUSH = {
    "type": 1,
    "tts_notification_id": "7327",
    "shop_id": "7494",
    "timestamp": 1644412885,
    "data": {"order_id": "576461413038785752", "order_status": "AWAITING_SHIPMENT"},
}


@boundary("tiktok.order", payloads(ORDER), allowed=(PermanentError,))
def test_order_detail(raw: object) -> None:
    contracts.assert_keepable_order(order_mapping.parse_order(raw))


@boundary("tiktok.listing", payloads(PRODUCT), allowed=(TransientError,))
def test_product_read_back(raw: object) -> None:
    for listing in mapping.product_listings(wire.validate(wire.Product, raw, "products")):
        contracts.assert_keepable_listing(listing)


@boundary("tiktok.webhook", bodies(PUSH), allowed=(PermanentError,))
def test_push(body: bytes) -> None:
    contracts.assert_keepable_event(order_mapping.webhook_event(body))
