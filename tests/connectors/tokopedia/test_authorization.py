"""Connecting a Tokopedia store: client credentials and Get Shop Info against the sandbox
over real HTTP, then a connector made from the grant."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from lapak.connectors.tokopedia import plugin
from lapak.sandboxes.registry import sandbox_for
from lapak.sandboxes.tokopedia import create_app
from lapak.sync.connections import StoredGrant, granted_credentials
from lapak.sync.protocol import AuthError, PermanentError, StoreSpec
from lapak.wiring.server import RunningServer, serve
from starlette.applications import Starlette

from tests.connectors.doubles import CountingPacer, MemoryVault

STORE, SECOND, OTHER = "toko-tokped", "toko-tokped-cabang", "toko-lain"
CREDENTIALS = sandbox_for(plugin.platform).credentials(STORE, 0)
OTHER_APP = sandbox_for(plugin.platform).credentials(OTHER, 2)
APP_KEYS = {k: v for k, v in CREDENTIALS.items() if k != "shop_id"}
"""What the config holds for a store not yet connected: the app's own keys."""
SECOND_SHOP = CREDENTIALS["shop_id"] + 1


@pytest.fixture
def app() -> Iterator[Starlette]:
    app = create_app([{"name": STORE, **CREDENTIALS}, {"name": OTHER, **OTHER_APP}], seed=4)
    yield app
    app.state.control.close()


@pytest.fixture
def server(app: Starlette) -> Iterator[RunningServer]:
    with serve(app) as running:
        yield running


def _spec(server: RunningServer) -> StoreSpec:
    return StoreSpec(name=STORE, platform="tokopedia", base_url=server.url)


def test_a_store_connects_with_client_credentials_and_its_connector_calls_the_api(
    server: RunningServer, app: Starlette
) -> None:
    authorization = plugin.authorization
    assert authorization.begin(_spec(server), APP_KEYS, redirect_uri="", state="s") is None
    grant = authorization.complete(_spec(server), APP_KEYS, {}, redirect_uri="")
    assert grant.identity == {"shop_id": str(CREDENTIALS["shop_id"]), "shop_name": STORE}
    assert grant.token is not None and grant.token.access_token and not grant.secrets
    assert grant.token.expires_at > datetime.now(UTC)

    stored = StoredGrant(grant.identity, grant.secrets, datetime.now(UTC))
    values = granted_credentials(APP_KEYS, stored)
    credentials = plugin.credentials_model.model_validate(values)
    vault = MemoryVault(app.state.sandbox.clock.now)
    connector = plugin.create(_spec(server), credentials, pacer=CountingPacer(), tokens=vault)
    try:
        assert list(connector.scan_listings()) == []  # a real call for the granted shop
    finally:
        connector.close()


def test_a_shop_the_app_is_not_linked_to_is_refused_readably(server: RunningServer) -> None:
    theirs = {**APP_KEYS, "shop_id": OTHER_APP["shop_id"]}
    message = f"shop {OTHER_APP['shop_id']} has not authorized this app: the seller links"
    with pytest.raises(AuthError, match=re.escape(message)):
        plugin.authorization.complete(_spec(server), theirs, {}, redirect_uri="")
    mine = {**APP_KEYS, "shop_id": CREDENTIALS["shop_id"]}
    grant = plugin.authorization.complete(_spec(server), mine, {}, redirect_uri="")
    assert grant.identity["shop_id"] == str(CREDENTIALS["shop_id"])


def test_wrong_client_credentials_are_refused_readably(server: RunningServer) -> None:
    wrong = {**APP_KEYS, "client_secret": "0" * 32}
    with pytest.raises(AuthError, match=re.escape("refused the app's client_id/client_secret")):
        plugin.authorization.complete(_spec(server), wrong, {}, redirect_uri="")
    with pytest.raises(PermanentError, match="must be set"):
        plugin.authorization.complete(_spec(server), {}, {}, redirect_uri="")


def test_an_app_with_several_shops_needs_the_shop_id_named() -> None:
    second = {**CREDENTIALS, "shop_id": SECOND_SHOP}
    app = create_app([{"name": STORE, **CREDENTIALS}, {"name": SECOND, **second}], seed=4)
    try:
        with serve(app) as server:
            with pytest.raises(PermanentError, match=rf"several shops \(.*{SECOND}\)"):
                plugin.authorization.complete(_spec(server), APP_KEYS, {}, redirect_uri="")
            named = {**APP_KEYS, "shop_id": str(SECOND_SHOP)}
            grant = plugin.authorization.complete(_spec(server), named, {}, redirect_uri="")
            assert grant.identity == {"shop_id": str(SECOND_SHOP), "shop_name": SECOND}
    finally:
        app.state.control.close()


def test_a_connector_without_a_shop_says_to_connect(server: RunningServer) -> None:
    credentials: Any = plugin.credentials_model.model_validate(APP_KEYS)
    with pytest.raises(AuthError, match="run `lapak connect toko-tokped`"):
        plugin.create(_spec(server), credentials, pacer=CountingPacer(), tokens=MemoryVault(float))


def test_the_sandbox_serves_get_shop_info_for_the_apps_own_shops(server: RunningServer) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as http:
        basic = httpx.BasicAuth(CREDENTIALS["client_id"], CREDENTIALS["client_secret"])
        token = http.post("/token", params={"grant_type": "client_credentials"}, auth=basic)
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        path = f"/v1/shop/fs/{CREDENTIALS['fs_id']}/shop-info"
        listed = http.get(path, headers=headers).json()["data"]
        assert [(s["shop_id"], s["shop_name"]) for s in listed] == [(CREDENTIALS["shop_id"], STORE)]
        other = http.get(path, params={"shop_id": OTHER_APP["shop_id"]}, headers=headers)
        assert other.status_code == 403
        not_ours = http.get(f"/v1/shop/fs/{OTHER_APP['fs_id']}/shop-info", headers=headers)
        assert not_ours.status_code == 403
