"""Stock and price arithmetic: pure functions, the heart of "never oversell".

docs/rules.md, rule 4.

available    = on_hand − active reservations
store stock  = max(0, available − store buffer), capped by the store's allocation
store price  = base price × (1 + markup %), rounded UP to a multiple of `round_to`
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from decimal import ROUND_CEILING, Decimal


def available(on_hand: int, reserved: int) -> int:
    """Units not yet promised to an order. Negative when orders outran the on-hand count."""
    return on_hand - reserved


def store_stock(available_units: int, buffer: int, allocation: int | None = None) -> int:
    """The absolute stock to show on one store; never below zero."""
    quantity = max(0, available_units - max(0, buffer))
    if allocation is not None:
        quantity = min(quantity, max(0, allocation))
    return quantity


def store_price(base: Decimal, markup_percent: Decimal, round_to: Decimal) -> Decimal:
    """The base price with the store's markup, rounded up to a whole multiple of `round_to`."""
    raw = base * (1 + markup_percent / 100)
    step = round_to if round_to > 0 else Decimal(1)
    return (raw / step).to_integral_value(rounding=ROUND_CEILING) * step


def content_hash(
    *,
    name: str,
    description: str,
    weight_grams: int,
    image_urls: Iterable[str],
    category_id: str | None,
    group_sku: str,
    variant_name: str | None,
) -> str:
    """A short digest of what a listing shows besides price and stock (the content of
    docs/rules.md, rule 2)."""
    payload = json.dumps(
        [name, description, weight_grams, list(image_urls), category_id, group_sku, variant_name],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.blake2b(payload.encode(), digest_size=16).hexdigest()
