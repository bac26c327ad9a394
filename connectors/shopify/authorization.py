"""Shopify's seller authorization: the OAuth authorization code grant of an app install.

    begin     {base_url}/admin/oauth/authorize?client_id&scope&redirect_uri&state
              (no `grant_options[]`: the token is offline, the kind that never expires)
    redirect  the merchant approves; Shopify sends the browser to `redirect_uri` with
              `code, hmac, host, shop, state, timestamp`
    complete  the `hmac` must be the app's (signing.verify_oauth_callback: HMAC-SHA256 hex
              under the client secret over the sorted query without `hmac`, under 24 h
              old), `shop` a `*.myshopify.com` host — the store's own when its base_url is
              one — then POST {base_url}/admin/oauth/access_token {client_id,
              client_secret, code} → {access_token, scope}

The offline `access_token` is a lasting secret (`Grant.secrets`), the shop's myshopify
domain its identity (`shop_domain`, which webhooks are checked against). The `state` is
checked by Lapak's callback route before `complete` runs; it is inside the signed query
too, so a forged one fails the hmac. A code is single use: the exchange is never retried.
(shopify.dev "Implement authorization code grant manually"; the `hmac` is ShopifyAPI's
`Session.validate_params`.)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from lapak.connectors.authorization import Callback, SellerAuthorization
from lapak.connectors.credential_values import credential_text
from lapak.connectors.http import make_client, send
from lapak.connectors.shopify import signing
from lapak.sync.protocol import AuthError, PermanentError, StoreSpec, TransientError
from lapak.sync.types import Grant

SCOPES = (
    "read_products",
    "write_products",
    "read_inventory",
    "write_inventory",
    "read_locations",
    "read_orders",
    "write_orders",
    "read_merchant_managed_fulfillment_orders",
    "write_merchant_managed_fulfillment_orders",
)
"""What the connector calls need: products and variants, inventory levels and
`inventorySetQuantities`, the shop's locations, orders and their fulfilment orders."""
SHOP_HOST = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")
"""A shop's permanent domain (the check shopify.dev asks of the `shop` parameter)."""
CALLBACK_FIELDS = ("code", "hmac", "shop", "state", "timestamp")
TOKEN_PATH = "/admin/oauth/access_token"


class ShopifyAuthorization(SellerAuthorization):
    """`sync.protocol.Authorization` for Shopify (`plugin.authorization`)."""

    app_keys = ("client_id", "client_secret")
    """The credentials that are the app's own (the config's); the shop's domain and its
    offline access token come from the install."""

    state_param = "state"
    """The callback parameter that carries the `state` Lapak handed out."""

    def _link(
        self, store: StoreSpec, credentials: Mapping[str, Any], redirect_uri: str, state: str
    ) -> str:
        client_id = credential_text(credentials, "client_id")
        if not client_id:
            raise PermanentError(
                f"{store.name}: credentials.client_id is not set: add the env var holding "
                "the app's Client ID (API key), from the app's settings in Shopify"
            )
        query = urlencode(
            {
                "client_id": client_id,
                "scope": ",".join(SCOPES),
                "redirect_uri": redirect_uri,
                "state": state,
            }
        )
        return f"{store.base_url.rstrip('/')}/admin/oauth/authorize?{query}"

    def _grant(self, back: Callback) -> Grant:
        missing = [name for name in CALLBACK_FIELDS if not back.params.get(name)]
        if missing:
            raise PermanentError(
                f"{back.store.name}: the Shopify redirect lacks {', '.join(missing)}: paste the "
                "whole address the browser was sent to after approving the install"
            )
        secret = credential_text(back.credentials, "client_secret")
        if not signing.verify_oauth_callback(secret, back.params, self._clock()):
            raise AuthError(
                f"{back.store.name}: the redirect's hmac is not signed with this app's client "
                "secret (or is over 24 hours old): start the connection again"
            )
        shop = str(back.params["shop"]).strip().lower()
        self._check_shop(back.store, back.credentials, shop)
        token, scope = self._exchange(back, str(back.params["code"]))
        self._check_scopes(back.store, scope)
        return Grant(identity={"shop_domain": shop}, secrets={"access_token": token})

    def _check_shop(self, store: StoreSpec, credentials: Mapping[str, Any], shop: str) -> None:
        if not SHOP_HOST.match(shop):
            raise AuthError(
                f"{store.name}: the redirect names shop {shop!r}, not a myshopify.com host"
            )
        own_host = (urlsplit(store.base_url).hostname or "").lower()
        expected = credential_text(credentials, "shop_domain").lower() or (
            own_host if SHOP_HOST.match(own_host) else ""
        )
        if expected and shop != expected:
            raise AuthError(
                f"{store.name}: the app was installed on {shop}, but this store is "
                f"{expected}: sign in to {expected} and connect again"
            )

    def _exchange(self, back: Callback, code: str) -> tuple[str, str]:
        """The offline token and its granted scopes for `code`."""
        store, credentials = back.store, back.credentials
        body = {
            "client_id": credential_text(credentials, "client_id"),
            "client_secret": credential_text(credentials, "client_secret"),
            "code": code,
        }
        url = f"{store.base_url.rstrip('/')}{TOKEN_PATH}"
        with make_client(timeout=self._timeout, transport=back.transport) as http:
            response = send(http, http.build_request("POST", url, json=body))
        payload = _json(response)
        if response.status_code == 200 and isinstance(payload.get("access_token"), str):
            return payload["access_token"], str(payload.get("scope") or "")
        if response.status_code >= 500 or response.status_code == 429:
            raise TransientError(
                f"{TOKEN_PATH}: HTTP {response.status_code}", status=response.status_code
            )
        reason = payload.get("error_description") or payload.get("error") or response.text[:200]
        raise AuthError(
            f"{store.name}: Shopify refused the authorization code ({reason}): codes are "
            "good once and for minutes only; start the connection again",
            status=response.status_code,
        )

    def _check_scopes(self, store: StoreSpec, granted_text: str) -> None:
        """Every scope asked for was granted (a `write_` scope implies its `read_`, and
        Shopify may name the write one alone)."""
        granted = {scope.strip() for scope in granted_text.split(",") if scope.strip()}
        if not granted:
            return  # the answer did not say: the first API call will
        lacking = [
            scope
            for scope in SCOPES
            if scope not in granted and scope.replace("read_", "write_", 1) not in granted
        ]
        if lacking:
            raise AuthError(
                f"{store.name}: the install granted no {', '.join(lacking)}: give the app "
                "these access scopes in its Shopify settings and connect again"
            )


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        payload = response.json()
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}
