"""The kit catalog's SKU and id indexes answer as a pass over every live listing would, whatever
platforms do to listings in place (docs/ARCHITECTURE.md: the sandboxes stand in for the
marketplaces, so a wrong lookup is a wrong marketplace)."""

from __future__ import annotations

import copy

from hypothesis import given, settings
from hypothesis import strategies as st
from lapak.sandboxes.kit.catalog import Catalog, Listing, Unit, Variant

SKUS = st.sampled_from(["A", "B", "C", "D", ""])
STATUSES = st.sampled_from(["NORMAL", "DELETED"])


def slow_find(catalog: Catalog, sku: str) -> tuple[object, object] | None:
    """The answer by definition: the first unit with the SKU among the live listings."""
    for listing in catalog.listings.values():
        if listing.status in catalog.gone:
            continue
        for unit in listing.units():
            if unit.sku == sku:
                return unit.key
    return None


def slow_find_id(catalog: Catalog, unit_id: int) -> tuple[object, object] | None:
    """A listing by id, else the variant of that id, deleted listings included."""
    for listing in catalog.listings.values():
        if listing.id == unit_id:
            return listing.id, None
        if unit_id in listing.variants:
            return listing.id, unit_id
    return None


def found(unit: Unit | None) -> tuple[object, object] | None:
    return None if unit is None else unit.key


def listing(listing_id: int, sku: str) -> Listing:
    return Listing(listing_id, sku, "Kopi", 15_000, 3, "NORMAL", 0, 0)


operation = st.one_of(
    st.tuples(st.just("add"), SKUS),
    st.tuples(st.just("add_variant"), st.integers(0, 9), SKUS),
    st.tuples(st.just("listing_sku"), st.integers(0, 9), SKUS),
    st.tuples(st.just("variant_sku"), st.integers(0, 9), SKUS),
    st.tuples(st.just("status"), st.integers(0, 9), STATUSES),
    st.tuples(st.just("replace_variants"), st.integers(0, 9), st.lists(SKUS, max_size=3)),
    st.tuples(st.just("drop_variant"), st.integers(0, 9)),
    st.tuples(st.just("remove"), st.integers(0, 9)),
    st.tuples(st.just("copy_back"), st.integers(0, 9), SKUS),
    st.tuples(st.just("lookup"), SKUS),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(operation, max_size=40))
def test_find_sku_and_find_id_agree_with_a_pass_over_the_listings(operations: list[tuple]) -> None:
    catalog = Catalog(selling={"NORMAL"}, gone={"DELETED"})
    ids = iter(range(1, 10_000))

    def pick(index: int) -> Listing | None:
        listings = list(catalog.listings.values())
        return listings[index % len(listings)] if listings else None

    for op, *args in operations:
        target = pick(args[0]) if args and isinstance(args[0], int) else None
        if op == "add":
            catalog.add(listing(next(ids), args[0]))
        elif op == "lookup":
            pass
        elif target is None:
            continue
        elif op == "add_variant":
            variant_id = next(ids)
            target.variants[variant_id] = Variant(variant_id, args[1], 15_000, 1)
        elif op == "listing_sku":
            target.sku = args[1]
        elif op == "variant_sku" and target.variants:
            next(iter(target.variants.values())).sku = args[1]
        elif op == "status":
            target.status = args[1]
        elif op == "replace_variants":
            target.variants = {
                (variant_id := next(ids)): Variant(variant_id, sku, 15_000, 1) for sku in args[1]
            }
        elif op == "drop_variant" and target.variants:
            target.variants.pop(next(iter(target.variants)))
        elif op == "remove":
            del catalog.listings[target.id]
        elif op == "copy_back":
            # WooCommerce edits a deep copy of a product and puts it back under its id
            draft = copy.deepcopy(target)
            draft.sku = args[1]
            catalog.add(draft)
        for unit_id in range(1, 80):
            assert found(catalog.find_id(unit_id)) == slow_find_id(catalog, unit_id), (op, unit_id)
        for sku in ("A", "B", "C", "D", ""):
            assert found(catalog.find_sku(sku)) == slow_find(catalog, sku), (op, sku)


def test_a_variant_list_held_before_the_listing_joined_the_catalog_is_still_the_listings() -> None:
    catalog = Catalog(selling={"NORMAL"})
    item = listing(1, "PARENT")
    variants = item.variants
    catalog.add(item)
    variants[2] = Variant(2, "CHILD", 15_000, 4)
    unit = catalog.find_sku("CHILD")
    assert unit is not None and unit.key == (1, 2) and unit.stock == 4
