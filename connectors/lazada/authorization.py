"""Lazada's seller authorization (Lazada Open Platform "Seller authorization introduction").

1. The link: `https://auth.lazada.com/oauth/authorize?response_type=code&force_auth=true
   &redirect_uri&client_id&state` (`client_id` = the app key; `redirect_uri` must be the
   callback URL registered with the app; `state` comes back unchanged).
2. Lazada sends the browser to `redirect_uri` with `code` and `state`.
3. GenerateAccessToken, `/auth/token/create` {code} on https://auth.lazada.com/rest, signed
   like every LazOP call without an access token, gives the token pair and
   `country_user_info` (the seller's `seller_id` per country). The code lives half an hour
   and is good once.

On a sandbox (any other host) the authorization page and the token API are the sandbox's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from lapak.connectors.authorization import Callback, SellerAuthorization, required, validated_keys
from lapak.connectors.http import send
from lapak.connectors.lazada.client import _payload, auth_url_for, signed_params
from lapak.connectors.lazada.connector import LazadaCredentials
from lapak.connectors.lazada.wire import CreatedToken, validate
from lapak.sync.protocol import AuthError, StoreSpec
from lapak.sync.types import Grant

AUTHORIZE_PATH = "/oauth/authorize"
CREATE_PATH = "/auth/token/create"
COUNTRY = "id"
"""Lapak's sellers are Indonesian: the `country_user_info` entry it keeps."""


def authorize_host(base_url: str) -> str:
    """Where the seller authorizes: auth.lazada.com for Lazada's gateways (its token APIs
    are under /rest there), the sandbox's own host otherwise."""
    auth = auth_url_for(base_url)
    return auth.removesuffix("/rest")


class LazadaAuthorization(SellerAuthorization):
    """`sync.protocol.Authorization` for Lazada."""

    app_keys = ("app_key", "app_secret")
    """The credentials that are the app's own (the config's); the seller's id and tokens
    come from the authorization."""

    def _link(
        self, store: StoreSpec, credentials: Mapping[str, Any], redirect_uri: str, state: str
    ) -> str:
        keys: LazadaCredentials = validated_keys(LazadaCredentials, credentials, store.name)
        query = {
            "response_type": "code",
            "force_auth": "true",
            "redirect_uri": redirect_uri,
            "client_id": keys.app_key,
            "state": state,
        }
        return f"{authorize_host(store.base_url)}{AUTHORIZE_PATH}?{urlencode(query)}"

    def _grant(self, back: Callback) -> Grant:
        keys: LazadaCredentials = validated_keys(
            LazadaCredentials, back.credentials, back.store.name
        )
        code = required(back.params, "code", "Lazada")
        issued = self._clock()
        secret = keys.app_secret.get_secret_value()
        signed = signed_params(keys.app_key, secret, CREATE_PATH, {"code": code}, None, issued)
        url = f"{auth_url_for(back.store.base_url)}{CREATE_PATH}"
        with self._exchange_client("Lazada", back.transport) as http:
            response = send(http, http.build_request("POST", url, data=signed))
            reply = validate(CreatedToken, _payload(CREATE_PATH, response), CREATE_PATH)
        sellers = reply.country_user_info
        seller = next((s for s in sellers if s.country.lower() == COUNTRY), None) or next(
            iter(sellers), None
        )
        if seller is None or not seller.seller_id:
            raise AuthError("Lazada's token answer names no seller (country_user_info is empty)")
        return Grant(identity={"seller_id": seller.seller_id}, token=reply.token_set(issued))
