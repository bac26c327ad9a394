"""v2.public.get_access_token (/auth/token/get) and v2.public.refresh_access_token, and
the token rules behind them (docs/MARKETPLACES.md#shopee-tokens).

Both answer at top level (no "response" object), as on their reference pages.
access_token 4 hours; refresh_token 30 days and single use (refreshing returns a new one
and kills the old); after a refresh the old access_token stays valid 5 more minutes; an
authorization code is single use and lives 10 minutes.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from lapak.sandboxes.kit.tokens import Kind, TokenPolicy, TokenRefused
from lapak.sandboxes.shopee.context import Ctx, Route
from lapak.sandboxes.shopee.wire import Reply, ShopeeError, body_int, body_str, invalid

ACCESS_TTL = 4 * 3600
POLICY = TokenPolicy(
    access_ttl=ACCESS_TTL, refresh_ttl=30 * 86400, code_ttl=10 * 60, old_access_grace=5 * 60
)


def token_maker(rng: random.Random) -> Callable[[Kind], str]:
    """Shopee's tokens and codes: 32 lowercase hex digits."""
    return lambda kind: f"{rng.getrandbits(128):032x}"


AUTH_PARAM = "error_param"


def _partner_matches(ctx: Ctx) -> None:
    partner_id = body_int(ctx.json, "partner_id", AUTH_PARAM)
    if partner_id != ctx.partner_id:
        raise invalid("partner_id in body differs from partner_id in query")


def _shop_id(ctx: Ctx) -> int:
    shop_id = body_int(ctx.json, "shop_id", AUTH_PARAM)
    shop = ctx.sandbox.stores.get(shop_id)
    if shop is None or shop.partner_id != ctx.partner_id:
        raise ShopeeError("error_auth", "Invalid partner_id or shopid.")
    return shop_id


def get_access_token(ctx: Ctx) -> Reply:
    """POST /api/v2/auth/token/get {code, shop_id, partner_id}: the first token pair."""
    code = body_str(ctx.json, "code", AUTH_PARAM)
    _partner_matches(ctx)
    shop_id = _shop_id(ctx)
    tokens = ctx.sandbox.tokens
    try:
        owner = tokens.redeem_code(code)
    except TokenRefused:
        owner = None
    if owner != shop_id:
        raise ShopeeError("error_auth", "Invalid code")
    issued = tokens.issue(shop_id)
    return Reply(
        {
            "refresh_token": issued.refresh_token,
            "access_token": issued.access_token,
            "expire_in": ACCESS_TTL,
        },
        top_level=True,
    )


def refresh_access_token(ctx: Ctx) -> Reply:
    """POST /api/v2/auth/access_token/get {refresh_token, partner_id, shop_id}."""
    refresh_token = body_str(ctx.json, "refresh_token", AUTH_PARAM)
    _partner_matches(ctx)
    shop_id = _shop_id(ctx)
    tokens = ctx.sandbox.tokens
    owner = tokens.refresh_owner(refresh_token)
    if owner is None:
        raise ShopeeError("error_auth", "Invalid refresh_token.")
    if owner != shop_id:
        raise ShopeeError(
            "error_shop_refresh_token",
            "Your refresh token is error ,please check refresh token or shopid.",
        )
    try:
        issued = tokens.refresh(refresh_token)
    except TokenRefused:
        raise ShopeeError("refresh_token_expired", "Your refresh_token expired.") from None
    return Reply(
        {
            "partner_id": ctx.partner_id,
            "shop_id": shop_id,
            "refresh_token": issued.refresh_token,
            "access_token": issued.access_token,
            "expire_in": ACCESS_TTL,
        },
        top_level=True,
    )


ROUTES = {
    "/api/v2/auth/token/get": Route("POST", get_access_token),
    "/api/v2/auth/access_token/get": Route("POST", refresh_access_token),
}
