"""/orders and /orders/{id}, as the v3 orders controller serves them.

Listing filters: `status` (a list; "any" is every status but trash), `include`, `after` /
`before` (created) and `modified_after` / `modified_before` (modified), all exclusive
bounds (WP_Date_Query), read as GMT with `dates_are_gmt`, else as site time.
A `PUT` may change the status (with WooCommerce's stock side effects) and meta data;
WooCommerce itself accepts any status change, so this sandbox does too.
"""

from __future__ import annotations

from lapak.sandboxes.woocommerce.state import ORDER_STATUSES, Shop, WooOrder
from lapak.sandboxes.woocommerce.views import only_fields, order_view
from lapak.sandboxes.woocommerce.wire import (
    EDITABLE,
    Ctx,
    Reply,
    WooError,
    bool_param,
    date_param,
    enum_param,
    id_list_param,
    invalid_param,
    list_param,
    paginate,
    route,
    sort_rows,
)

ORDERBY = ("date", "id", "include", "title", "slug", "modified")
STATUS_FILTERS = ("any", "trash", *ORDER_STATUSES)


def invalid_id(status: int) -> WooError:
    return WooError("woocommerce_rest_shop_order_invalid_id", "Invalid ID.", status)


def _statuses(ctx: Ctx) -> set[str] | None:
    """The statuses asked for (None: "any"), as WC_REST_Orders_Controller reads the list."""
    wanted = list_param(ctx.query, "status") or ["any"]
    chosen: set[str] = set()
    for position, status in enumerate(wanted):
        if status not in STATUS_FILTERS:
            message = f"status[{position}] is not one of {', '.join(STATUS_FILTERS)}."
            raise invalid_param("status", message)
        if status == "any":
            return None
        chosen.add(status)
    return chosen


def list_orders(ctx: Ctx) -> Reply:
    statuses = _statuses(ctx)
    include = id_list_param(ctx.query, "include")
    gmt = bool_param(ctx.query, "dates_are_gmt")
    bounds = {
        name: date_param(ctx.query, name, gmt=gmt)
        for name in ("after", "before", "modified_after", "modified_before")
    }
    orderby = enum_param(ctx.query, "orderby", "date", ORDERBY)
    order = enum_param(ctx.query, "order", "desc", ("asc", "desc"))
    rows = [
        o
        for o in (ctx.caller.orders.values() if ctx.caller else ())
        if (o.status != "trash" if statuses is None else o.status in statuses)
        and (not include or o.id in include)
        and _within(int(o.created), bounds["after"], bounds["before"])
        and _within(int(o.updated), bounds["modified_after"], bounds["modified_before"])
    ]
    page, headers = paginate(ctx, "/orders", sort_rows(rows, orderby, order, include))
    shop = ctx.require("list")
    fields = list_param(ctx.query, "_fields")
    return Reply([only_fields(order_view(shop, o), fields) for o in page], headers=headers)


def _within(moment: int, after: float | None, before: float | None) -> bool:
    """Exclusive bounds, to the second (MySQL DATETIME columns hold whole seconds)."""
    return (after is None or moment > after) and (before is None or moment < before)


def _order(shop: Shop, order_id: int, status: int) -> WooOrder:
    order = shop.orders.get(order_id)
    if order is None:
        raise invalid_id(status)
    return order


def get_order(ctx: Ctx) -> Reply:
    shop = ctx.require("read")
    return Reply(order_view(shop, _order(shop, ctx.ids["id"], 404)))


def update_order(ctx: Ctx) -> Reply:
    shop = ctx.require("edit")
    body = ctx.json
    status = body.get("status")
    if status is not None and status not in ORDER_STATUSES:
        raise invalid_param("status", f"status is not one of {', '.join(ORDER_STATUSES)}.")
    meta = body.get("meta_data")
    if meta is not None and not isinstance(meta, list):
        raise invalid_param("meta_data", "meta_data is not of type array.")
    order = _order(shop, ctx.ids["id"], 400)
    shop.update_meta(order.meta, meta)
    if status:
        shop.book.change_status(order, status, int(ctx.now))
    if body.get("set_paid") is True and order.status in ("pending", "failed"):
        shop.book.change_status(order, "processing", int(ctx.now))
    order.updated = int(ctx.now)
    ctx.sandbox.notify(shop, order, "order.updated")
    return Reply(order_view(shop, order))


def delete_order(ctx: Ctx) -> Reply:
    """Without `force` an order goes to the trash (`order.deleted` fires either way)."""
    shop = ctx.require("delete")
    order = _order(shop, ctx.ids["id"], 404)
    view = order_view(shop, order)
    if bool_param(ctx.query, "force"):
        del shop.book.orders[order.id]
    else:
        if order.status == "trash":
            raise WooError(
                "woocommerce_rest_already_trashed", "The order has already been deleted.", 410
            )
        order.status = "trash"
        order.updated = int(ctx.now)
        view = order_view(shop, order)
    ctx.sandbox.notify(shop, order, "order.deleted")
    return Reply(view)


ROUTES = [
    route("/orders", {"GET": list_orders}),
    route(
        r"/orders/(?P<id>\d+)",
        {"GET": get_order, EDITABLE: update_order, "DELETE": delete_order},
    ),
]
