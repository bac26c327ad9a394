"""Connecting a WooCommerce store: the `/wc-auth/v1/authorize` link, the sandbox's approve
page, the keys posted to the callback server to server, then a connector made from them.

The callback here stands in for Lapak's `/connect/{store}/callback` route: it takes the
state once, from the parameter the authorization names (`user_id` for WooCommerce), and
answers 200 only when `complete` made a grant."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import unescape
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from lapak.connectors.woocommerce import plugin
from lapak.sandboxes.registry import sandbox_for
from lapak.sandboxes.woocommerce import WooSandbox
from lapak.sync.connections import StoredGrant, granted_credentials
from lapak.sync.protocol import AuthError, ConnectorError, PermanentError, StoreSpec
from lapak.sync.types import Grant
from lapak.wiring.server import RunningServer, serve
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from lapak.testing.fixtures import Target
from tests.connectors.doubles import CountingPacer, MemoryVault

STORE = "toko-woo"
APP_KEYS = {"webhook_secret": sandbox_for(plugin.platform).credentials(STORE, 0)["webhook_secret"]}
"""What the config holds for a store not yet connected: no API key at all."""


@dataclass
class Callback:
    """Lapak's side: states handed out (each good once) and the grants made."""

    url: str = ""
    site: str = ""
    states: set[str] = field(default_factory=set)
    grants: list[Grant] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def spec(self) -> StoreSpec:
        return StoreSpec(name=STORE, platform="woocommerce", base_url=self.site)


@pytest.fixture
def target() -> Target:
    return Target("woocommerce", STORE, seed=3)


@pytest.fixture
def credentials() -> dict[str, Any]:
    return APP_KEYS  # a site with no key yet


@pytest.fixture
def callback(server: RunningServer) -> Iterator[Callback]:
    lapak = Callback(site=server.url)
    authorization = plugin.authorization

    async def receive(request: Request) -> Response:
        params: dict[str, Any] = dict(request.query_params)
        if request.method == "POST":
            params |= await request.json()
        else:  # the browser's return: the POST already took the state
            return PlainTextResponse("connected" if params.get("success") == "1" else "no")
        state = str(params.get(authorization.state_param, ""))
        if state not in lapak.states:
            lapak.refused.append(state)
            return PlainTextResponse("unknown or used state", status_code=403)
        lapak.states.discard(state)
        try:
            grant = authorization.complete(lapak.spec(), APP_KEYS, params, redirect_uri=lapak.url)
        except ConnectorError as refused:
            lapak.refused.append(str(refused))
            return PlainTextResponse(str(refused), status_code=400)
        lapak.grants.append(grant)
        return PlainTextResponse("ok")

    route = Route("/connect/toko-woo/callback", receive, methods=["GET", "POST"])
    with serve(Starlette(routes=[route])) as running:
        lapak.url = f"{running.url}/connect/{STORE}/callback"
        yield lapak


def _begin(lapak: Callback, state: str) -> str:
    lapak.states.add(state)
    link = plugin.authorization.begin(lapak.spec(), APP_KEYS, redirect_uri=lapak.url, state=state)
    assert link.startswith(f"{lapak.site}/wc-auth/v1/authorize?")
    return link


def _links(browser: httpx.Client, link: str) -> dict[str, str]:
    page = browser.get(link)
    assert page.status_code == 200 and "Lapak would like to connect to toko-woo" in page.text
    found = re.findall(r'<a class="(\w+)" href="([^"]+)"', page.text)
    return {kind: unescape(href) for kind, href in found}


def test_a_store_connects_and_its_connector_calls_the_api_with_the_posted_keys(
    sandbox: WooSandbox, callback: Callback
) -> None:
    link = _begin(callback, "st-1")
    query = dict(parse_qsl(urlsplit(link).query))
    assert query == {
        "app_name": "Lapak",
        "scope": "read_write",
        "user_id": "st-1",
        "return_url": callback.url,
        "callback_url": callback.url,
    }
    with httpx.Client(base_url=callback.site, timeout=10) as browser:
        approved = browser.get(_links(browser, link)["approve"])
    assert approved.status_code == 302
    assert approved.headers["location"] == f"{callback.url}?success=1&user_id=st-1"

    [grant] = callback.grants
    assert set(grant.secrets) == {"consumer_key", "consumer_secret"} and not grant.identity
    assert grant.secrets["consumer_key"].startswith("ck_") and grant.token is None
    assert not callback.states  # taken once

    stored = StoredGrant(grant.identity, grant.secrets, datetime.now(UTC))
    credentials = plugin.credentials_model.model_validate(granted_credentials(APP_KEYS, stored))
    connector = plugin.create(
        callback.spec(), credentials, pacer=CountingPacer(), tokens=MemoryVault(sandbox.clock.now)
    )
    try:
        assert list(connector.scan_listings()) == []  # OAuth 1.0a with the new key
    finally:
        connector.close()


def test_keys_posted_with_a_wrong_user_id_are_refused_and_the_key_is_deleted(
    sandbox: WooSandbox, callback: Callback
) -> None:
    link = _begin(callback, "st-2")
    forged = link.replace("user_id=st-2", "user_id=not-a-state")
    with httpx.Client(base_url=callback.site, timeout=10) as browser:
        failed = browser.get(_links(browser, forged)["approve"])
    assert failed.status_code == 401
    assert "unable to send the consumer data" in failed.text
    assert callback.refused == ["not-a-state"] and not callback.grants
    assert sandbox.keys == {}  # the key WooCommerce made was deleted: nothing can use it


def test_a_declined_request_posts_nothing_and_complete_says_so(callback: Callback) -> None:
    link = _begin(callback, "st-3")
    with httpx.Client(base_url=callback.site, timeout=10) as browser:
        deny = _links(browser, link)["deny"]
    assert deny == f"{callback.url}?success=0&user_id=st-3"
    with pytest.raises(AuthError, match="declined"):
        plugin.authorization.complete(
            callback.spec(), APP_KEYS, dict(parse_qsl(urlsplit(deny).query)), redirect_uri=""
        )


def test_complete_wants_a_read_write_key_pair(callback: Callback) -> None:
    complete = plugin.authorization.complete
    with pytest.raises(PermanentError, match="no WooCommerce key pair"):
        complete(callback.spec(), APP_KEYS, {"success": "1", "user_id": "x"}, redirect_uri="")
    read_only = {"consumer_key": "ck_1", "consumer_secret": "cs_1", "key_permissions": "read"}
    with pytest.raises(AuthError, match="allows 'read' only"):
        complete(callback.spec(), APP_KEYS, read_only, redirect_uri="")


def test_a_public_site_needs_an_https_callback(callback: Callback) -> None:
    public = StoreSpec(name=STORE, platform="woocommerce", base_url="https://toko.example")
    with pytest.raises(PermanentError, match="public_url"):
        plugin.authorization.begin(public, {}, redirect_uri="http://lapak.example/cb", state="s")
    link = plugin.authorization.begin(public, {}, redirect_uri="https://lapak.example/c", state="s")
    assert link.startswith("https://toko.example/wc-auth/v1/authorize?")


def test_the_sandbox_validates_the_request_as_woocommerce_does(callback: Callback) -> None:
    with httpx.Client(base_url=callback.site, timeout=10) as browser:
        missing = browser.get("/wc-auth/v1/authorize", params={"app_name": "Lapak"})
        assert missing.status_code == 401 and "Error: Missing parameter user_id." in missing.text
        plain = browser.get(
            "/wc-auth/v1/authorize",
            params={
                "app_name": "Lapak",
                "user_id": "u",
                "scope": "read_write",
                "return_url": "http://lapak.example/r",
                "callback_url": "http://lapak.example/c",
            },
        )
        assert "The callback_url needs to be over SSL" in plain.text
        link = _begin(callback, "st-4")
        approve = _links(browser, link)["approve"]
        forged = re.sub(r"wc_auth_nonce=\w+", "wc_auth_nonce=0000000000", approve)
        assert "Invalid nonce verification" in browser.get(forged).text
