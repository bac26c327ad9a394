"""Connecting a Shopify store: the install link, the sandbox's install page, the signed
redirect and the code exchange, over real HTTP; then a connector made from the grant."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from lapak.connectors.shopify import ShopifyConnector, ShopifyCredentials, plugin
from lapak.connectors.shopify.authorization import SCOPES
from lapak.sandboxes.shopify import ShopifySandbox
from lapak.sync.connections import StoredGrant, granted_credentials
from lapak.sync.protocol import AuthError, PermanentError, StoreSpec
from lapak.wiring.server import RunningServer

from tests.connectors.doubles import CountingPacer, MemoryVault
from tests.connectors.shopify.conftest import CREDENTIALS, DOMAIN, STORE, TOKEN

REDIRECT = "https://lapak.example/connect/toko-shopify/callback"
APP_KEYS = {key: CREDENTIALS[key] for key in ("client_id", "client_secret", "api_version")}
"""What the config holds for a store not yet connected: the app's own keys."""


def _spec(server: RunningServer) -> StoreSpec:
    return StoreSpec(name=STORE, platform="shopify", base_url=server.url)


def _approve(link: str, shop: str = DOMAIN) -> dict[str, str]:
    """The merchant opens the link and clicks Install on `shop`: the redirect's query."""
    with httpx.Client(timeout=10) as browser:
        page = browser.get(link)
        assert page.status_code == 200
        assert f"Install Lapak on {shop}?" in page.text
        form = next(f for f in re.findall(r"<form.*?</form>", page.text, re.S) if shop in f)
        fields = {
            unescape(name): unescape(value)
            for name, value in re.findall(r'name="([^"]+)" value="([^"]*)"', form)
        }
        action = urlsplit(link)._replace(path="/admin/oauth/authorize", query="").geturl()
        redirect = browser.post(action, data=fields)
    assert redirect.status_code == 303
    location = urlsplit(redirect.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    return dict(parse_qsl(location.query))


def _connector(server: RunningServer, sandbox: ShopifySandbox, values: dict[str, Any]) -> Any:
    credentials = plugin.credentials_model.model_validate(values)
    return plugin.create(
        _spec(server), credentials, pacer=CountingPacer(), tokens=MemoryVault(sandbox.clock.now)
    )


def test_a_store_connects_through_the_install_page_and_its_connector_calls_the_api(
    server: RunningServer, sandbox: ShopifySandbox
) -> None:
    sandbox.revoke_token(STORE)  # installed before, then uninstalled: the token is refused
    authorization = plugin.authorization
    link = authorization.begin(_spec(server), APP_KEYS, redirect_uri=REDIRECT, state="s-123")
    assert link.startswith(f"{server.url}/admin/oauth/authorize?")
    query = dict(parse_qsl(urlsplit(link).query))
    assert query["client_id"] == CREDENTIALS["client_id"] and query["state"] == "s-123"
    assert set(query["scope"].split(",")) == set(SCOPES)

    callback = _approve(link)
    assert set(callback) == {"code", "hmac", "host", "shop", "state", "timestamp"}
    assert (callback["shop"], callback["state"]) == (DOMAIN, "s-123")

    grant = authorization.complete(_spec(server), APP_KEYS, callback, redirect_uri=REDIRECT)
    assert grant.identity == {"shop_domain": DOMAIN}
    assert grant.secrets == {"access_token": TOKEN} and grant.token is None

    stored = StoredGrant(grant.identity, grant.secrets, datetime.now(UTC))
    connector = _connector(server, sandbox, granted_credentials(APP_KEYS, stored))
    try:
        assert list(connector.scan_listings()) == []  # a real call, with the granted token
    finally:
        connector.close()


def test_a_forged_or_tampered_hmac_is_refused_before_the_code_is_spent(
    server: RunningServer,
) -> None:
    authorization = plugin.authorization
    link = authorization.begin(_spec(server), APP_KEYS, redirect_uri=REDIRECT, state="s-1")
    callback = _approve(link)
    for forged in (
        {**callback, "hmac": "0" * 64},
        {**callback, "state": "someone-elses-state"},
        {**callback, "shop": "other-shop.myshopify.com"},
    ):
        with pytest.raises(AuthError, match="hmac is not signed"):
            authorization.complete(_spec(server), APP_KEYS, forged, redirect_uri=REDIRECT)
    signed_elsewhere = {**APP_KEYS, "client_secret": "shpss_not-this-apps"}
    with pytest.raises(AuthError):
        authorization.complete(_spec(server), signed_elsewhere, callback, redirect_uri=REDIRECT)
    grant = authorization.complete(_spec(server), APP_KEYS, callback, redirect_uri=REDIRECT)
    assert grant.secrets["access_token"] == TOKEN


def test_a_code_is_good_once_and_for_minutes(
    server: RunningServer, sandbox: ShopifySandbox
) -> None:
    authorization = plugin.authorization
    spec = _spec(server)
    callback = _approve(authorization.begin(spec, APP_KEYS, redirect_uri=REDIRECT, state="a"))
    authorization.complete(spec, APP_KEYS, callback, redirect_uri=REDIRECT)
    with pytest.raises(AuthError, match="refused the authorization code"):
        authorization.complete(spec, APP_KEYS, callback, redirect_uri=REDIRECT)

    late = _approve(authorization.begin(spec, APP_KEYS, redirect_uri=REDIRECT, state="b"))
    sandbox.clock.advance(601)
    with pytest.raises(AuthError, match="refused the authorization code"):
        authorization.complete(spec, APP_KEYS, late, redirect_uri=REDIRECT)


def test_the_shop_must_be_a_myshopify_host_and_this_stores_own(server: RunningServer) -> None:
    authorization = plugin.authorization
    spec = _spec(server)
    callback = _approve(authorization.begin(spec, APP_KEYS, redirect_uri=REDIRECT, state="c"))
    pinned = {**APP_KEYS, "shop_domain": "toko-lain.myshopify.com"}
    elsewhere = re.escape(f"installed on {DOMAIN}, but this store")
    with pytest.raises(AuthError, match=elsewhere):
        authorization.complete(spec, pinned, callback, redirect_uri=REDIRECT)
    real = StoreSpec(name=STORE, platform="shopify", base_url="https://toko-lain.myshopify.com")
    with pytest.raises(AuthError, match=re.escape("but this store is toko-lain.myshopify.com")):
        authorization.complete(real, APP_KEYS, callback, redirect_uri=REDIRECT)


def test_missing_keys_and_parameters_say_what_to_do(server: RunningServer) -> None:
    authorization = plugin.authorization
    spec = _spec(server)
    without_id = {"client_secret": CREDENTIALS["client_secret"]}
    with pytest.raises(PermanentError, match=re.escape("credentials.client_id is not set")):
        authorization.begin(spec, without_id, redirect_uri=REDIRECT, state="d")
    with pytest.raises(PermanentError, match="lacks code, hmac, shop, state, timestamp"):
        authorization.complete(spec, APP_KEYS, {}, redirect_uri=REDIRECT)
    with pytest.raises(AuthError, match="not connected yet: run `lapak connect toko-shopify`"):
        ShopifyConnector(
            spec,
            ShopifyCredentials.model_validate(APP_KEYS),
            pacer=CountingPacer(),
            tokens=MemoryVault(lambda: 0.0),
        )


def test_the_install_page_refuses_an_unknown_app_or_a_bad_redirect(server: RunningServer) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as browser:
        unknown = browser.get(
            "/admin/oauth/authorize",
            params={"client_id": "nope", "redirect_uri": REDIRECT, "state": "x", "scope": ""},
        )
        assert unknown.status_code == 400 and "Oauth error" in unknown.text
        bad = browser.get(
            "/admin/oauth/authorize",
            params={"client_id": CREDENTIALS["client_id"], "redirect_uri": "javascript:x"},
        )
        assert bad.status_code == 400 and "redirect_uri" in bad.text
