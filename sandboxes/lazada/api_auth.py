"""GenerateAccessToken (/auth/token/create) and RefreshAccessToken (/auth/token/refresh):
signed without an access_token and answered at the top level (docs/MARKETPLACES.md#lazada-tokens).
The real ones live on auth.lazada.com; the sandbox serves them on its own host.
"""

from __future__ import annotations

from typing import Any

from lapak.sandboxes.lazada.context import Ctx, Route, route
from lapak.sandboxes.lazada.tokens import IssuedTokens, illegal_refresh_token
from lapak.sandboxes.lazada.wire import missing

COUNTRY = "id"


def _reply(ctx: Ctx, seller_id: str, issued: IssuedTokens, list_key: str) -> dict[str, Any]:
    seller = ctx.sandbox.sellers[seller_id]
    return {
        "access_token": issued.access_token,
        "refresh_token": issued.refresh_token,
        "expires_in": issued.expires_in,
        "refresh_expires_in": issued.refresh_expires_in,
        "country": COUNTRY,
        "account_id": seller.seller_id,
        "account_platform": "seller_center",
        "account": f"{seller.name}@seller.lazada.co.id",
        list_key: [
            {
                "country": COUNTRY,
                "seller_id": seller.seller_id,
                "user_id": seller.seller_id,
                "short_code": f"ID{seller.seller_id[-6:]}",
            }
        ],
    }


def create_token(ctx: Ctx) -> dict[str, Any]:
    code = ctx.params.get("code") or ""
    if not code:
        raise missing("code")
    seller_id, issued = ctx.sandbox.tokens.redeem_code(code)
    return _reply(ctx, seller_id, issued, "country_user_info")


def refresh_token(ctx: Ctx) -> dict[str, Any]:
    token = ctx.params.get("refresh_token") or ""
    if not token:
        raise missing("refresh_token")
    owner = ctx.sandbox.tokens.seller_of_refresh(token)
    seller = ctx.sandbox.sellers.get(owner) if owner is not None else None
    if seller is None or seller.app_key != ctx.app_key:
        raise illegal_refresh_token()
    seller_id, issued = ctx.sandbox.tokens.refresh(token)
    return _reply(ctx, seller_id, issued, "country_user_info_list")


ROUTES: dict[str, Route] = {
    "/auth/token/create": route("GET/POST", create_token, seller=False),
    "/auth/token/refresh": route("GET/POST", refresh_token, seller=False),
}
