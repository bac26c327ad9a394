"""Tokopedia's boundary parsers on bad input: single orders, product read-back, webhooks."""

from __future__ import annotations

from lapak.connectors.tokopedia import mapping, order_mapping, wire
from lapak.sync.protocol import PermanentError, TransientError

from tests.fuzz import contracts
from tests.fuzz.harness import boundary
from tests.fuzz.payloads import bodies, payloads

FS_ID, SHOP_ID = 13004, 479573
ORDER = {
    "order_id": 12345678,
    "order_status": 400,
    "item_price": 45000,
    "create_time": "2024-01-01T10:00:00Z",
    "update_time": "2024-01-01T11:00:00+07:00",
    "buyer_info": {"buyer_id": 1, "buyer_fullname": "Budi"},
    "order_info": {
        "order_detail": [
            {
                "order_detail_id": 9,
                "product_id": 5,
                "product_name": "Kopi",
                "sku": "KOPI",
                "quantity": 2,
                "product_price": 22500,
            }
        ],
        "destination": {"receiver_name": "Budi", "address_city": "Bandung"},
    },
    "shipment_fulfillment": {"confirm_shipping_deadline": "2024-01-03T10:00:00Z"},
}
PRODUCT = {
    "basic": {"productID": 5, "shopID": SHOP_ID, "status": 1, "name": "Kopi"},
    "price": {"value": 45000},
    "stock": {"value": 7, "useStock": True},
    "other": {"sku": "KOPI"},
}
PUSH = {"fs_id": FS_ID, "shop_id": SHOP_ID, "order_id": 12345678, "order_status": 400}


@boundary("tokopedia.order", payloads(ORDER), allowed=(PermanentError,))
def test_single_order(raw: object) -> None:
    contracts.assert_keepable_order(order_mapping.parse_order(raw))


@boundary("tokopedia.listing", payloads(PRODUCT), allowed=(TransientError,))
def test_product_read_back(raw: object) -> None:
    (product,) = wire.validate_list(wire.ProductInfo, [raw], "product/info")
    contracts.assert_keepable_listing(mapping.product_listing(product))
    contracts.assert_keepable_listing(mapping.variant_listing(product, 5))


@boundary("tokopedia.webhook", bodies(PUSH), allowed=(PermanentError,))
def test_webhook(body: bytes) -> None:
    contracts.assert_keepable_event(order_mapping.webhook_event(body, FS_ID, SHOP_ID))
