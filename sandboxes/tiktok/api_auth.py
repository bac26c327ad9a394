"""The auth host's token endpoints and Get Authorized Shops.

Token endpoints (authorization-guide-202309.md): GET /api/v2/token/get?app_key&app_secret&
auth_code&grant_type=authorized_code and GET /api/v2/token/refresh?app_key&app_secret&
refresh_token&grant_type=refresh_token — not signed, the app secret in the query. The
real ones live on https://auth.tiktok-shops.com; the sandbox serves them on its one host.
Refusals of a refresh token: 36004005 "can not find related auth record" and 36004001 "rt
has expired" (seen in the wild, EcomPHP/tiktokshop-php PR #15; UNCONFIRMED by the docs).
"""

from __future__ import annotations

from typing import Any

from lapak.sandboxes.tiktok.context import Ctx, Route
from lapak.sandboxes.tiktok.state import REGION
from lapak.sandboxes.tiktok.tokens import Issued, RefusedToken
from lapak.sandboxes.tiktok.wire import CREDENTIALS, TikTokError

NO_AUTH_RECORD = 36004005
REFRESH_EXPIRED = 36004001


def _app(ctx: Ctx, grant_type: str) -> str:
    app_key = ctx.query.get("app_key", "")
    secret = ctx.sandbox.apps.get(app_key)
    if secret is None or ctx.query.get("app_secret") != secret:
        raise TikTokError(CREDENTIALS, "Invalid credentials. Invalid `app_key` query parameter.")
    if ctx.query.get("grant_type") != grant_type:
        raise TikTokError(CREDENTIALS, f"Invalid grant_type: expected {grant_type}.")
    return app_key


def _token_data(ctx: Ctx, issued: Issued) -> dict[str, Any]:
    grant = ctx.sandbox.tokens.access(issued.access_token)
    shop = ctx.sandbox.by_cipher.get(grant.shop_cipher) if grant else None
    return {
        "access_token": issued.access_token,
        "access_token_expire_in": issued.access_token_expire_in,
        "refresh_token": issued.refresh_token,
        "refresh_token_expire_in": issued.refresh_token_expire_in,
        "open_id": f"sandbox-open-{shop.shop_id if shop else ''}",
        "seller_name": shop.name if shop else "",
        "seller_base_region": REGION,
        "user_type": 0,
        "granted_scopes": ["seller.product.basic", "seller.order.info", "seller.fulfillment.basic"],
    }


def get_token(ctx: Ctx) -> Any:
    app_key = _app(ctx, "authorized_code")
    try:
        issued = ctx.sandbox.tokens.redeem_code(app_key, ctx.query.get("auth_code", ""))
    except RefusedToken:
        raise TikTokError(NO_AUTH_RECORD, "can not find related auth record") from None
    return _token_data(ctx, issued)


def refresh_token(ctx: Ctx) -> Any:
    app_key = _app(ctx, "refresh_token")
    try:
        issued = ctx.sandbox.tokens.refresh(app_key, ctx.query.get("refresh_token", ""))
    except RefusedToken as exc:
        if "expired" in str(exc):
            raise TikTokError(REFRESH_EXPIRED, "rt has expired") from None
        raise TikTokError(NO_AUTH_RECORD, "can not find related auth record") from None
    return _token_data(ctx, issued)


def authorized_shops(ctx: Ctx) -> Any:
    """GET /authorization/202309/shops: the shops of the token (with their cipher)."""
    cipher = ctx.caller.shop_cipher if ctx.caller else ""
    shop = ctx.sandbox.by_cipher.get(cipher)
    if shop is None:
        return {"shops": []}
    return {
        "shops": [
            {
                "id": shop.shop_id,
                "name": shop.name,
                "region": REGION,
                "seller_type": "LOCAL",
                "cipher": shop.shop_cipher,
                "code": f"IDLC{shop.shop_id[-6:]}",
            }
        ]
    }


ROUTES = [
    Route("GET", "/api/v2/token/get", get_token, shop=False, signed=False),
    Route("GET", "/api/v2/token/refresh", refresh_token, shop=False, signed=False),
    Route("GET", "/authorization/202309/shops", authorized_shops, shop=False),
]
