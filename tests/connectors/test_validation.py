"""`kit.validation`: an expected answer validated from the body's bytes (`from_body`), or
None for the caller's slow path; a platform's `null` for a field it leaves empty
(`NullIsDefault`)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from lapak.connectors.kit.validation import NullIsDefault, Wire, from_body, validate
from lapak.connectors.lazada.wire import Envelope, ProductPage
from lapak.sync.protocol import TransientError
from pydantic import Field


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


class Flags(NullIsDefault):
    children: list[int] = []
    parent: bool = False


class Product(NullIsDefault):
    id: int
    stock: int = 0
    flags: Flags = Field(default_factory=Flags)
    tags: list[str] = []


def test_a_null_takes_the_fields_default_from_bytes_and_from_python() -> None:
    raw = {"id": 7, "stock": None, "flags": {"children": None, "parent": True}, "tags": None}
    for product in (Product.model_validate(raw), Product.model_validate_json(json.dumps(raw))):
        assert product == Product(id=7, flags=Flags(parent=True))
    assert Product.model_validate({"id": 8, "flags": None}).flags == Flags()


def test_each_null_gets_its_own_copy_of_a_mutable_default() -> None:
    first, second = (Product.model_validate({"id": i, "tags": None}) for i in (1, 2))
    first.tags.append("batik")
    assert second.tags == [] and Product(id=3).tags == []


def test_a_null_where_a_value_is_required_and_a_wrong_value_name_their_field() -> None:
    with pytest.raises(TransientError, match=r"^/p: malformed response: id: "):
        validate(Product, {"id": None}, "/p")
    with pytest.raises(
        TransientError, match=r"^/p: malformed response: flags\.children\.1: Input should be"
    ):
        validate(Product, {"id": 1, "flags": {"children": [1, "x"]}}, "/p")


def test_an_answer_with_nulls_is_read_from_bytes() -> None:
    body = b'{"header": {"error_code": null}, "data": [{"id": 5, "flags": null, "tags": null}]}'
    answer = from_body(Answer, "data", list[Product], body)
    assert answer is not None and answer.data == [Product(id=5)]


class Header(NullIsDefault):
    error_code: str = ""


class Answer(NullIsDefault):
    header: Header = Header()
    data: Any = None
