"""Pure transforms between Tokopedia FS product payloads and `sync.types` (no I/O).

Listings: SKUs that share a `ListingDraft.group` become one Tokopedia product. A group of
one draft whose sku equals the group is a product without variants (`sku` = the SKU).
Any other group is one product with one variant level: its `variant.selection` names one
variant type of the category (from get_variant) with one option per draft, and
`variant.products[i]` carries each draft's sku, price, stock and `combination: [i]`.
Tokopedia makes each variant its own child product with its own product_id, so a variant
listing's `ListingRef` is (sku, parent product_id, child product_id); a product without
variants is (sku, product_id, "").

Variant payload shape: `variant: {products: [{is_primary, status, price, stock, sku,
combination, pictures}], selection: [{id, unit_id, options: [{hex_code, unit_value_id,
value}]}], sizecharts: []}` — source: the create/edit V3 examples of nda666/tokopedia-php
(tests/Nodes/ProductTest.php) and a TypeScript client's test; the sirclo OpenAPI spec
(dhimas-sirclo/apiclient tokopedia/docs/CreateProductV3RequestInnerVariant.md) has the same
three fields. Whether a custom option value with `unit_value_id` 0 is accepted is
UNCONFIRMED (the sandbox accepts it).

Prices are whole rupiah (IDR, integer `price`/`new_price`); weights go out in grams.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from lapak.connectors import drafts
from lapak.connectors.kit.ids import id_reader
from lapak.connectors.kit.rupiah import whole_rupiah
from lapak.connectors.kit.updates import Results, addressed, cut
from lapak.connectors.tokopedia import wire
from lapak.sync.protocol import PermanentError
from lapak.sync.types import (
    ItemResult,
    ListingDraft,
    ListingRef,
    PriceUpdate,
    RemoteListing,
    StockUpdate,
)

THROTTLED_ROW = "ERR_TOO_MANY_REQUEST"
"""A bulk row refused by Tokopedia's per-row rate limit (guides/rate-limit/
bulk-request-rate-adjustment): transient, the row may be sent again."""

# Row messages seen in the fixtures: "Invalid Product ID.", "Invalid SKU.". Others are
# UNCONFIRMED: a message naming a missing or invalid product cannot succeed when retried;
# anything else is treated as transient and pushed again.
_PERMANENT_MESSAGE = re.compile(
    r"invalid|not found|not exist|deleted|not belong|not allowed|cannot|must be", re.IGNORECASE
)


# --- scalars -------------------------------------------------------------------------------


price_to_wire = whole_rupiah


as_id = id_reader("Tokopedia")
"""A Tokopedia numeric id from its text: `as_id(value, sku, what)`."""


def product_id(ref: ListingRef) -> int:
    """The product_id a stock/price row addresses: the child's for a variant."""
    return as_id(ref.variant_id or ref.item_id, ref.sku, "product_id")


# --- drafts → products ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DraftGroup(drafts.DraftGroup):
    """Drafts that become (or are) one Tokopedia product."""


def missing_for_create(group: DraftGroup) -> str | None:
    """What the group lacks to become a Tokopedia product (None: nothing)."""
    if group.category_id is None:
        return "category_id missing for tokopedia"
    if not group.image_urls:
        return "image missing for tokopedia (a product needs at least one picture)"
    if group.weight_grams <= 0:
        return "weight missing for tokopedia (weight_grams must be > 0)"
    return None


def stock_status(stock: int) -> str:
    """LIMITED with stock, EMPTY without (create-product `status`: UNLIMITED/LIMITED/EMPTY)."""
    return "LIMITED" if stock > 0 else "EMPTY"


def pictures(urls: Sequence[str]) -> list[dict[str, str]]:
    return [{"file_path": url} for url in urls]


def variant_option(draft: ListingDraft) -> str:
    return draft.variant_name or draft.sku


@dataclass(frozen=True, slots=True)
class VariantChoice:
    """The category's variant type the options go under, and its unit's known values."""

    variant_id: int
    unit_id: int
    known_values: dict[str, int]

    @classmethod
    def from_category(cls, types: Sequence[wire.CategoryVariant]) -> VariantChoice | None:
        """The first active variant type of the category (its first unit, if any)."""
        for variant in types:
            if variant.status != 1:
                continue
            unit = variant.units[0] if variant.units else None
            values = {v.value.casefold(): v.value_id for v in unit.values} if unit else {}
            return cls(variant.variant_id, unit.unit_id if unit else 0, values)
        return None

    def option(self, value: str) -> dict[str, Any]:
        return {
            "hex_code": "",
            "unit_value_id": self.known_values.get(value.casefold(), 0),
            "value": value,
        }


def create_body(group: DraftGroup, choice: VariantChoice | None) -> dict[str, Any]:
    """POST /v3/products/fs/:fs_id/create body for one product (create-product doc page:
    `{"products": [...]}`)."""
    lead = group.lead
    category = group.category_id
    if category is None:
        raise PermanentError(f"{lead.sku}: category_id missing for tokopedia")
    product: dict[str, Any] = {
        "name": lead.name,
        "condition": "NEW",
        "description": lead.description,
        "price_currency": "IDR",
        "price": price_to_wire(min(d.price for d in group.drafts)),
        "min_order": 1,
        "category_id": as_id(category, lead.sku, "category_id"),
        "weight": group.weight_grams,
        "weight_unit": "GR",
        "is_free_return": False,
        "is_must_insurance": False,
        "pictures": pictures(group.image_urls),
    }
    if not group.has_variants:
        product.update(sku=lead.sku, stock=lead.stock, status=stock_status(lead.stock))
        return {"products": [product]}
    if choice is None:
        raise PermanentError(f"{lead.sku}: tokopedia category {category} has no variant type")
    total = sum(d.stock for d in group.drafts)
    product.update(stock=total, status=stock_status(total))
    product["variant"] = {
        "products": [
            {
                "is_primary": position == 0,
                "status": stock_status(draft.stock),
                "price": price_to_wire(draft.price),
                "stock": draft.stock,
                "sku": draft.sku,
                "combination": [position],
                "pictures": pictures(draft.image_urls),
            }
            for position, draft in enumerate(group.drafts)
        ],
        "selection": [
            {
                "id": choice.variant_id,
                "unit_id": choice.unit_id,
                "options": [choice.option(variant_option(d)) for d in group.drafts],
            }
        ],
        "sizecharts": [],
    }
    return {"products": [product]}


def edit_body(item_id: int, group: DraftGroup) -> dict[str, Any]:
    """PATCH /v3/products/fs/:fs_id/edit body: the content of a bound product (stock and
    price go through their own endpoints). The doc: `{"products": [{"id", <changed>}]}`."""
    lead = group.lead
    product: dict[str, Any] = {
        "id": item_id,
        "name": lead.name,
        "description": lead.description,
        "weight": group.weight_grams,
        "weight_unit": "GR",
    }
    if group.image_urls:
        product["pictures"] = pictures(group.image_urls)
    return {"products": [product]}


_TAKEN = re.compile(r"already (used|exists?)", re.IGNORECASE)
"""A create refused because the product is already in the shop: its name ("Value [..] of
field [name] is already used", PyPI tokopedia's create_product_v3 test) or its SKU."""


def is_taken(refusal: str) -> bool:
    return bool(_TAKEN.search(refusal))


def row_errors(result: wire.UpsertResult) -> str | None:
    """The refusal a create/edit reply carries (None: the row went through)."""
    if result.fail_data == 0 and not result.failed_rows_data:
        return None
    errors = [e for row in result.failed_rows_data for e in row.error]
    return "; ".join(errors) or "refused without a reason"


def created_results(
    group: DraftGroup, product: int, children: wire.VariantProduct | None
) -> list[ItemResult]:
    """One result per draft of a newly created product (`children` None: no variants)."""
    if children is None:
        return [ItemResult.success(group.lead.sku, ListingRef(group.lead.sku, str(product)))]
    by_sku: dict[str, int] = {}
    for child in children.children:
        by_sku.setdefault(child.sku, child.product_id)

    def variant_of(position: int, draft: ListingDraft) -> str | None:
        child_id = by_sku.get(draft.sku)
        return None if child_id is None else str(child_id)

    missing = f"product {product}: tokopedia made no variant with sku"
    return drafts.created_results(group, str(product), variant_of, missing)


# --- stock and price batches ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    """One bulk row: the update's input index, the product_id it addresses, its value."""

    index: int
    product_id: int
    value: int


def stock_rows(updates: Sequence[StockUpdate]) -> tuple[list[Row], Results]:
    return _rows(updates, lambda u: u.stock)


def price_rows(updates: Sequence[PriceUpdate]) -> tuple[list[Row], Results]:
    return _rows(updates, lambda u: price_to_wire(u.price))


def _rows(updates: Sequence[Any], value: Callable[[Any], int]) -> tuple[list[Row], Results]:
    found, rejected = addressed(updates, lambda update: (product_id(update.ref), value(update)))
    return [Row(index, product, new) for index, (product, new) in found], rejected


def batches(rows: Sequence[Row], size: int) -> list[list[Row]]:
    """Rows in calls of ≤ `size`, in order; a product repeated within a call starts the next
    call, so each answer is unambiguous and the later value lands last."""
    return cut(rows, size, key=lambda row: row.product_id)


def bulk_body(rows: Sequence[Row], field: str) -> list[dict[str, int]]:
    """`[{"product_id": ..., "new_stock"|"new_price": ...}]` (a JSON array, ≤ 100 rows)."""
    return [{"product_id": row.product_id, field: row.value} for row in rows]


def is_permanent_message(message: str) -> bool:
    return message != THROTTLED_ROW and bool(_PERMANENT_MESSAGE.search(message))


def row_failures(rows: Sequence[Row], reply: wire.BulkResult) -> dict[int, str]:
    """The failure message of each row of one call that Tokopedia refused, by input index.

    Rows are matched by product_id. When Tokopedia counts more failed rows than it names,
    the rows it did not confirm count as failed too (transiently): they are pushed again.
    """
    by_product: dict[int, str] = {}
    for failure in reply.failed_rows_data:
        by_product.setdefault(failure.product_id, failure.message or "refused")
    found = {row.index: by_product[row.product_id] for row in rows if row.product_id in by_product}
    if reply.failed_rows > len(found):
        unnamed = f"tokopedia counted {reply.failed_rows} failed rows but named {len(found)}"
        found.update((row.index, unnamed) for row in rows if row.index not in found)
    return found


# --- listings read back --------------------------------------------------------------------


def product_listing(product: wire.ProductInfo) -> RemoteListing:
    return RemoteListing(
        ref=ListingRef(product.other.sku, str(product.basic.product_id)),
        stock=product.stock.value,
        price=product.price.value,
        name=product.basic.name,
    )


def variant_listing(child: wire.ProductInfo, parent_id: int) -> RemoteListing:
    """A variant child read as a product of its own (product/info by id)."""
    return RemoteListing(
        ref=ListingRef(child.other.sku, str(parent_id), str(child.basic.product_id)),
        stock=child.stock.value,
        price=child.price.value,
        name=child.basic.name,
    )
