"""A shop's catalog as every sandbox keeps it: listings, their variants and their stock.

A `Listing` is what a seller lists (Shopee's item, Lazada's and TikTok's product, a
Tokopedia parent product); a listing with `variants` sells each variant (Shopee's model,
a SKU, a Tokopedia child product), one without sells itself. Either is a `Unit`: one thing
with a seller SKU, a price and a stock a buyer can order
(docs/ARCHITECTURE.md#where-each-package-sits).

A unit's stock may go uncounted (`manage_stock` False: WooCommerce's unmanaged stock): its
`stock` stays 0 and means nothing; any quantity of it sells, and orders take and give back
none of it (kit/orders.py).

A platform supplies its ids (ints or strings, from its own sequences), its listing status
names (which ones sell, which ones are gone), and keeps its own attributes in `fields`
(Shopee's category_id and logistics, TikTok's main_images, ...); the JSON a platform
answers with is its own. Guarded by the sandbox lock, like all sandbox state.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

Id = int | str
"""A listing, variant, order or line id: each platform's own format."""
Status = str | int
"""A listing or order status: a platform's own names (Tokopedia's are numbers)."""
Price = int | Decimal
"""Whole rupiah, or a Decimal where the platform writes money with decimals."""


@dataclass(slots=True)
class Variant:
    id: Id
    sku: str
    price: Price
    stock: int
    options: list[str] = field(default_factory=list)
    """The variant's option values, one per variation tier ("Merah", "XL")."""
    fields: dict[str, Any] = field(default_factory=dict)
    manage_stock: bool = True
    """False: its stock is not counted (see the module's docstring)."""


@dataclass(slots=True)
class Listing:
    id: Id
    sku: str
    name: str
    price: Price
    stock: int
    status: Status
    created: int
    updated: int
    images: list[str] = field(default_factory=list)
    variants: dict[Id, Variant] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)
    manage_stock: bool = True
    """False: its own stock is not counted (see the module's docstring)."""

    @property
    def has_variants(self) -> bool:
        return bool(self.variants)

    def units(self) -> list[Unit]:
        """What a buyer can order: each variant, or the listing itself without variants."""
        if self.variants:
            return [Unit(self, variant) for variant in self.variants.values()]
        return [Unit(self, None)]


@dataclass(slots=True)
class Unit:
    """One sellable thing: a listing without variants (`variant` None) or one variant."""

    listing: Listing
    variant: Variant | None

    @property
    def key(self) -> tuple[Id, Id | None]:
        return self.listing.id, self.variant.id if self.variant is not None else None

    @property
    def sku(self) -> str:
        return self.variant.sku if self.variant is not None else self.listing.sku

    @property
    def price(self) -> Price:
        return self.variant.price if self.variant is not None else self.listing.price

    @property
    def stock(self) -> int:
        return self.variant.stock if self.variant is not None else self.listing.stock

    @stock.setter
    def stock(self, value: int) -> None:
        if self.variant is not None:
            self.variant.stock = value
        else:
            self.listing.stock = value

    @property
    def manage_stock(self) -> bool:
        """False: its stock is not counted (see the module's docstring)."""
        owner = self.variant if self.variant is not None else self.listing
        return owner.manage_stock


class Catalog:
    """A shop's listings by id, with SKU lookup and stock taking.

    `selling`: the listing statuses a buyer can order from (the random buyer picks only
    those); `gone`: the statuses of deleted listings, which no SKU lookup finds.
    """

    def __init__(self, *, selling: Iterable[Status], gone: Iterable[Status] = ()) -> None:
        self.listings: dict[Id, Listing] = {}
        self.selling = frozenset(selling)
        self.gone = frozenset(gone)

    def add(self, listing: Listing) -> Listing:
        self.listings[listing.id] = listing
        return listing

    def live(self) -> list[Listing]:
        """The listings not deleted."""
        return [item for item in self.listings.values() if item.status not in self.gone]

    def find_sku(self, sku: str) -> Unit | None:
        """The unit with this seller SKU among the live listings (the first when listed twice)."""
        for listing in self.live():
            for unit in listing.units():
                if unit.sku == sku:
                    return unit
        return None

    def unit(self, listing_id: Id, variant_id: Id | None) -> Unit | None:
        """The unit by its ids (None: the listing or the variant is not there)."""
        listing = self.listings.get(listing_id)
        if listing is None:
            return None
        if variant_id is None:
            return None if listing.variants else Unit(listing, None)
        variant = listing.variants.get(variant_id)
        return Unit(listing, variant) if variant is not None else None

    def units(self) -> list[Unit]:
        """Every unit of the listings that sell."""
        return [
            unit
            for listing in self.listings.values()
            if listing.status in self.selling
            for unit in listing.units()
        ]

    def in_stock(self) -> list[Unit]:
        """The selling units with a SKU and stock, or stock not counted (what a random
        buyer can pick)."""
        return [
            unit for unit in self.units() if (unit.stock > 0 or not unit.manage_stock) and unit.sku
        ]
