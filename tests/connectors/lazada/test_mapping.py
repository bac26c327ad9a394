"""Pure wire ⇄ sync mapping of the Lazada connector (no HTTP)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lapak.connectors.kit.refusals import StaleTokenError
from lapak.connectors.lazada import mapping, order_mapping, wire
from lapak.connectors.lazada.client import LazadaError, auth_url_for, classify
from lapak.sync.protocol import AuthError, PermanentError, ThrottledError, TransientError
from lapak.sync.types import ListingDraft, ListingRef, OrderStatus, PriceUpdate, StockUpdate

# --- statuses --------------------------------------------------------------------------------

EXPECTED_STATUS = {
    "unpaid": OrderStatus.UNPAID,
    "pending": OrderStatus.READY_TO_SHIP,
    "packed": OrderStatus.READY_TO_SHIP,
    "repacked": OrderStatus.READY_TO_SHIP,
    "topack": OrderStatus.READY_TO_SHIP,
    "toship": OrderStatus.READY_TO_SHIP,
    "ready_to_ship": OrderStatus.SHIPPED,
    "shipped": OrderStatus.SHIPPED,
    "failed_delivery": OrderStatus.SHIPPED,
    "shipped_back": OrderStatus.SHIPPED,
    "delivered": OrderStatus.COMPLETED,
    "lost_by_3pl": OrderStatus.COMPLETED,
    "returned": OrderStatus.RETURNED,
    "shipped_back_success": OrderStatus.RETURNED,
    "failed": OrderStatus.RETURNED,
    "canceled": OrderStatus.CANCELLED,
}


@pytest.mark.parametrize(("lazada", "lapak"), EXPECTED_STATUS.items())
def test_item_status_mapping(lazada: str, lapak: OrderStatus) -> None:
    assert order_mapping.item_status(lazada, "1") is lapak


def test_an_unknown_status_keeps_the_units_reserved() -> None:
    assert order_mapping.item_status("brand_new_status", "1") is OrderStatus.READY_TO_SHIP


@pytest.mark.parametrize(
    ("statuses", "lapak"),
    [
        (["pending", "pending"], OrderStatus.READY_TO_SHIP),
        (["unpaid"], OrderStatus.UNPAID),
        (["canceled", "canceled"], OrderStatus.CANCELLED),
        (["canceled", "ready_to_ship"], OrderStatus.SHIPPED),  # a cancelled unit does not hold it
        (["packed", "ready_to_ship"], OrderStatus.READY_TO_SHIP),  # one unit still to send
        (["delivered", "shipped"], OrderStatus.SHIPPED),
        (["returned", "returned"], OrderStatus.RETURNED),
        (["returned", "delivered"], OrderStatus.COMPLETED),  # a partial return
    ],
)
def test_an_order_takes_the_least_advanced_status_of_its_units(
    statuses: list[str], lapak: OrderStatus
) -> None:
    assert order_mapping.order_status(statuses, "1") is lapak


# --- orders ----------------------------------------------------------------------------------


def _header(**overrides: object) -> wire.OrderHeader:
    data: dict[str, object] = {
        "order_id": 400000000000001,  # a number here, text elsewhere
        "order_number": "300000000001",
        "created_at": "2024-05-01T10:00:00+07:00",
        "updated_at": "2024-05-01T10:05:00+0700",
        "price": "75000.00",
        "statuses": ["pending"],
        "customer_first_name": "Budi",
        "customer_last_name": "Santoso",
        "address_shipping": {"first_name": "Budi", "phone": "62****12", "city": "Bandung"},
        "address_billing": {"phone": "62****12", "address1": "Jl. Rahasia 1"},
    }
    data.update(overrides)
    return wire.OrderHeader.model_validate(data)


def _item(n: int, sku: str, status: str = "pending", price: str = "30000.00") -> wire.OrderItem:
    return wire.OrderItem.model_validate(
        {
            "order_item_id": 400000000500000 + n,
            "order_id": "400000000000001",
            "status": status,
            "sku": sku,
            "name": sku.title(),
            "item_price": price,
            "currency": "IDR",
            "updated_at": "1714533000000",  # epoch milliseconds as text
            "promised_shipping_time": "2024-05-03T10:00:00+07:00",
        }
    )


def test_an_order_from_its_header_and_units() -> None:
    items = [_item(3, "KOPI"), _item(1, "KOPI"), _item(2, "GULA", price="15000.00")]
    order = order_mapping.remote_order(_header(), items)

    assert order.external_id == "400000000000001"
    assert order.status is OrderStatus.READY_TO_SHIP
    assert order.created_at == datetime(2024, 5, 1, 3, 0, tzinfo=UTC)
    assert order.updated_at == datetime.fromtimestamp(1714533000, UTC)  # the newest time seen
    assert [(x.line_key, x.sku, x.quantity, x.unit_price) for x in order.lines] == [
        ("400000000500001", "KOPI", 2, Decimal(30000)),
        ("400000000500002", "GULA", 1, Decimal(15000)),
    ]
    assert (order.total, order.currency) == (Decimal(75000), "IDR")
    assert (order.buyer_name, order.buyer_city) == ("Budi Santoso", "Bandung")
    assert order.ship_by == datetime(2024, 5, 3, 3, 0, tzinfo=UTC)
    assert order.raw["address_shipping"] == {"city": "Bandung"}  # no PII beyond the city
    assert "address_billing" not in order.raw and "customer_last_name" not in order.raw


def test_cancelled_units_of_an_order_that_goes_on_are_not_lines() -> None:
    items = [_item(1, "KOPI"), _item(2, "KOPI", "canceled"), _item(3, "GULA", "canceled")]
    order = order_mapping.remote_order(_header(), items)
    assert [(x.line_key, x.sku, x.quantity) for x in order.lines] == [
        ("400000000500001", "KOPI", 1)
    ]
    everything = [_item(1, "KOPI", "canceled"), _item(2, "KOPI", "canceled")]
    cancelled = order_mapping.remote_order(_header(), everything)
    assert cancelled.status is OrderStatus.CANCELLED
    assert [(x.sku, x.quantity) for x in cancelled.lines] == [("KOPI", 2)]


def test_times_are_sent_in_whole_seconds() -> None:
    assert order_mapping.iso(1714521600.7) == "2024-05-01T00:00:00+00:00"
    assert order_mapping.iso(1714521600.2, up=True) == "2024-05-01T00:00:01+00:00"


# --- listings --------------------------------------------------------------------------------


def _draft(sku: str, group: str, **fields: object) -> ListingDraft:
    values: dict[str, object] = {
        "name": f"Produk {group}",
        "description": "Deskripsi",
        "price": Decimal("50000.4"),
        "stock": 5,
        "weight_grams": 305,
        "image_urls": ("https://img.example/a.png",),
        "category_id": "10002019",
    }
    values.update(fields)
    return ListingDraft(sku=sku, group=group, **values)  # type: ignore[arg-type]


def _group(*drafts: ListingDraft) -> mapping.DraftGroup:
    (group,) = mapping.DraftGroup.grouped(enumerate(drafts), key=lambda d: d.group)
    return group


def test_a_group_with_variants_becomes_one_product_with_a_custom_sales_attribute() -> None:
    group = _group(
        _draft("KAOS-M", "KAOS", variant_name="Merah"), _draft("KAOS-B", "KAOS", stock=0)
    )
    payload = json.loads(mapping.create_payload(group, ["https://lzd/a.png"], (10, 20, 5.5)))

    product = payload["Request"]["Product"]
    assert product["PrimaryCategory"] == "10002019"
    assert product["Images"] == {"Image": ["https://lzd/a.png"]}
    assert product["variation"] == {
        "variation1": {
            "name": "Variant",
            "hasImage": False,
            "customize": True,
            "options": {"option": ["Merah", "KAOS-B"]},  # no variant name: the SKU
        }
    }
    assert product["Attributes"] == {
        "name": "Produk KAOS",
        "description": "Deskripsi",
        "brand": "No Brand",
    }
    first, second = product["Skus"]["Sku"]
    assert first == {
        "SellerSku": "KAOS-M",
        "quantity": "5",
        "price": "50000",
        "package_weight": "0.31",
        "package_length": "10.00",
        "package_width": "20.00",
        "package_height": "5.50",
        "saleProp": {"Variant": "Merah"},
    }
    assert second["saleProp"] == {"Variant": "KAOS-B"} and second["quantity"] == "0"


def test_a_single_sku_product_declares_no_variation() -> None:
    group = _group(_draft("TOPI", "TOPI"))
    product = json.loads(mapping.create_payload(group, [], (10, 10, 10)))["Request"]["Product"]
    assert "variation" not in product and "Images" not in product
    assert "saleProp" not in product["Skus"]["Sku"][0]


def test_what_a_product_needs_is_named_when_missing() -> None:
    assert mapping.missing_for_create(_group(_draft("A", "A"))) is None
    no_category = _group(_draft("A", "A", category_id=None))
    assert mapping.missing_for_create(no_category) == "category_id missing for lazada"
    weightless = _group(_draft("A-1", "A", weight_grams=0), _draft("A-2", "A"))
    assert mapping.missing_for_create(weightless) == "weight_grams missing for lazada (A-1)"


def test_created_skus_get_refs_by_the_variant_rule() -> None:
    created = wire.CreatedProduct.model_validate(
        {"item_id": 3069252927, "sku_list": [{"seller_sku": "K-1", "sku_id": 15298395971}]}
    )
    with_variants = mapping.created_results(_group(_draft("K-1", "K"), _draft("K-2", "K")), created)
    assert with_variants[0].ref == ListingRef("K-1", "3069252927", "15298395971")
    assert not with_variants[1].ok and with_variants[1].permanent  # not in sku_list
    single = wire.CreatedProduct.model_validate(
        {"item_id": "3069252928", "sku_list": [{"seller_sku": "T", "sku_id": "1"}]}
    )
    assert mapping.created_results(_group(_draft("T", "T")), single)[0].ref == ListingRef(
        "T", "3069252928", ""
    )


@pytest.mark.parametrize(
    ("grams", "kg"), [(300, "0.30"), (305, "0.31"), (5, "0.01"), (1500, "1.50")]
)
def test_weights_go_out_in_kilograms_with_two_decimals(grams: int, kg: str) -> None:
    assert mapping.grams_to_kg(grams) == kg


def test_prices_are_whole_rupiah() -> None:
    assert mapping.price_to_wire(Decimal("25000.4")) == "25000"
    assert mapping.price_to_wire(Decimal("25000.5")) == "25001"


# --- stock and price batches -----------------------------------------------------------------


def _rows(payload: str) -> list[dict[str, str]]:
    root = ElementTree.fromstring(payload.split("?>", 1)[1])
    return [{child.tag: child.text or "" for child in sku} for sku in root.iter("Sku")]


def _tree_xml(rows: list[list[tuple[str, str]]]) -> str:
    """What `xml.etree` writes for the same batch: the oracle `mapping.sku_xml` is held to."""
    root = ElementTree.Element("Request")
    skus = ElementTree.SubElement(ElementTree.SubElement(root, "Product"), "Skus")
    for row in rows:
        sku = ElementTree.SubElement(skus, "Sku")
        for tag, value in row:
            ElementTree.SubElement(sku, tag).text = value
    return '<?xml version="1.0" encoding="UTF-8"?>' + ElementTree.tostring(root, "unicode")


@given(
    st.lists(
        st.lists(
            st.tuples(
                st.sampled_from(["ItemId", "SkuId", "SellerSku", "SellableQuantity", "Price"]),
                st.text(min_size=1),
            ),
            min_size=1,
            max_size=5,
        ),
        min_size=1,
        max_size=5,
    )
)
def test_batch_xml_is_what_xml_etree_writes(rows: list[list[tuple[str, str]]]) -> None:
    assert mapping.sku_xml(rows) == _tree_xml(rows)


@given(st.text(min_size=1))
def test_image_xml_escapes_the_url_as_xml_etree_does(url: str) -> None:
    root = ElementTree.Element("Request")
    ElementTree.SubElement(ElementTree.SubElement(root, "Image"), "Url").text = url
    tree = '<?xml version="1.0" encoding="UTF-8"?>' + ElementTree.tostring(root, "unicode")
    assert mapping.image_xml(url) == tree


def test_stock_batches_mix_products_and_name_each_sku() -> None:
    refs = [ListingRef(f"S{n}", str(3000 + n // 2), str(15000 + n)) for n in range(120)]
    refs.append(ListingRef("SINGLE & <ONE>", "4000", ""))
    plan = mapping.stock_plan([StockUpdate(ref, n) for n, ref in enumerate(refs)], 50)

    assert [len(b.indices) for b in plan.batches] == [50, 50, 21] and not plan.rejected
    assert _rows(plan.batches[0].payload)[1] == {
        "ItemId": "3000",
        "SkuId": "15001",
        "SellerSku": "S1",
        "SellableQuantity": "1",
    }
    assert _rows(plan.batches[2].payload)[-1] == {
        "ItemId": "4000",
        "SellerSku": "SINGLE & <ONE>",  # escaped on the wire, intact after parsing
        "SellableQuantity": "120",
    }


def test_a_repeated_sku_goes_to_a_later_call_and_a_bad_ref_is_rejected() -> None:
    first, again = ListingRef("A", "1", ""), ListingRef("A", "1", "")
    updates = [
        PriceUpdate(first, Decimal(10)),
        PriceUpdate(ListingRef("B", "x1", ""), Decimal(5)),
        PriceUpdate(again, Decimal(11)),
    ]
    plan = mapping.price_plan(updates, 50)
    assert [b.indices for b in plan.batches] == [(0,), (2,)]
    assert _rows(plan.batches[1].payload)[0]["Price"] == "11"
    ((index, rejected),) = plan.rejected
    assert (
        index == 1 and rejected.permanent and "not a Lazada item/SKU id" in (rejected.error or "")
    )


def test_a_refusal_fails_only_the_skus_its_detail_names() -> None:
    updates = [StockUpdate(ListingRef(s, "1", ""), 1) for s in ("A", "B", "C")]
    (batch,) = mapping.stock_plan(updates, 50).batches
    refusal = LazadaError(
        "x: 501: E501: Update product failed",
        code="501",
        detail=[
            wire.ErrorDetail(field="SellerSku", seller_sku="B", message="SELLER_SKU_INVALID"),
            wire.ErrorDetail(field="Sku", seller_sku="C", message="System busy, try later"),
        ],
    )
    results = dict(mapping.batch_results(batch, updates, refusal, "/p"))
    assert results[0].ok
    assert (results[1].ok, results[1].permanent) == (False, True)
    assert "SELLER_SKU_INVALID" in (results[1].error or "")
    assert (results[2].ok, results[2].permanent) == (False, False)


def test_a_refusal_naming_no_sku_of_the_batch_fails_all_of_it() -> None:
    updates = [StockUpdate(ListingRef(s, "1", ""), 1) for s in ("A", "B")]
    (batch,) = mapping.stock_plan(updates, 50).batches
    anonymous = LazadaError(
        "x", code="501", detail=[wire.ErrorDetail(field="Product2", message="SELLER_SKU_INVALID")]
    )
    assert [
        (r.ok, r.permanent) for _, r in mapping.batch_results(batch, updates, anonymous, "/p")
    ] == [
        (False, True),
        (False, True),
    ]
    mixed = LazadaError(
        "x",
        code="501",
        detail=[
            wire.ErrorDetail(seller_sku="A", message="SELLER_SKU_INVALID"),
            wire.ErrorDetail(field="Product2", message="SELLER_SKU_INVALID"),
        ],
    )
    results = mapping.batch_results(batch, updates, mixed, "/p")
    assert [(r.ok, r.permanent) for _, r in results] == [(False, False), (False, False)]


# --- products read back ----------------------------------------------------------------------


def test_a_product_read_back_follows_the_variant_rule() -> None:
    data: dict[str, Any] = {
        "item_id": "180226526",
        "attributes": {"name": "Kaos"},
        "variation": {"Variation1": {"name": "Variant", "options": ["M", "L"]}},
        "skus": [
            {
                "SkuId": 314525867,
                "SellerSku": "KAOS-M",
                "quantity": 9,
                "Available": 7,
                "price": 32,
                "saleProp": {"Variant": "M"},
                "multiWarehouseInventories": [
                    {"warehouseCode": "dropshipping", "sellableQuantity": 6, "totalQuantity": 9}
                ],
            }
        ],
    }
    (listing,) = mapping.listings(wire.Product.model_validate(data))
    assert listing.ref == ListingRef("KAOS-M", "180226526", "314525867")
    assert (listing.stock, listing.price, listing.name) == (6, Decimal(32), "Kaos - M")
    single = {
        **data,
        "variation": {},
        "skus": [{**data["skus"][0], "multiWarehouseInventories": []}],
    }
    (alone,) = mapping.listings(wire.Product.model_validate(single))
    assert alone.ref == ListingRef("KAOS-M", "180226526", "") and alone.stock == 7


# --- errors ----------------------------------------------------------------------------------


def test_refusals_are_classified() -> None:
    ban = "Api access frequency exceeds the limit. this ban will last 2 seconds."
    throttled = classify("/p", 200, "ApiCallLimit", ban)
    assert isinstance(throttled, ThrottledError) and throttled.retry_after == 2.0
    e901 = classify("/p", 200, "901", "E901: The request is too frequent")
    assert isinstance(e901, ThrottledError) and e901.retry_after == 1.0
    assert type(classify("/p", 503, "ServiceUnavailable", "")) is TransientError
    assert type(classify("/p", 200, "6", "E006: Unexpected internal error")) is TransientError
    assert isinstance(classify("/p", 200, "IllegalAccessToken", ""), StaleTokenError)
    assert type(classify("/p", 200, "IncompleteSignature", "")) is AuthError
    assert type(classify("/p", 200, "IllegalRefreshToken", "")) is AuthError
    refused = classify("/p", 200, "501", "E501: Update product failed")
    assert isinstance(refused, LazadaError) and isinstance(refused, PermanentError)
    assert refused.code == "501" and str(refused) == "/p: 501: E501: Update product failed"


def test_the_auth_host_is_derived_from_the_gateway() -> None:
    assert auth_url_for("https://api.lazada.co.id/rest") == "https://auth.lazada.com/rest"
    assert auth_url_for("https://api.lazada.sg/rest/") == "https://auth.lazada.com/rest"
    assert auth_url_for("http://127.0.0.1:8123") == "http://127.0.0.1:8123"


# --- pushes ----------------------------------------------------------------------------------


def _push(**overrides: object) -> bytes:
    body: dict[str, object] = {
        "seller_id": "1000165972",
        "message_type": 0,
        "data": {
            "order_status": "unpaid",
            "status_update_time": 1603698638,
            "trade_order_id": "260422900198363",
            "trade_order_line_id": "260422900298363",
        },
        "timestamp": 1603766859530,
        "site": "lazada_vn",
    }
    body.update(overrides)
    return json.dumps(body).encode()


def test_a_trade_order_push_names_the_order_and_when_it_was_sent() -> None:
    event = order_mapping.webhook_event(_push(), "1000165972")
    assert (event.topic, event.order_ids) == ("trade_order", ("260422900198363",))
    assert event.sent_at == datetime.fromtimestamp(1603766859.53, UTC)
    assert event.delivery_id is None  # Lazada gives no delivery id


def test_other_pushes_and_bad_ones() -> None:
    expiry = {"app_key": "115527", "auth_expiry_time": 1627542238, "seller_id": "1000165972"}
    token = order_mapping.webhook_event(_push(message_type=8, data=expiry), None)
    assert (token.topic, token.order_ids) == ("token_expiry", ())
    chat = order_mapping.webhook_event(_push(message_type=2, data={"content": "halo"}), None)
    assert chat.topic == "message_2" and chat.raw["data"] == {}  # buyer text not kept
    with pytest.raises(PermanentError, match="not seller 42"):
        order_mapping.webhook_event(_push(), "42")
    with pytest.raises(PermanentError, match="not JSON"):
        order_mapping.webhook_event(b"{", None)
    with pytest.raises(PermanentError, match="malformed body: trade_order_id: Field required"):
        order_mapping.webhook_event(_push(data={"order_status": "unpaid"}), None)
