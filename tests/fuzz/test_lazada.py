"""Lazada's boundary parsers on bad input: order headers and items, product read-back,
pushes."""

from __future__ import annotations

from lapak.connectors.lazada import mapping, order_mapping, wire
from lapak.sync.protocol import PermanentError, TransientError

from tests.fuzz import contracts
from tests.fuzz.harness import boundary
from tests.fuzz.payloads import as_json, bodies, payloads

SELLER_ID = "100001"
ORDER = {
    "header": {
        "order_id": 16090,
        "order_number": 300034,
        "created_at": "2024-01-01 10:00:00 +0700",
        "updated_at": "2024-01-01 11:00:00 +0700",
        "price": "45,000.00",
        "statuses": ["pending"],
        "customer_first_name": "Budi",
        "address_shipping": {"first_name": "Budi", "city": "Bandung"},
        "items_count": 1,
    },
    "items": {
        "order_id": 16090,
        "order_items": [
            {
                "order_item_id": 1,
                "order_id": 16090,
                "status": "pending",
                "sku": "KOPI",
                "shop_sku": "123_ID-456",
                "name": "Kopi",
                "item_price": 45000,
                "paid_price": 45000,
                "currency": "IDR",
            }
        ],
    },
}
PRODUCT = {
    "item_id": 123,
    "primary_category": 10002019,
    "status": "Active",
    "attributes": {"name": "Kopi"},
    "skus": [
        {
            "SkuId": 456,
            "SellerSku": "KOPI",
            "quantity": 7,
            "Available": 7,
            "price": 45000,
            "multiWarehouseInventories": [{"warehouseCode": "dropshipping", "sellableQuantity": 7}],
        }
    ],
}
PUSH = {
    "seller_id": SELLER_ID,
    "message_type": 0,
    "timestamp": 1603766859,
    "site": "lazada_id",
    "data": {"trade_order_id": "16090", "order_status": "pending", "status_update_time": 1},
}


@boundary(
    "lazada.order",
    payloads(ORDER),
    allowed=(PermanentError,),
    examples=[{**ORDER, "header": {**ORDER["header"], "updated_at": 10**400}}],  # type: ignore[dict-item]
)
def test_order(raw: object) -> None:
    header, items = (raw.get("header"), raw.get("items")) if isinstance(raw, dict) else (raw, raw)
    contracts.assert_keepable_order(order_mapping.parse_order(header, items))


NEGATIVE_WAREHOUSE = {
    **PRODUCT,
    "skus": [{"SkuId": 456, "multiWarehouseInventories": [{"sellableQuantity": -(2**45)}]}],
}


@boundary(
    "lazada.listing", payloads(PRODUCT), allowed=(TransientError,), examples=[NEGATIVE_WAREHOUSE]
)
def test_product_read_back(raw: object) -> None:
    for listing in mapping.listings(wire.validate(wire.Product, raw, "/products/get")):
        contracts.assert_keepable_listing(listing)


@boundary(
    "lazada.webhook",
    bodies(PUSH),
    allowed=(PermanentError,),
    examples=[as_json({**PUSH, "timestamp": 10**400})],
)
def test_push(body: bytes) -> None:
    contracts.assert_keepable_event(order_mapping.webhook_event(body, SELLER_ID))
