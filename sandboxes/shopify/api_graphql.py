"""The GraphQL Admin API endpoint (`POST /admin/api/{version}/graphql.json`), for the one
mutation Lapak sends: `inventorySetQuantities`.

The sandbox does not parse GraphQL: it finds the operation's root field by name and reads
its `input` from `variables` (what real clients send); it answers the whole payload,
whatever the selection set. An input array holds at most 250 entries, beyond that a
top-level MAX_INPUT_SIZE_EXCEEDED (docs/MARKETPLACES.md#shopify-batches); each refused
quantity is a userError with `field` ["input", "quantities", "<index>", ...]. With any
userError nothing is applied and the group is null (docs/MARKETPLACES.md#shopify-unconfirmed).
"""

from __future__ import annotations

import re
from typing import Any

from lapak.sandboxes.kit.wire import is_int
from lapak.sandboxes.shopify.state import Variant, iso
from lapak.sandboxes.shopify.wire import GRAPHQL_MUTATION_COST, Ctx, Reply, Route, cost_extension

MAX_INPUT = 250
ALL_OR_NOTHING = True
"""False: the valid quantities are applied and the refused ones reported (the connector
copes with both readings)."""
MAX_QUANTITY = 1_000_000_000
NAMES = frozenset({"available", "on_hand"})
REASONS = frozenset(
    {
        "correction",
        "cycle_count_available",
        "damaged",
        "movement_created",
        "movement_updated",
        "movement_received",
        "movement_canceled",
        "other",
        "promotion",
        "quality_control",
        "received",
        "reservation_created",
        "reservation_deleted",
        "reservation_updated",
        "restock",
        "safety_stock",
        "shrinkage",
    }
)
"""The "possible reasons" list of the inventory quantities guide."""
ROOT = re.compile(
    r"^\s*(?:(?:mutation|query)\b[^{]*)?\{\s*(?:(?P<alias>\w+)\s*:\s*)?(?P<field>\w+)", re.S
)
INPUT_VARIABLE = re.compile(r"\binput\s*:\s*\$(?P<name>\w+)")
ITEM_GID = re.compile(r"^gid://shopify/InventoryItem/(\d+)$")
LOCATION_GID = re.compile(r"^gid://shopify/Location/(\d+)$")


def graphql(ctx: Ctx) -> Reply:
    query = ctx.body.get("query")
    variables = ctx.body.get("variables") or {}
    if not isinstance(query, str) or not isinstance(variables, dict):
        return _errors(ctx, "Parse error: no query string", "parseError")
    root = ROOT.match(query)
    if root is None:
        return _errors(ctx, "Parse error on the document", "parseError")
    field, key = root["field"], root["alias"] or root["field"]
    kind = "Mutation" if query.lstrip().startswith("mutation") else "QueryRoot"
    if field != "inventorySetQuantities" or kind != "Mutation":
        message = f"Field '{field}' doesn't exist on type '{kind}'"
        return _errors(ctx, message, "undefinedField")
    named = INPUT_VARIABLE.search(query)
    if named is None or not isinstance(variables.get(named["name"]), dict):
        message = "Variable $input of type InventorySetQuantitiesInput! was provided invalid value"
        return _errors(ctx, message, "INVALID_VARIABLE")
    data_input: dict[str, Any] = variables[named["name"]]
    quantities = data_input.get("quantities")
    if isinstance(quantities, list) and len(quantities) > MAX_INPUT:
        message = (
            f"The input array size of {len(quantities)} is greater than the maximum allowed "
            f"of {MAX_INPUT}."
        )
        return _errors(ctx, message, "MAX_INPUT_SIZE_EXCEEDED", [field, "input", "quantities"])
    payload = set_quantities(ctx, data_input)
    return Reply({"data": {key: payload}, "extensions": _cost(ctx, GRAPHQL_MUTATION_COST)})


def set_quantities(ctx: Ctx, data: dict[str, Any]) -> dict[str, Any]:
    """The InventorySetQuantitiesPayload: all applied, or userErrors and nothing applied
    (with `ALL_OR_NOTHING` off: the valid quantities applied, the others reported)."""
    errors: list[dict[str, Any]] = []
    name, reason = data.get("name"), data.get("reason")
    if name not in NAMES:
        errors.append(_user_error("INVALID_NAME", "input", "name"))
    if reason not in REASONS:
        errors.append(_user_error("INVALID_REASON", "input", "reason"))
    raw = data.get("quantities")
    if not isinstance(raw, list) or not raw:
        errors.append(_user_error("INVALID_INVENTORY_ITEM", "input", "quantities"))
        raw = []
    refused = bool(errors)  # the input as a whole: nothing can be applied
    ignore_compare = data.get("ignoreCompareQuantity") is True
    items = ctx.shop.inventory_items()
    planned: list[tuple[int, int]] = []
    seen: set[int] = set()
    for index, entry in enumerate(raw):
        code, item, quantity = _problem(ctx, entry, items, ignore_compare, seen)
        if code is None:
            planned.append((item, quantity))
        else:
            errors.append(_user_error(code, "input", "quantities", str(index), LEAVES[code]))
    if refused or (errors and (ALL_OR_NOTHING or not planned)):
        return {"inventoryAdjustmentGroup": None, "userErrors": errors}
    changes = []
    for item, quantity in planned:
        delta = quantity - items[item].stock
        ctx.sandbox.set_available(items[item], quantity)
        changes.append(
            {
                "name": name,
                "delta": delta,
                "quantityAfterChange": quantity,
                "item": {"id": f"gid://shopify/InventoryItem/{item}"},
                "location": {"id": f"gid://shopify/Location/{ctx.shop.location_id}"},
            }
        )
    group = {
        "createdAt": iso(ctx.now),
        "reason": reason,
        "referenceDocumentUri": data.get("referenceDocumentUri"),
        "changes": changes,
    }
    return {"inventoryAdjustmentGroup": group, "userErrors": errors}


MESSAGES = {
    "INVALID_NAME": "The quantity name must be either 'available' or 'on_hand'.",
    "INVALID_REASON": "The specified reason is invalid.",
    "INVALID_INVENTORY_ITEM": "The specified inventory item could not be found.",
    "INVALID_LOCATION": "The specified location could not be found.",
    "ITEM_NOT_STOCKED_AT_LOCATION": "The specified inventory item is not stocked at the location.",
    "INVALID_QUANTITY_NEGATIVE": "The quantity can't be negative.",
    "INVALID_QUANTITY_TOO_HIGH": "The total quantity can't be higher than 1,000,000,000.",
    "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR": (
        "The combination of inventoryItemId and locationId must be unique."
    ),
    "COMPARE_QUANTITY_REQUIRED": (
        "The compareQuantity argument must be given to each quantity or ignored using "
        "ignoreCompareQuantity."
    ),
    "COMPARE_QUANTITY_STALE": "The compareQuantity value does not match persisted value.",
}
"""InventorySetQuantitiesUserErrorCode → message, from the enum reference."""
LEAVES = {
    "INVALID_INVENTORY_ITEM": "inventoryItemId",
    "INVALID_LOCATION": "locationId",
    "ITEM_NOT_STOCKED_AT_LOCATION": "inventoryItemId",
    "INVALID_QUANTITY_NEGATIVE": "quantity",
    "INVALID_QUANTITY_TOO_HIGH": "quantity",
    "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR": "inventoryItemId",
    "COMPARE_QUANTITY_REQUIRED": "compareQuantity",
    "COMPARE_QUANTITY_STALE": "compareQuantity",
}
"""The field of an InventoryQuantityInput each problem names."""


def _problem(
    ctx: Ctx, entry: Any, items: dict[int, Variant], ignore_compare: bool, seen: set[int]
) -> tuple[str | None, int, int]:
    """(problem code or None, inventory item id, quantity) of one InventoryQuantityInput."""
    if not isinstance(entry, dict):
        return "INVALID_INVENTORY_ITEM", 0, 0
    item_match = ITEM_GID.match(str(entry.get("inventoryItemId") or ""))
    location_match = LOCATION_GID.match(str(entry.get("locationId") or ""))
    item = int(item_match[1]) if item_match else 0
    quantity = entry.get("quantity")
    if item not in items:
        return "INVALID_INVENTORY_ITEM", item, 0
    if location_match is None or int(location_match[1]) != ctx.shop.location_id:
        return "INVALID_LOCATION", item, 0
    if not items[item].tracked:
        return "ITEM_NOT_STOCKED_AT_LOCATION", item, 0
    if not is_int(quantity) or quantity < 0:
        return "INVALID_QUANTITY_NEGATIVE", item, 0
    if quantity > MAX_QUANTITY:
        return "INVALID_QUANTITY_TOO_HIGH", item, 0
    if item in seen:
        return "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR", item, 0
    seen.add(item)
    if not ignore_compare:
        if "compareQuantity" not in entry:
            return "COMPARE_QUANTITY_REQUIRED", item, 0
        if entry["compareQuantity"] != items[item].stock:
            return "COMPARE_QUANTITY_STALE", item, 0
    return None, item, quantity


def _user_error(code: str, *field: str) -> dict[str, Any]:
    return {"code": code, "field": list(field), "message": MESSAGES[code]}


def _cost(ctx: Ctx, actual: int) -> dict[str, Any]:
    return cost_extension(ctx.sandbox.points, ctx.shop.access_token, actual)


def _errors(ctx: Ctx, message: str, code: str, path: list[str] | None = None) -> Reply:
    """A request-level failure: top-level `errors`, nothing spent."""
    error: dict[str, Any] = {"message": message, "extensions": {"code": code}}
    if path:
        error["path"] = path
    return Reply({"errors": [error], "extensions": _cost(ctx, 0)})


ROUTES = (Route("POST", "graphql.json", graphql),)
