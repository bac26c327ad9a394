"""TikTok Shop's seller authorization (Partner Center "Authorization guide", 202309).

1. The link: `https://services.tiktokshop.com/open/authorize?service_id&state`, the
   `service_id` being the app's service in Partner Center. TikTok sends the seller to the
   redirect URL registered for the app; Lapak's link names that URL as `redirect_uri` too
   (whether TikTok reads it is UNCONFIRMED; the sandbox does).
2. The redirect carries `code` and the link's `state`.
3. `GET /api/v2/token/get?app_key&app_secret&auth_code&grant_type=authorized_code` on the
   auth host (auth.tiktok-shops.com), not signed, gives the token pair (`*_expire_in` are
   unix times). The code lives 30 minutes and is good once.
4. Get Authorized Shops (`GET /authorization/202309/shops`, signed, with the new token)
   gives the shop's `cipher`, which every shop call carries, and its id.

On a sandbox (any other API host) the page and the auth APIs are the sandbox's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

from lapak.connectors.authorization import Callback, SellerAuthorization, required, validated_keys
from lapak.connectors.http import send
from lapak.connectors.tiktok import signing
from lapak.connectors.tiktok.client import API_HOST, _data, auth_base_url
from lapak.connectors.tiktok.connector import TikTokCredentials
from lapak.connectors.tiktok.wire import AuthorizedShops, TokenReply, validate
from lapak.sync.protocol import AuthError, PermanentError, StoreSpec
from lapak.sync.types import Grant

SERVICES_URL = "https://services.tiktokshop.com"
AUTHORIZE_PATH = "/open/authorize"
TOKEN_GET = "/api/v2/token/get"
SHOPS_PATH = "/authorization/202309/shops"
REGION = "ID"
"""Lapak's sellers are Indonesian: with several shops authorized, the Indonesian one."""


def services_url(base_url: str) -> str:
    """Where the seller authorizes: TikTok's services host for the production API host,
    the sandbox's own host otherwise."""
    return SERVICES_URL if urlsplit(base_url).hostname == API_HOST else base_url.rstrip("/")


class TikTokAuthorization(SellerAuthorization):
    """`sync.protocol.Authorization` for TikTok Shop."""

    app_keys = ("app_key", "app_secret", "service_id")
    """The credentials that are the app's own (the config's); the shop's cipher, id and
    tokens come from the authorization."""

    def _link(
        self, store: StoreSpec, credentials: Mapping[str, Any], redirect_uri: str, state: str
    ) -> str:
        keys: TikTokCredentials = validated_keys(TikTokCredentials, credentials, store.name)
        if not keys.service_id:
            raise PermanentError(
                f"{store.name}: TikTok Shop's authorization link needs the app's service_id "
                "(Partner Center → App → Authorization): name it in the store's credentials"
            )
        query = {"service_id": keys.service_id, "state": state, "redirect_uri": redirect_uri}
        return f"{services_url(store.base_url)}{AUTHORIZE_PATH}?{urlencode(query)}"

    def _grant(self, back: Callback) -> Grant:
        keys: TikTokCredentials = validated_keys(
            TikTokCredentials, back.credentials, back.store.name
        )
        code = required(back.params, "code", "TikTok Shop")
        secret = keys.app_secret.get_secret_value()
        token_query = {
            "app_key": keys.app_key,
            "app_secret": secret,
            "auth_code": code,
            "grant_type": "authorized_code",
        }
        auth_url = auth_base_url(back.store.base_url, keys.auth_base_url)
        with self._exchange_client("TikTok Shop", back.transport) as http:
            request = http.build_request("GET", f"{auth_url}{TOKEN_GET}", params=token_query)
            reply = validate(TokenReply, _data(TOKEN_GET, send(http, request)), TOKEN_GET)
            query: dict[str, Any] = {"app_key": keys.app_key, "timestamp": int(self._clock())}
            query["sign"] = signing.sign(secret, SHOPS_PATH, query)
            request = http.build_request(
                "GET",
                f"{back.store.base_url.rstrip('/')}{SHOPS_PATH}",
                params=query,
                headers={"x-tts-access-token": reply.access_token},
            )
            shops = validate(AuthorizedShops, _data(SHOPS_PATH, send(http, request)), SHOPS_PATH)
        shop = next((s for s in shops.shops if s.region.upper() == REGION), None) or next(
            iter(shops.shops), None
        )
        if shop is None:
            raise AuthError("TikTok Shop's Get Authorized Shops lists no shop for this seller")
        return Grant(
            identity={"shop_cipher": shop.cipher, "shop_id": shop.id}, token=reply.token_set()
        )
