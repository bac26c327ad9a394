"""A shop's catalog as every sandbox keeps it: listings, their variants and their stock.

A `Listing` is what a seller lists (Shopee's item, Lazada's and TikTok's product, a
Tokopedia parent product); a listing with `variants` sells each variant (Shopee's model,
a SKU, a Tokopedia child product), one without sells itself. Either is a `Unit`: one thing
with a seller SKU, a price and a stock a buyer can order
(docs/ARCHITECTURE.md#where-each-package-sits).

A unit's stock may go uncounted (`manage_stock` False: WooCommerce's unmanaged stock): its
`stock` stays 0 and means nothing; any quantity of it sells, and orders take and give back
none of it (kit/orders.py).

`find_sku` answers from an index by SKU, so a shop of 100,000 listings finds a SKU in one
dictionary lookup rather than a pass over every listing (a Tokopedia stock update names
up to 100 SKUs, a Lazada create checks its SKUs are free). Platforms change listings in
place (`item.sku = ...`, `product.variants = {...}`, `listing.status = "DELETED"`); a
listing or variant in a catalog reports such a change of SKU, status or variants, and the
next lookup rebuilds the index. Every other field (stock, price, name) changes freely.

A platform supplies its ids (ints or strings, from its own sequences), its listing status
names (which ones sell, which ones are gone), and keeps its own attributes in `fields`
(Shopee's category_id and logistics, TikTok's main_images, ...); the JSON a platform
answers with is its own. Guarded by the sandbox lock, like all sandbox state.
"""

from __future__ import annotations

import itertools
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


_versions = itertools.count(1)
_skus_version = 0
"""Moves on every change of a SKU, a status or a variant set of a listing in a catalog: an
index built at another version is stale. One for all catalogs (a change to one shop's
costs the others a rebuild: rare); each value is new, so two changes racing in two
sandboxes' threads never leave an index looking current."""


def _skus_changed() -> None:
    global _skus_version
    _skus_version = next(_versions)


class _Reporting(dict[Id, Any]):
    """A dict whose every removal and every put (through `__setitem__`, which each subclass
    defines) goes through `_changed`, whatever method made it."""

    __slots__ = ()

    def _changed(self) -> None:
        _skus_changed()

    def __delitem__(self, key: Id) -> None:
        super().__delitem__(key)
        self._changed()

    def pop(self, *args: Any) -> Any:
        self._changed()
        return super().pop(*args)

    def popitem(self) -> tuple[Id, Any]:
        self._changed()
        return super().popitem()

    def clear(self) -> None:
        self._changed()
        super().clear()

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def setdefault(self, key: Id, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]


class Variants(_Reporting):
    """A listing's variants by id; while the listing is in a catalog, adding, replacing or
    removing one is a change of its SKUs."""

    __slots__ = ("indexed",)

    def __init__(self, variants: Any = (), *, indexed: bool = False) -> None:
        super().__init__(variants)
        self.mark(indexed)

    def mark(self, indexed: bool) -> None:
        """In a catalog (its listing is) or not."""
        self.indexed = indexed
        if indexed:
            for variant in self.values():
                variant.indexed = True

    def _changed(self) -> None:
        if getattr(self, "indexed", False):
            _skus_changed()

    def __setitem__(self, key: Id, variant: Variant) -> None:
        if getattr(self, "indexed", False):
            variant.indexed = True
        super().__setitem__(key, variant)
        self._changed()


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
    indexed: bool = field(default=False, init=False, repr=False, compare=False)
    """Its listing is in a catalog: a change of its SKU is reported."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "sku" and getattr(self, "indexed", False):
            _skus_changed()
        object.__setattr__(self, name, value)


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
    indexed: bool = field(default=False, init=False, repr=False, compare=False)
    """It is in a catalog: a change of its SKU, status or variants is reported."""

    def __setattr__(self, name: str, value: Any) -> None:
        indexed = getattr(self, "indexed", False)
        if name == "variants":
            if isinstance(value, Variants):
                value.mark(indexed)  # the same dict: whoever holds it still holds the listing's
            else:
                value = Variants(value, indexed=indexed)
        elif name == "indexed":
            variants = getattr(self, "variants", None)
            if isinstance(variants, Variants):
                variants.mark(value)
        if indexed and name in ("sku", "status", "variants"):
            _skus_changed()
        object.__setattr__(self, name, value)

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


class Listings(_Reporting):
    """A catalog's listings by id: one put in is indexed from then on; replacing or
    removing one is a change of SKUs."""

    __slots__ = ()

    def __setitem__(self, key: Id, listing: Listing) -> None:
        if key in self:
            _skus_changed()
        listing.indexed = True
        super().__setitem__(key, listing)


class Catalog:
    """A shop's listings by id, with SKU lookup and stock taking.

    `selling`: the listing statuses a buyer can order from (the random buyer picks only
    those); `gone`: the statuses of deleted listings, which no SKU lookup finds.
    """

    def __init__(self, *, selling: Iterable[Status], gone: Iterable[Status] = ()) -> None:
        self.listings: dict[Id, Listing] = Listings()
        self.selling = frozenset(selling)
        self.gone = frozenset(gone)
        self._skus: dict[str, tuple[Id, Id | None]] = {}
        self._owners: dict[Id, Id] = {}
        """variant id → its listing's id, deleted listings' too."""
        self._skus_version = -1

    def add(self, listing: Listing) -> Listing:
        """The listing in the catalog (a new one is indexed as it comes, not rebuilt)."""
        current = self._skus_version == _skus_version
        new = listing.id not in self.listings
        self.listings[listing.id] = listing
        if current and new:
            self._index(listing)
            self._skus_version = _skus_version
        return listing

    def live(self) -> list[Listing]:
        """The listings not deleted."""
        return [item for item in self.listings.values() if item.status not in self.gone]

    def find_sku(self, sku: str) -> Unit | None:
        """The unit with this seller SKU among the live listings (the first when listed twice)."""
        self._reindex()
        found = self._skus.get(sku)
        if found is None:
            return None
        listing = self.listings[found[0]]
        return Unit(listing, None if found[1] is None else listing.variants[found[1]])

    def find_id(self, unit_id: Id) -> Unit | None:
        """A listing by its id (`variant` None, whether or not it has variants) or a variant
        by its id, deleted or not: for the platforms that give both ids from one sequence."""
        listing = self.listings.get(unit_id)
        if listing is not None:
            return Unit(listing, None)
        self._reindex()
        owner = self._owners.get(unit_id)
        listing = self.listings.get(owner) if owner is not None else None
        variant = listing.variants.get(unit_id) if listing is not None else None
        return Unit(listing, variant) if listing is not None and variant is not None else None

    def _reindex(self) -> None:
        """Rebuild the indexes once any catalog's SKUs, statuses or variants have changed."""
        if self._skus_version != _skus_version:
            version = _skus_version  # before the pass: a change during it leaves it stale
            self._skus, self._owners = {}, {}
            for listing in self.listings.values():
                self._index(listing)
            self._skus_version = version

    def _index(self, listing: Listing) -> None:
        self._owners.update(dict.fromkeys(listing.variants, listing.id))
        if listing.status in self.gone:
            return
        if listing.variants:
            for variant in listing.variants.values():
                self._skus.setdefault(variant.sku, (listing.id, variant.id))
        else:
            self._skus.setdefault(listing.sku, (listing.id, None))

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
