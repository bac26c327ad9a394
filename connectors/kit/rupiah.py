"""Prices as the Indonesian marketplaces take them: whole rupiah."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def whole_rupiah(price: Decimal) -> int:
    """`price` in whole rupiah, rounded half up (Lazada, Shopee, TikTok Shop and Tokopedia
    take no fraction of a rupiah)."""
    return int(price.quantize(Decimal(1), rounding=ROUND_HALF_UP))
