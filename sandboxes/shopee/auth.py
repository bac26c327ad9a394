"""Who is calling, and how a shop authorizes: the checks every Shopee v2 call passes, the
token APIs (v2.public.get_access_token, refresh_access_token) and the authorization page.

Order of checks (the common error table of every reference page; their order is the
sandbox's reading, UNCONFIRMED): partner_id, timestamp and sign present; partner_id known;
timestamp within 5 minutes of the sandbox clock; for shop APIs access_token present and
shop_id known to that partner; sign correct; access_token valid and of that shop.

Sign base (Shopee guide): shop API partner_id+path+timestamp+access_token+shop_id;
public API (auth/*, public/*) partner_id+path+timestamp; lowercase hex HMAC-SHA256 with
the partner_key. v2.media_space.upload_image is signed the public way on its reference
page; the sandbox also accepts it signed as a shop API (then the token is checked).

Tokens (docs/MARKETPLACES.md#shopee-tokens): both token APIs answer at top level (no
"response" object), as on their reference pages. access_token 4 hours; refresh_token 30
days and single use (refreshing returns a new one and kills the old); after a refresh the
old access_token stays valid 5 more minutes; an authorization code is single use and lives
10 minutes.

The authorization link (Shopee's authorization guide) is `/api/v2/shop/auth_partner?
partner_id&timestamp&sign&redirect=`, signed the public way and good while its timestamp
is within the API's 5-minute window. After the seller authorizes, Shopee sends the browser
to `redirect` with `code` and `shop_id` added (no `state`: an app keeps its own in the
redirect URL's query).
"""

from __future__ import annotations

import hmac
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lapak.sandboxes.kit.consent import ConsentPage, ConsentRefused, Grant, valid_redirect
from lapak.sandboxes.kit.push import hmac_sha256_hex
from lapak.sandboxes.kit.tokens import Issued, Kind, TokenPolicy, TokenRefused
from lapak.sandboxes.shopee.state import Shop
from lapak.sandboxes.shopee.wire import Ctx, Reply, Route, ShopeeError, body_value, invalid
from starlette.requests import Request

if TYPE_CHECKING:
    from lapak.sandboxes.shopee.sandbox import ShopeeSandbox

TIMESTAMP_WINDOW_SECONDS = 300
PUBLIC_PREFIXES = ("/api/v2/auth/", "/api/v2/public/", "/api/v2/shop/auth_partner")
"""Signed without access_token and shop_id (the authorization link's path too)."""
PUBLIC_OR_SHOP = frozenset({"/api/v2/media_space/upload_image"})
ACCESS_TTL = 4 * 3600
POLICY = TokenPolicy(
    access_ttl=ACCESS_TTL, refresh_ttl=30 * 86400, code_ttl=10 * 60, old_access_grace=5 * 60
)
CONSENT_PATH = "/api/v2/shop/auth_partner"


def token_maker(rng: random.Random) -> Callable[[Kind], str]:
    """Shopee's tokens and codes: 32 lowercase hex digits."""
    return lambda kind: f"{rng.getrandbits(128):032x}"


@dataclass(frozen=True, slots=True)
class Caller:
    partner_id: int
    shop: Shop | None


def _int(raw: str) -> int | None:
    try:
        return int(raw)
    except ValueError:
        return None


def authenticate(
    sandbox: ShopeeSandbox, path: str, query: Mapping[str, str], *, check_time: bool = True
) -> Caller:
    """The calling partner (and shop, for shop APIs), or a `ShopeeError`. Lock held.
    `check_time` False: an old timestamp is taken (the authorization form, posted after
    the seller took their time on a link that was fresh when opened)."""
    raw_partner, raw_ts, given_sign = (query.get(k) for k in ("partner_id", "timestamp", "sign"))
    if not raw_partner:
        raise ShopeeError("error_param", "There is no partner_id in query.")
    if not raw_ts:
        raise ShopeeError("error_param", "no timestamp")
    if not given_sign:
        raise ShopeeError("error_param", "There is no sign in query.")
    partner_id = _int(raw_partner)
    partner_key = sandbox.partners.get(partner_id) if partner_id is not None else None
    if partner_id is None or partner_key is None:
        raise ShopeeError("error_param", "Invalid partner_id.")
    timestamp = _int(raw_ts)
    if timestamp is None or (
        check_time and abs(sandbox.clock.now() - timestamp) > TIMESTAMP_WINDOW_SECONDS
    ):
        raise ShopeeError("error_param", "Invalid timestamp")
    token = query.get("access_token")
    base = f"{partner_id}{path}{timestamp}"
    if path.startswith(PUBLIC_PREFIXES) or (path in PUBLIC_OR_SHOP and not token):
        _check_sign(partner_key, base, given_sign)
        return Caller(partner_id, None)
    if not token:
        raise ShopeeError("error_param", "There is no access_token in query.")
    shop_id = _int(query.get("shop_id") or "")
    shop = sandbox.stores.get(shop_id) if shop_id is not None else None
    if shop is None or shop.partner_id != partner_id:
        raise ShopeeError("error_auth", "Invalid partner_id or shopid.")
    _check_sign(partner_key, f"{base}{token}{shop_id}", given_sign)
    if sandbox.tokens.access_owner(token) != shop_id:
        raise ShopeeError("error_auth", "Invalid access_token.")
    return Caller(partner_id, shop)


def _check_sign(partner_key: str, base: str, given: str) -> None:
    if not hmac.compare_digest(hmac_sha256_hex(partner_key, base.encode()), given):
        raise ShopeeError("error_sign", "Wrong sign.")


# --- v2.public.get_access_token and refresh_access_token --------------------------------


def _shop_id(ctx: Ctx) -> int:
    """The body's shop_id, of the calling partner (whose partner_id the body repeats)."""
    if body_value(ctx.json, "partner_id", int, "error_param") != ctx.partner_id:
        raise invalid("partner_id in body differs from partner_id in query")
    shop_id = body_value(ctx.json, "shop_id", int, "error_param")
    shop = ctx.sandbox.stores.get(shop_id)
    if shop is None or shop.partner_id != ctx.partner_id:
        raise ShopeeError("error_auth", "Invalid partner_id or shopid.")
    return shop_id


def _token_reply(issued: Issued[int], **ids: int) -> Reply:
    tokens = {"refresh_token": issued.refresh_token, "access_token": issued.access_token}
    return Reply({**ids, **tokens, "expire_in": ACCESS_TTL}, top_level=True)


def get_access_token(ctx: Ctx) -> Reply:
    """POST /api/v2/auth/token/get {code, shop_id, partner_id}: the first token pair."""
    code = body_value(ctx.json, "code", str, "error_param")
    shop_id = _shop_id(ctx)
    tokens = ctx.sandbox.tokens
    try:
        owner = tokens.redeem_code(code)
    except TokenRefused:
        owner = None
    if owner != shop_id:
        raise ShopeeError("error_auth", "Invalid code")
    return _token_reply(tokens.issue(shop_id))


def refresh_access_token(ctx: Ctx) -> Reply:
    """POST /api/v2/auth/access_token/get {refresh_token, partner_id, shop_id}."""
    refresh_token = body_value(ctx.json, "refresh_token", str, "error_param")
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
    return _token_reply(issued, partner_id=ctx.partner_id, shop_id=shop_id)


ROUTES = {
    "/api/v2/auth/token/get": Route("POST", get_access_token),
    "/api/v2/auth/access_token/get": Route("POST", refresh_access_token),
}


# --- the authorization page -------------------------------------------------------------


def _grant(request: Request, link: Mapping[str, str]) -> Grant:
    sandbox: ShopeeSandbox = request.app.sandbox
    if not valid_redirect(link.get("redirect", "")):
        raise ConsentRefused("the link has no valid redirect URL")
    try:
        with sandbox.lock:
            caller = authenticate(sandbox, CONSENT_PATH, link, check_time=request.method == "GET")
            shops = [
                (str(s.shop_id), s.name)
                for s in sandbox.stores.values()
                if s.partner_id == caller.partner_id
            ]
    except ShopeeError as refused:
        raise ConsentRefused(f"{refused.error}: {refused.message}") from None
    return Grant(f"partner {caller.partner_id}", shops, sandbox.issue_auth_code)


CONSENT_PAGE = ConsentPage(
    "Shopee",
    CONSENT_PATH,
    ("partner_id", "timestamp", "sign", "redirect"),
    _grant,
    redirect="redirect",
    shop_param="shop_id",
)
