"""Webhook bodies that are not JSON, or JSON nested to exhaust the parser, are a
`PermanentError` from every connector's webhook mapping, never a `RecursionError`."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from lapak.connectors.json_body import MAX_DEPTH, load_json, nesting_depth
from lapak.connectors.lazada import order_mapping as lazada
from lapak.connectors.shopee import order_mapping as shopee
from lapak.connectors.shopify import order_mapping as shopify
from lapak.connectors.tiktok import order_mapping as tiktok
from lapak.connectors.tokopedia import order_mapping as tokopedia
from lapak.connectors.woocommerce import order_mapping as woocommerce
from lapak.sync.protocol import PermanentError
from lapak.sync.types import WebhookEvent

MAPPINGS: dict[str, Callable[[bytes], WebhookEvent]] = {
    "lazada": lambda body: lazada.webhook_event(body, None),
    "shopee": lambda body: shopee.webhook_event(body, 1),
    "shopify": lambda body: shopify.webhook_event(body, {"X-Shopify-Topic": "orders/create"}),
    "tiktok": tiktok.webhook_event,
    "tokopedia": lambda body: tokopedia.webhook_event(body, 1, 1),
    "woocommerce": lambda body: woocommerce.webhook_event(body, {}),
}

HOSTILE = {
    "deep_open": b"[" * 100_000,
    "deep_closed": b"[" * 5_000 + b"]" * 5_000,
    "deep_object": b'{"a":' * 5_000 + b"1" + b"}" * 5_000,
    "truncated": b'{"data": {"ordersn": "1"',
    "not_utf8": b'{"a": "\xff\xfe"}',
    "empty": b"",
    "array": b"[1, 2, 3]",
    "number": b"7",
}


@pytest.mark.parametrize("platform", sorted(MAPPINGS))
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_every_mapping_refuses_hostile_bodies_as_permanent(platform: str, name: str) -> None:
    with pytest.raises(PermanentError):
        MAPPINGS[platform](HOSTILE[name])


def test_depth_is_counted_outside_strings_only() -> None:
    assert nesting_depth(b'{"a": [[1], {"b": "[[[[{{{{"}]}') == 3
    assert nesting_depth(b'["\\"[[[", [2]]') == 2
    assert load_json(b'{"a": "' + b"[" * 1000 + b'"}', "test") == {"a": "[" * 1000}


def test_nesting_up_to_the_limit_parses_and_one_more_is_refused() -> None:
    assert load_json(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH, "test") is not None
    with pytest.raises(PermanentError, match=f"nested {MAX_DEPTH + 1} levels"):
        load_json(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), "test")
