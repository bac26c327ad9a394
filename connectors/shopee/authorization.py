"""Shopee's seller authorization (Open Platform v2 "Authorization and Authentication").

1. The link: `{host}/api/v2/shop/auth_partner?partner_id&timestamp&sign&redirect=`, signed
   the public way: HMAC-SHA256(partner_key, partner_id + path + timestamp). Shopee refuses
   a link whose timestamp is more than 5 minutes old, so `lapak connect` makes it when
   asked.
2. Shopee sends the browser to `redirect` with `code` and `shop_id` added. It passes no
   `state` of its own: Lapak puts the state in the redirect URL's own query.
3. `POST /api/v2/auth/token/get` {code, shop_id, partner_id} (signed the public way) gives
   the first access token (4 h) and refresh token (30 days, rotating); the code is single
   use and lives 10 minutes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lapak.connectors.authorization import Callback, SellerAuthorization, required, validated_keys
from lapak.connectors.http import send
from lapak.connectors.shopee import signing
from lapak.connectors.shopee.client import _payload
from lapak.connectors.shopee.connector import ShopeeCredentials
from lapak.connectors.shopee.wire import TokenReply, validate
from lapak.sync.protocol import PermanentError, StoreSpec
from lapak.sync.types import Grant

AUTH_PARTNER = "/api/v2/shop/auth_partner"
TOKEN_GET = "/api/v2/auth/token/get"


class ShopeeAuthorization(SellerAuthorization):
    """`sync.protocol.Authorization` for Shopee."""

    app_keys = ("partner_id", "partner_key")
    """The credentials that are the app's own (the config's); the shop's id and tokens
    come from the authorization."""

    def _link(
        self, store: StoreSpec, credentials: Mapping[str, Any], redirect_uri: str, state: str
    ) -> str:
        keys: ShopeeCredentials = validated_keys(ShopeeCredentials, credentials, store.name)
        timestamp = int(self._clock())
        key = keys.partner_key.get_secret_value()
        query = {
            "partner_id": keys.partner_id,
            "timestamp": timestamp,
            "sign": signing.public_sign(key, keys.partner_id, AUTH_PARTNER, timestamp),
            "redirect": with_query(redirect_uri, {"state": state}),
        }
        return f"{store.base_url.rstrip('/')}{AUTH_PARTNER}?{urlencode(query)}"

    def _grant(self, back: Callback) -> Grant:
        keys: ShopeeCredentials = validated_keys(
            ShopeeCredentials, back.credentials, back.store.name
        )
        code = required(back.params, "code", "Shopee")
        raw_shop_id = required(back.params, "shop_id", "Shopee")
        if not raw_shop_id.isdigit():
            raise PermanentError(f"Shopee sent shop_id {raw_shop_id!r}, which is not a number")
        shop_id = int(raw_shop_id)
        key = keys.partner_key.get_secret_value()
        issued = self._clock()
        timestamp = int(issued)
        query = {
            "partner_id": keys.partner_id,
            "timestamp": timestamp,
            "sign": signing.public_sign(key, keys.partner_id, TOKEN_GET, timestamp),
        }
        body = {"code": code, "shop_id": shop_id, "partner_id": keys.partner_id}
        url = f"{back.store.base_url.rstrip('/')}{TOKEN_GET}?{urlencode(query)}"
        with self._exchange_client("Shopee", back.transport) as http:
            request = http.build_request("POST", url, json=body)
            reply = validate(TokenReply, _payload(TOKEN_GET, send(http, request)), TOKEN_GET)
        return Grant(identity={"shop_id": str(shop_id)}, token=reply.token_set(issued))


def with_query(uri: str, params: Mapping[str, str]) -> str:
    """`uri` with `params` added to its query."""
    parts = urlsplit(uri)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *params.items()])
    return urlunsplit(parts._replace(query=query))
