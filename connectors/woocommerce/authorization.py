"""WooCommerce's seller authorization: the `/wc-auth/v1/authorize` endpoint, which makes a
REST API key pair for Lapak once the site's admin approves.

    begin     {base_url}/wc-auth/v1/authorize?app_name=Lapak&scope=read_write
              &user_id={state}&return_url={redirect_uri}&callback_url={redirect_uri}
    approve   WooCommerce creates the key and POSTs JSON to callback_url, server to server:
              {"key_id", "user_id", "consumer_key", "consumer_secret", "key_permissions"};
              only when that POST is answered 200 does it send the browser to return_url
              with `success=1&user_id=…` (a failed POST deletes the key). A declined
              request goes to return_url with `success=0&user_id=…` and posts nothing.
    complete  the posted keys become the grant's lasting secrets.

**The state travels as `user_id`.** WooCommerce has no `state` parameter: `user_id` is the
opaque value the app chooses and gets back, in the POST body and in the return redirect,
so Lapak's callback route reads the state from the parameter named by `state_param`
(`"user_id"`) and checks it before `complete` runs. The browser's return (after the POST
took the state) carries no keys.

WooCommerce refuses a `callback_url` that is not https ("The callback_url needs to be over
SSL") and posts only to public addresses (`wp_safe_remote_post`): Lapak's public_url must
be an https address the site can reach; only a site on this machine (a sandbox) is given
an http one. (woocommerce includes/class-wc-auth.php; REST API docs "Authentication
endpoint".)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

from lapak.connectors.authorization import Callback, SellerAuthorization
from lapak.connectors.credential_values import credential_text
from lapak.sync.protocol import AuthError, PermanentError, StoreSpec
from lapak.sync.types import Grant

APP_NAME = "Lapak"
SCOPE = "read_write"
"""Lapak writes products, stock, prices and order statuses: `read_write`."""
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class WooCommerceAuthorization(SellerAuthorization):
    """`sync.protocol.Authorization` for WooCommerce (`plugin.authorization`)."""

    app_keys = ("webhook_secret",)
    """The credentials that are Lapak's own (the config's); the REST API key pair comes
    from the authorization."""

    state_param = "user_id"
    """The callback parameter that carries the `state` Lapak handed out (see above)."""

    def browser_return(self, params: Mapping[str, Any]) -> bool:
        """Whether `params` are the browser's return after an approval (`success=1`, no
        keys): the keys were posted before, and that post took the state."""
        return str(params.get("success", "")) == "1" and not params.get("consumer_key")

    def _link(
        self, store: StoreSpec, credentials: Mapping[str, Any], redirect_uri: str, state: str
    ) -> str:
        target = urlsplit(redirect_uri)
        site = urlsplit(store.base_url)
        if target.scheme != "https" and site.hostname not in LOOPBACK_HOSTS:
            raise PermanentError(
                f"{store.name}: WooCommerce sends the API keys only to an https address, and "
                f"the callback would be {target.scheme}://{target.netloc}: set "
                "[lapak] public_url to Lapak's public https address"
            )
        query = urlencode(
            {
                "app_name": APP_NAME,
                "scope": SCOPE,
                "user_id": state,
                "return_url": redirect_uri,
                "callback_url": redirect_uri,
            }
        )
        return f"{store.base_url.rstrip('/')}/wc-auth/v1/authorize?{query}"

    def _grant(self, back: Callback) -> Grant:
        """The keys of the callback POST (its JSON fields, `key_id` possibly a number)."""
        if str(back.params.get("success", "")) == "0":
            raise AuthError(
                f"{back.store.name}: the site's admin declined the request (no key was made): "
                "connect again and click Approve"
            )
        key = credential_text(back.params, "consumer_key")
        secret = credential_text(back.params, "consumer_secret")
        if not (key.startswith("ck_") and secret.startswith("cs_")):
            raise PermanentError(
                f"{back.store.name}: the callback carries no WooCommerce key pair: WooCommerce "
                "posts the keys to the callback itself, before the browser comes back"
            )
        permissions = credential_text(back.params, "key_permissions") or SCOPE
        if permissions != SCOPE:
            raise AuthError(
                f"{back.store.name}: the key WooCommerce made allows {permissions!r} only; Lapak "
                f"needs {SCOPE!r}: connect again (the key can be revoked in WooCommerce > "
                "Settings > Advanced > REST API)"
            )
        return Grant(secrets={"consumer_key": key, "consumer_secret": secret})
