"""WooCommerce's boundary parsers on bad input: orders, product read-back, webhooks."""

from __future__ import annotations

from hypothesis import strategies as st
from lapak.connectors.woocommerce import mapping, order_mapping, wire
from lapak.sync.protocol import PermanentError, TransientError

from tests.fuzz import contracts
from tests.fuzz.harness import boundary
from tests.fuzz.payloads import bodies, deep_list, payloads

ORDER = {
    "id": 727,
    "number": "727",
    "status": "processing",
    "currency": "IDR",
    "date_created_gmt": "2024-01-01T10:00:00",
    "date_modified_gmt": "2024-01-01T11:00:00",
    "total": "45000.00",
    "billing": {"first_name": "Budi", "last_name": "S", "city": "Bandung"},
    "shipping": {"first_name": "Budi", "last_name": "S", "city": "Bandung"},
    "line_items": [
        {
            "id": 315,
            "name": "Kopi",
            "product_id": 93,
            "variation_id": 0,
            "quantity": 2,
            "sku": "KOPI",
            "total": "45000.00",
            "price": 22500,
        }
    ],
}
PRODUCT = {
    "id": 93,
    "sku": "KOPI",
    "name": "Kopi",
    "regular_price": "45000",
    "manage_stock": True,
    "stock_quantity": 7,
}
HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "X-WC-Webhook-Topic": st.sampled_from(["order.updated", "order.created", "", "\x00"]),
        "X-WC-Webhook-Delivery-ID": st.text(max_size=200),
    },
)


NOT_AMOUNTS = ["x", [["45000"]], {"amount": 1}, "NaN", True, deep_list()]
"""Money fields WooCommerce's validators turned into `decimal.InvalidOperation`."""


@boundary(
    "woocommerce.order",
    payloads(ORDER),
    allowed=(PermanentError,),
    examples=[
        {**ORDER, "line_items": [{**ORDER["line_items"][0], field: value}]}  # type: ignore[dict-item]
        for field in ("total", "price")
        for value in NOT_AMOUNTS
    ]
    + [{**ORDER, "date_modified_gmt": " "}],
)
def test_order(raw: object) -> None:
    contracts.assert_keepable_order(order_mapping.parse_order(raw))


@boundary(
    "woocommerce.listing",
    payloads(PRODUCT),
    allowed=(TransientError,),
    examples=[
        *({**PRODUCT, "regular_price": value} for value in [*NOT_AMOUNTS, "9" * 180]),
        {**PRODUCT, "stock_quantity": -(2**64)},
    ],
)
def test_product_read_back(raw: object) -> None:
    product = wire.validate(wire.Product, raw, "/products")
    contracts.assert_keepable_listing(mapping.product_listing(product))
    variation = wire.validate(wire.Variation, raw, "/variations")
    contracts.assert_keepable_listing(mapping.variation_listing(93, "Kopi", variation))


@boundary("woocommerce.webhook", st.tuples(bodies(ORDER), HEADERS), allowed=(PermanentError,))
def test_webhook(case: tuple[bytes, dict[str, str]]) -> None:
    body, headers = case
    contracts.assert_keepable_event(order_mapping.webhook_event(body, headers))
