"""The auth host's token endpoints and Get Authorized Shops.

Token endpoints (docs/MARKETPLACES.md#tiktok-shop-tokens): GET /api/v2/token/get?app_key&
app_secret&auth_code&grant_type=authorized_code and GET /api/v2/token/refresh?app_key&
app_secret&refresh_token&grant_type=refresh_token, not signed, the app secret in the query;
the real ones live on the auth host, the sandbox serves them on its one host. An auth code
lives 30 minutes and is good once; an access token seven days (the authorization guide's
"default expiration time"); a refresh token as long as the authorization (`TOKEN_POLICY`,
sandbox.py).

Guessed (docs/MARKETPLACES.md#tiktok-shop-unconfirmed): refusals of a refresh token 36004005
"can not find related auth record" and 36004001 "rt has expired"; an authorization lasting
365 days; a refresh returning the same refresh token, expiry unchanged, and a new access
token, earlier ones living to their own expiry.
"""

from __future__ import annotations

from typing import Any

from lapak.sandboxes.kit.tokens import Issued, TokenRefused
from lapak.sandboxes.tiktok.state import REGION
from lapak.sandboxes.tiktok.wire import BAD_APP_KEY, CREDENTIALS, Ctx, Route, TikTokError

NO_AUTH_RECORD = 36004005
REFRESH_EXPIRED = 36004001


def _app(ctx: Ctx, grant_type: str) -> str:
    app_key = ctx.query.get("app_key", "")
    secret = ctx.sandbox.apps.get(app_key)
    if secret is None or ctx.query.get("app_secret") != secret:
        raise TikTokError(CREDENTIALS, BAD_APP_KEY)
    if ctx.query.get("grant_type") != grant_type:
        raise TikTokError(CREDENTIALS, f"Invalid grant_type: expected {grant_type}.")
    return app_key


def _token_data(ctx: Ctx, issued: Issued[tuple[str, str]]) -> dict[str, Any]:
    shop = ctx.sandbox.by_cipher.get(issued.owner[1])
    return {
        "access_token": issued.access_token,
        "access_token_expire_in": int(issued.access_expires_at),
        "refresh_token": issued.refresh_token,
        "refresh_token_expire_in": int(issued.refresh_expires_at),
        "open_id": f"sandbox-open-{shop.shop_id if shop else ''}",
        "seller_name": shop.name if shop else "",
        "seller_base_region": REGION,
        "user_type": 0,
        "granted_scopes": ["seller.product.basic", "seller.order.info", "seller.fulfillment.basic"],
    }


def _no_auth_record() -> TikTokError:
    return TikTokError(NO_AUTH_RECORD, "can not find related auth record")


def get_token(ctx: Ctx) -> Any:
    app_key = _app(ctx, "authorized_code")
    try:
        owner = ctx.sandbox.tokens.redeem_code(ctx.query.get("auth_code", ""))
    except TokenRefused:
        owner = None
    if owner is None or owner[0] != app_key:
        raise _no_auth_record()
    return _token_data(ctx, ctx.sandbox.tokens.issue(owner))


def refresh_token(ctx: Ctx) -> Any:
    app_key = _app(ctx, "refresh_token")
    token = ctx.query.get("refresh_token", "")
    owner = ctx.sandbox.tokens.refresh_owner(token)
    if owner is None or owner[0] != app_key:
        raise _no_auth_record()
    try:
        issued = ctx.sandbox.tokens.refresh(token)
    except TokenRefused:  # a known refresh token is refused only when expired
        raise TikTokError(REFRESH_EXPIRED, "rt has expired") from None
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
