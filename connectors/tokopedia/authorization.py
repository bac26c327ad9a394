"""Tokopedia's store connection: no seller redirect. A seller links their shop to the
app in Tokopedia (the app's fs_id); Lapak then gets a token with the app's client
credentials and checks the shop with Get Shop Info.

    begin     None: there is no link for the seller to open
    complete  POST {token_url}?grant_type=client_credentials (Basic client_id:secret)
              GET  /v1/shop/fs/{fs_id}/shop-info[?shop_id=…]  → the shops linked to the app
              → a Grant with the token and the shop's `shop_id` and `shop_name`

With `shop_id` in the config, that shop must be linked to the app; without, the app must
have exactly one shop (several: the message lists them, to put one in the config). A shop
not linked is an `AuthError` saying what the seller must do. (developer.tokopedia.com
guides/authentication; Get Shop Info as the tokopedia-php client calls it.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lapak.connectors.authorization import Callback, SellerAuthorization
from lapak.connectors.credential_values import credential_text
from lapak.connectors.http import Retrier, RetryPolicy, make_client
from lapak.connectors.kit.client import Wiring
from lapak.connectors.tokopedia import auth
from lapak.connectors.tokopedia.client import TokopediaClient
from lapak.connectors.tokopedia.wire import Wire
from lapak.sync.protocol import AuthError, PermanentError, Refresh, StoreSpec
from lapak.sync.types import Grant, TokenSet
from pydantic import Field

SHOPS_PAGE = 50


class ShopInfo(Wire):
    shop_id: int
    shop_name: str = Field(default="")


class _Unpaced:
    """Connecting makes two calls: nothing to pace."""

    def acquire(self, weight: int = 1) -> None:
        return None


class _OneToken:
    """A `TokenVault` for one connection: the token obtained first, kept for the call after."""

    def __init__(self) -> None:
        self.current: TokenSet | None = None

    def token(self, refresh: Refresh, *, stale: str | None = None) -> TokenSet:
        if self.current is None or self.current.access_token == stale:
            self.current = refresh(self.current)
        return self.current


class TokopediaAuthorization(SellerAuthorization):
    """`sync.protocol.Authorization` for Tokopedia (`plugin.authorization`)."""

    app_keys = ("fs_id", "client_id", "client_secret", "webhook_secret")
    """The credentials that are the app's own (the config's); the linked shop's id and
    name and the token come from connecting."""

    state_param = "state"

    def _link(
        self, store: StoreSpec, credentials: Mapping[str, Any], redirect_uri: str, state: str
    ) -> None:
        """No link: the seller links the shop to the app in Tokopedia beforehand."""
        return None

    def _grant(self, back: Callback) -> Grant:
        fs_id = credential_text(back.credentials, "fs_id")
        client_id = credential_text(back.credentials, "client_id")
        if not (fs_id and client_id and credential_text(back.credentials, "client_secret")):
            raise PermanentError(
                f"{back.store.name}: fs_id, client_id and client_secret must be set: the app's "
                "keys from the Tokopedia Developer Console"
            )
        vault = _OneToken()
        with make_client(
            base_url=back.store.base_url, timeout=self._timeout, transport=back.transport
        ) as http:
            wiring = Wiring(http, Retrier(RetryPolicy()), _Unpaced(), vault, clock=self._clock)
            client = TokopediaClient(
                wiring,
                client_id=client_id,
                client_secret=credential_text(back.credentials, "client_secret"),
                token_url=auth.token_url_for(
                    back.store.base_url, credential_text(back.credentials, "token_url") or None
                ),
            )
            try:
                token = vault.token(client.refresh)
            except AuthError as refused:
                raise AuthError(
                    f"{back.store.name}: Tokopedia refused the app's client_id/client_secret "
                    f"({refused}): check the values of those env vars",
                    status=refused.status,
                ) from None
            shop = self._linked_shop(back.store, client, int(fs_id), back.credentials)
        return Grant(
            identity={"shop_id": str(shop.shop_id), "shop_name": shop.shop_name}, token=token
        )

    def _linked_shop(
        self,
        store: StoreSpec,
        client: TokopediaClient,
        fs_id: int,
        credentials: Mapping[str, Any],
    ) -> ShopInfo:
        path = f"/v1/shop/fs/{fs_id}/shop-info"
        wanted = credential_text(credentials, "shop_id")
        how = (
            "the seller links the shop to the app in Tokopedia Seller (the app's fs_id "
            f"{fs_id}), then connect again"
        )
        params: dict[str, Any] = (
            {"shop_id": wanted} if wanted else {"page": 1, "per_page": SHOPS_PAGE}
        )
        try:
            shops = client.get_list(path, params, ShopInfo)
        except AuthError:
            shops = []
        if wanted:
            found = [shop for shop in shops if str(shop.shop_id) == wanted]
            if not found:
                raise AuthError(f"{store.name}: shop {wanted} has not authorized this app: {how}")
            return found[0]
        if not shops:
            raise AuthError(f"{store.name}: no shop has authorized this app yet: {how}")
        if len(shops) > 1:
            listed = ", ".join(f"{s.shop_id} ({s.shop_name})" for s in shops)
            raise PermanentError(
                f"{store.name}: the app is linked to several shops ({listed}): set "
                "credentials.shop_id to the env var holding this store's one"
            )
        return shops[0]
