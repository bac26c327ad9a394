"""Get Shop Info: the shops linked to the app (one with `shop_id`, else a page of them);
values other than id and name are the sandbox's.
"""

from __future__ import annotations

from typing import Any

from lapak.sandboxes.tokopedia.context import Ctx, Route
from lapak.sandboxes.tokopedia.state import Shop
from lapak.sandboxes.tokopedia.wire import query_int

DEFAULT_PER_PAGE = 50


def shop_view(shop: Shop) -> dict[str, Any]:
    domain = shop.name.lower().replace(" ", "-")
    return {
        "shop_id": shop.shop_id,
        "user_id": shop.shop_id * 10 + 1,
        "shop_name": shop.name,
        "logo": "",
        "shop_url": f"https://www.tokopedia.com/{domain}",
        "is_open": 1,
        "status": 1,
        "date_shop_created": "2021-03-01",
        "domain": domain,
        "admin_id": [shop.shop_id * 10 + 1],
        "reason": "",
        "district_id": 2274,
        "province_name": "DKI Jakarta",
        "warehouses": [],
        "subscribe_tokocabang": False,
    }


def shop_info(ctx: Ctx) -> list[dict[str, Any]]:
    if ctx.query.get("shop_id"):
        return [shop_view(ctx.shop("SHOP_ID"))]
    page = max(1, query_int(ctx.query, "page", "SHOP_PAGE", default=1))
    per_page = max(1, query_int(ctx.query, "per_page", "SHOP_PAGE", default=DEFAULT_PER_PAGE))
    shops = sorted(ctx.shops(), key=lambda shop: shop.shop_id)
    return [shop_view(shop) for shop in shops[(page - 1) * per_page : page * per_page]]


ROUTES = [Route("GET", "/v1/shop/fs/:fs_id/shop-info", shop_info)]
