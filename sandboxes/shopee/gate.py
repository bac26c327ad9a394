"""The checks every Shopee v2 call passes before its handler runs.

Order of checks (the common error table of every reference page; their order is the
sandbox's reading, UNCONFIRMED): partner_id, timestamp and sign present; partner_id known;
timestamp within 5 minutes of the sandbox clock; for shop APIs access_token present and
shop_id known to that partner; sign correct; access_token valid and of that shop.

Sign base (Shopee guide): shop API partner_id+path+timestamp+access_token+shop_id;
public API (auth/*, public/*) partner_id+path+timestamp; lowercase hex HMAC-SHA256 with
the partner_key. v2.media_space.upload_image is signed the public way on its reference
page; the sandbox also accepts it signed as a shop API (then the token is checked).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from lapak.sandboxes.shopee.state import Shop
from lapak.sandboxes.shopee.wire import ShopeeError

TIMESTAMP_WINDOW_SECONDS = 300
PUBLIC_PREFIXES = ("/api/v2/auth/", "/api/v2/public/", "/api/v2/shop/auth_partner")
"""Signed without access_token and shop_id (the authorization link's path too)."""
PUBLIC_OR_SHOP = frozenset({"/api/v2/media_space/upload_image"})


@dataclass(frozen=True, slots=True)
class Caller:
    partner_id: int
    shop: Shop | None


def sign(partner_key: str, base: str) -> str:
    return hmac.new(partner_key.encode(), base.encode(), hashlib.sha256).hexdigest()


def _int(raw: str) -> int | None:
    try:
        return int(raw)
    except ValueError:
        return None


def authenticate(
    sandbox, path: str, query: Mapping[str, str], *, check_time: bool = True
) -> Caller:
    """The calling partner (and shop, for shop APIs), or a `ShopeeError`. Lock held.
    `check_time` False: an old timestamp is taken (the authorization form, posted after
    the seller took their time on a link that was fresh when opened)."""
    raw_partner, raw_ts, given_sign = (
        query.get("partner_id"),
        query.get("timestamp"),
        query.get("sign"),
    )
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
    if path.startswith(PUBLIC_PREFIXES) or (path in PUBLIC_OR_SHOP and not token):
        _check_sign(partner_key, f"{partner_id}{path}{timestamp}", given_sign)
        return Caller(partner_id, None)
    if not token:
        raise ShopeeError("error_param", "There is no access_token in query.")
    shop_id = _int(query.get("shop_id") or "")
    shop = sandbox.stores.get(shop_id) if shop_id is not None else None
    if shop is None or shop.partner_id != partner_id:
        raise ShopeeError("error_auth", "Invalid partner_id or shopid.")
    _check_sign(partner_key, f"{partner_id}{path}{timestamp}{token}{shop_id}", given_sign)
    if sandbox.tokens.access_owner(token) != shop_id:
        raise ShopeeError("error_auth", "Invalid access_token.")
    return Caller(partner_id, shop)


def _check_sign(partner_key: str, base: str, given: str) -> None:
    if not hmac.compare_digest(sign(partner_key, base), given):
        raise ShopeeError("error_sign", "Wrong sign.")
