"""Shopify's boundary parsers on bad input: orders, product read-back, webhooks."""

from __future__ import annotations

from hypothesis import strategies as st
from lapak.connectors.shopify import mapping, order_mapping, wire
from lapak.sync.protocol import PermanentError, TransientError

from tests.fuzz import contracts
from tests.fuzz.harness import boundary
from tests.fuzz.payloads import bodies, deep_list, payloads

ORDER = {
    "id": 450789469,
    "name": "#1001",
    "created_at": "2024-01-01T10:00:00-05:00",
    "updated_at": "2024-01-01T11:00:00-05:00",
    "financial_status": "paid",
    "fulfillment_status": None,
    "currency": "IDR",
    "total_price": "45000.00",
    "line_items": [
        {
            "id": 466157049,
            "variant_id": 39072856,
            "product_id": 632910392,
            "sku": "KOPI",
            "title": "Kopi",
            "variant_title": "1 kg",
            "quantity": 2,
            "price": "22500.00",
        }
    ],
    "customer": {"first_name": "Budi", "last_name": "S"},
    "shipping_address": {"name": "Budi", "city": "Bandung"},
}
PRODUCT = {
    "id": 632910392,
    "title": "Kopi",
    "variants": [
        {"id": 39072856, "sku": "KOPI", "price": "45000.00", "inventory_item_id": 808950810}
    ],
}
WEBHOOK = {"id": 450789469, "admin_graphql_api_id": "gid://shopify/Order/450789469"}
HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "X-Shopify-Topic": st.sampled_from(["orders/updated", "orders/create", "", "\x00"]),
        "X-Shopify-Webhook-Id": st.text(max_size=200),
        "X-Shopify-Triggered-At": st.sampled_from(
            ["2024-01-01T10:00:00Z", "9999-12-31T23:59:59-14:00", "", "now", "\x00"]
        ),
    },
)


LAST_SECOND_WEST = "9999-12-31T23:59:59-14:00"
"""Valid ISO 8601, but year 10000 in UTC: `astimezone` overflowed."""


@boundary(
    "shopify.order",
    payloads(ORDER),
    allowed=(PermanentError,),
    examples=[
        {**ORDER, "created_at": LAST_SECOND_WEST},
        {**ORDER, "line_items": [{**ORDER["line_items"][0], "sku": deep_list()}]},  # type: ignore[dict-item]
    ],
)
def test_order(raw: object) -> None:
    contracts.assert_keepable_order(order_mapping.parse_order(raw))


@boundary(
    "shopify.listing",
    payloads(PRODUCT),
    allowed=(TransientError,),
    examples=[{**PRODUCT, "variants": [{**PRODUCT["variants"][0], "price": 1e308}]}],  # type: ignore[dict-item]
)
def test_product_read_back(raw: object) -> None:
    product = wire.validate(wire.Product, raw, "products.json")
    stock = {v.inventory_item_id: 3 for v in product.variants}
    for listing in mapping.listings(product, stock):
        contracts.assert_keepable_listing(listing)


@boundary(
    "shopify.webhook",
    st.tuples(bodies(WEBHOOK), HEADERS),
    allowed=(PermanentError,),
    examples=[(b'{"id": 1}', {"X-Shopify-Triggered-At": LAST_SECOND_WEST})],
)
def test_webhook(case: tuple[bytes, dict[str, str]]) -> None:
    body, headers = case
    contracts.assert_keepable_event(order_mapping.webhook_event(body, headers))
