"""A marketplace's numeric ids read back from the text Lapak keeps them as (a `ListingRef`'s
item and variant ids, a draft group's key)."""

from __future__ import annotations

from collections.abc import Callable

from lapak.sync.protocol import PermanentError


def id_reader(platform: str) -> Callable[[str, str, str], int]:
    """`as_id(value, sku, what)` for `platform`: the number `value` holds; text that is not
    one is a `PermanentError` naming the listing (`sku`) and the id (`what`), "… is not a
    <platform> id"."""

    def as_id(value: str, sku: str, what: str) -> int:
        try:
            return int(value)
        except ValueError:
            raise PermanentError(f"{sku}: {what} {value!r} is not a {platform} id") from None

    return as_id
