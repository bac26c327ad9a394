"""What Lapak reads of a Shopify catalog: products, their variants, stock at one location.

Products are read by REST (`GET products.json`, cursor pages of 250, or by `ids`); stock is
the `available` quantity of each variant's inventory item at the location Lapak manages
(`GET inventory_levels.json`, 50 inventory items per call: UNCONFIRMED limit), which is
the configured `location_id` or the shop's `primary_location_id` (`GET shop.json`).

A ref names a product and a variant; stock is set on the variant's inventory item, so the
inventory item of every variant seen is kept: a connector lives as long as its process, and
a variant's inventory item never changes. The read before a stock write then costs one
call per 50 listings, not two, at the REST pace of 2 calls a second. They are kept as
integers (about 130 bytes a variant): keyed by the refs' id strings they took 48 MB at
100,000 SKUs.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

import structlog
from lapak.connectors.kit.calls import chunks
from lapak.connectors.shopify import mapping, wire
from lapak.connectors.shopify.client import ShopifyClient
from lapak.sync.parallel import in_parallel
from lapak.sync.protocol import PermanentError
from lapak.sync.types import ListingRef, RemoteListing

log = structlog.get_logger(__name__)

PRODUCT_PAGE = 250  # GET products.json: limit max 250
PRODUCT_IDS = 250  # GET products.json?ids=…: at most a page of ids
PRODUCT_FIELDS = "id,title,status,variants,options,images"
LEVEL_ITEMS = 50  # GET inventory_levels.json: inventory_item_ids per call (UNCONFIRMED)


class Catalog:
    """Reads one shop's products and stock, and remembers its variants' ids."""

    def __init__(
        self, client: ShopifyClient, store: str, location_id: int | None, *, at_once: int
    ) -> None:
        self._client = client
        self._at_once = at_once
        """How many reads go side by side (`sync.parallel`)."""
        self._store = store
        self._lock = threading.Lock()
        self._variants: dict[int, tuple[int, int]] = {}
        """variant id → (its product's id, its inventory item id)."""
        self._singles: dict[int, int] = {}
        """product id → the one variant of a product sold without options (a ref with
        variant_id "")."""
        self._location = location_id

    def scan(self) -> Iterator[RemoteListing]:
        params = {"limit": PRODUCT_PAGE, "fields": PRODUCT_FIELDS}
        for page in self._client.pages("products.json", params, wire.ProductList):
            self.remember(page.products)
            stock = self.levels([v.inventory_item_id for p in page.products for v in p.variants])
            for product in page.products:
                yield from mapping.listings(product, stock)

    def read(self, refs: Sequence[ListingRef]) -> list[RemoteListing]:
        """Stock of these listings. A ref whose variant this connector has seen is read by
        its inventory item alone (one `inventory_levels` call for 50, no price); the others,
        and any whose level is gone (a deleted variant takes its inventory item with it),
        through their products, as on first sight."""
        with self._lock:
            seen = [(ref, self._known(ref)) for ref in refs]
        known = [(ref, ids[1]) for ref, ids in seen if ids is not None]
        stock = self.levels([item for _, item in known])
        read = [RemoteListing(ref, stock[item]) for ref, item in known if item in stock]
        rest = [ref for ref, ids in seen if ids is None or ids[1] not in stock]
        return read + self._read_products(rest) if rest else read

    def _read_products(self, refs: Sequence[ListingRef]) -> list[RemoteListing]:
        products = {str(p.id): p for p in self.products(refs)}
        found: list[tuple[ListingRef, wire.Product, wire.Variant]] = []
        for ref in refs:
            product = products.get(ref.item_id)
            variant = mapping.find_variant(product, ref) if product else None
            if product is None or variant is None:
                log.warning("shopify_listing_missing", store=self._store, sku=ref.sku)
                continue
            found.append((ref, product, variant))
        stock = self.levels([variant.inventory_item_id for _, _, variant in found])
        return [
            RemoteListing(
                ref,
                stock.get(variant.inventory_item_id, 0),
                variant.price,
                mapping.listing_name(product, variant),
            )
            for ref, product, variant in found
        ]

    def products(self, refs: Sequence[ListingRef]) -> list[wire.Product]:
        """The products these refs name, fetched by id (a vanished one is absent)."""
        ids = sorted({ref.item_id for ref in refs if ref.item_id.isdigit()})
        pages = in_parallel(self._products_by_id, chunks(ids, PRODUCT_IDS), at_once=self._at_once)
        products = [product for page in pages for product in page]
        self.remember(products)
        return products

    def _products_by_id(self, ids: Sequence[str]) -> list[wire.Product]:
        params = {"ids": ",".join(ids), "limit": PRODUCT_IDS, "fields": PRODUCT_FIELDS}
        return self._client.get("products.json", params, wire.ProductList).products

    def remember(self, products: Sequence[wire.Product]) -> None:
        with self._lock:
            for product in products:
                for variant in product.variants:
                    self._variants[variant.id] = (product.id, variant.inventory_item_id)
                if mapping.is_single(product):
                    self._singles[product.id] = product.variants[0].id

    def remember_variant(self, ref: ListingRef, variant: wire.Variant) -> None:
        with self._lock:
            self._variants[variant.id] = (int(ref.item_id), variant.inventory_item_id)

    def forget(self, ref: ListingRef) -> None:
        with self._lock:
            known = self._known(ref)
            if known is not None:
                del self._variants[known[0]]

    def variant_ids(self, refs: Sequence[ListingRef]) -> dict[int, tuple[int, int]]:
        """(variant id, inventory item id) by position in `refs`; a ref whose product or
        variant is gone is absent. Unknown refs are looked up by product id."""
        with self._lock:
            missing = [ref for ref in refs if self._known(ref) is None]
        if missing:
            self.products(missing)
        with self._lock:
            known = ((i, self._known(ref)) for i, ref in enumerate(refs))
            return {i: ids for i, ids in known if ids is not None}

    def _known(self, ref: ListingRef) -> tuple[int, int] | None:
        """The (variant id, inventory item id) of a ref, if its variant was seen in the
        product the ref names."""
        if not ref.item_id.isdigit() or not (ref.variant_id or "0").isdigit():
            return None
        product = int(ref.item_id)
        variant = int(ref.variant_id) if ref.variant_id else self._singles.get(product)
        if variant is None:
            return None
        seen = self._variants.get(variant)
        return (variant, seen[1]) if seen and seen[0] == product else None

    def levels(self, inventory_item_ids: Sequence[int]) -> dict[int, int]:
        """Available stock at the managed location, by inventory item (50 items a call, the
        calls side by side)."""
        wanted = list(dict.fromkeys(inventory_item_ids))
        if not wanted:
            return {}
        location = str(self.location_id())

        def read(items: Sequence[int]) -> wire.LevelList:
            params = {
                "inventory_item_ids": ",".join(map(str, items)),
                "location_ids": location,
                "limit": 250,
            }
            return self._client.get("inventory_levels.json", params, wire.LevelList)

        return {
            level.inventory_item_id: level.available or 0
            for reply in in_parallel(read, chunks(wanted, LEVEL_ITEMS), at_once=self._at_once)
            for level in reply.inventory_levels
        }

    def location_id(self) -> int:
        """The location Lapak manages: configured, else the shop's primary location."""
        if self._location is None:
            shop = self._client.get(
                "shop.json", {"fields": "id,primary_location_id"}, wire.ShopReply
            ).shop
            location = shop.primary_location_id
            if location is None:
                active = self._client.get("locations.json", {}, wire.LocationList).locations
                location = next((x.id for x in active if x.active), None)
            if location is None:
                raise PermanentError("shopify shop has no active location to hold stock")
            self._location = location
        return self._location
