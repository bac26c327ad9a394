"""`kit.validation.from_body`: an expected answer validated from the body's bytes, or None
for the caller's slow path."""

from __future__ import annotations

from decimal import Decimal

from lapak.connectors.kit.validation import Wire, from_body
from lapak.connectors.lazada.wire import Envelope, ProductPage


def test_an_answer_is_read_with_its_data_typed() -> None:
    body = (
        b'{"code": "0", "request_id": "r1", "data": {"total_products": 1, "products": '
        b'[{"item_id": 7, "skus": [{"SkuId": 70, "SellerSku": "KOPI", "quantity": 3, '
        b'"price": 25000.5}], "extra": true}]}}'
    )
    answer = from_body(Envelope, "data", ProductPage, body)

    assert answer is not None and answer.code == "0" and answer.request_id == "r1"
    page = answer.data
    assert isinstance(page, ProductPage) and page.total_products == 1
    (sku,) = page.products[0].skus
    assert (page.products[0].item_id, sku.SkuId, sku.quantity) == ("7", "70", 3)
    assert sku.price == Decimal("25000.5")


def test_a_refusal_keeps_its_envelope_and_has_no_data() -> None:
    body = b'{"code": "IllegalAccessToken", "type": "ISV", "message": "expired"}'
    answer = from_body(Envelope, "data", ProductPage, body)
    assert answer is not None and answer.code == "IllegalAccessToken" and answer.data is None


def test_what_does_not_validate_is_left_to_the_slow_path() -> None:
    class Page(Wire):
        total: int

    assert from_body(Envelope, "data", Page, b'{"code": "0", "data": {"total": "many"}}') is None
    assert from_body(Envelope, "data", Page, b"[1, 2]") is None
    assert from_body(Envelope, "data", Page, b"<html>502</html>") is None
