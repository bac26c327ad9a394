"""GenerateAccessToken (/auth/token/create) and RefreshAccessToken (/auth/token/refresh):
signed without an access_token and answered at the top level (docs/MARKETPLACES.md#lazada-tokens).
The real ones live on auth.lazada.com; the sandbox serves them on its own host.

Tokens live on the kit's `TokenStore` by `TOKEN_POLICY`: a code half an hour and once; a
refresh rotates both tokens and keeps the authorization's end; lifetimes are those of an app
in "Test" status. That a used refresh token dies at once is the sandbox's reading
(docs/MARKETPLACES.md#lazada-unconfirmed).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from lapak.sandboxes.kit.orders import random_text
from lapak.sandboxes.kit.tokens import Issued, Kind, TokenPolicy, TokenRefused
from lapak.sandboxes.lazada.wire import ISV, Ctx, LazadaError, Route, missing, route

COUNTRY = "id"
TOKEN_POLICY = TokenPolicy(
    access_ttl=7 * 86400, refresh_ttl=30 * 86400, code_ttl=30 * 60, refresh_keeps_expiry=True
)
ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
PREFIXES: dict[Kind, tuple[str, int]] = {
    "access": ("50000", 52),
    "refresh": ("50001", 52),
    "code": ("0_", 24),
}
"""Lazada-looking tokens ("50000601c30atpedfgu3LVvik87..." in the guide)."""


def token_maker(rng: random.Random) -> Callable[[Kind], str]:
    return lambda kind: PREFIXES[kind][0] + random_text(rng, ALPHABET, PREFIXES[kind][1])


def illegal_refresh_token() -> LazadaError:
    """RefreshAccessToken error table (verbatim)."""
    message = "The specified refresh token is invalid or expired"
    return LazadaError("IllegalRefreshToken", message, type=ISV)


def _reply(ctx: Ctx, issued: Issued[str], list_key: str) -> dict[str, Any]:
    seller = ctx.sandbox.stores[issued.owner]
    return {
        "access_token": issued.access_token,
        "refresh_token": issued.refresh_token,
        "expires_in": TOKEN_POLICY.access_ttl,
        "refresh_expires_in": max(0, int(issued.refresh_expires_at - ctx.sandbox.clock.now())),
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
    try:
        seller_id = ctx.sandbox.tokens.redeem_code(code)
    except TokenRefused:
        message = "The specified code is invalid or expired"
        raise LazadaError("InvalidCode", message, type=ISV) from None
    return _reply(ctx, ctx.sandbox.tokens.issue(seller_id), "country_user_info")


def refresh_token(ctx: Ctx) -> dict[str, Any]:
    token = ctx.params.get("refresh_token") or ""
    if not token:
        raise missing("refresh_token")
    owner = ctx.sandbox.tokens.refresh_owner(token)
    seller = ctx.sandbox.stores.get(owner) if owner is not None else None
    if seller is None or seller.app_key != ctx.app_key:
        raise illegal_refresh_token()
    try:
        issued = ctx.sandbox.tokens.refresh(token)
    except TokenRefused:
        raise illegal_refresh_token() from None
    return _reply(ctx, issued, "country_user_info_list")


ROUTES: dict[str, Route] = {
    "/auth/token/create": route("GET/POST", create_token, seller=False),
    "/auth/token/refresh": route("GET/POST", refresh_token, seller=False),
}
