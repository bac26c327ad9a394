"""Fixtures of the Shopify tests: one sandbox shop served on loopback, and connectors to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from lapak.connectors.http import RetryPolicy
from lapak.connectors.shopify import ShopifyConnector, ShopifyCredentials, plugin
from lapak.sandboxes.registry import sandbox_for
from lapak.sandboxes.shopify import ShopifyControl, ShopifySandbox, create_app
from lapak.sync.protocol import StoreSpec
from lapak.wiring.server import RunningServer, serve
from starlette.applications import Starlette

from tests.connectors.doubles import CountingPacer, MemoryVault

STORE = "toko-shopify"
CREDENTIALS = sandbox_for(plugin.platform).credentials(STORE, 0)
TOKEN = CREDENTIALS["access_token"]
SECRET = CREDENTIALS["client_secret"]
DOMAIN = CREDENTIALS["shop_domain"]
VERSION = CREDENTIALS["api_version"]
API = f"/admin/api/{VERSION}"
FAST = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05, max_retry_after=3.0, budget=5.0)


@pytest.fixture
def app() -> Iterator[Starlette]:
    app = create_app([{"name": STORE, **CREDENTIALS}], seed=7)
    app.state.sandbox.set_rate_limit(0)  # pacing is the Pacer's job; throttles come from faults
    yield app
    app.state.sandbox.close()


@pytest.fixture
def sandbox(app: Starlette) -> ShopifySandbox:
    return app.state.sandbox


@pytest.fixture
def control(app: Starlette) -> ShopifyControl:
    return app.state.control


@pytest.fixture
def server(app: Starlette) -> Iterator[RunningServer]:
    with serve(app) as running:
        yield running


@pytest.fixture
def pacer() -> CountingPacer:
    return CountingPacer()


@pytest.fixture
def connect(
    server: RunningServer, sandbox: ShopifySandbox, pacer: CountingPacer
) -> Iterator[Callable[..., ShopifyConnector]]:
    """Makes connectors to the sandbox shop (credentials may be overridden by keyword)."""
    made: list[ShopifyConnector] = []

    def make(**options: Any) -> ShopifyConnector:
        options.setdefault("retry_policy", FAST)
        values = {**CREDENTIALS, **options.pop("credentials", {})}
        connector = ShopifyConnector(
            StoreSpec(name=STORE, platform="shopify", base_url=server.url),
            ShopifyCredentials.model_validate(values),
            pacer=pacer,
            tokens=MemoryVault(sandbox.clock.now),
            clock=sandbox.clock.now,
            **options,
        )
        made.append(connector)
        return connector

    yield make
    for connector in made:
        connector.close()


@pytest.fixture
def connector(connect: Callable[..., ShopifyConnector]) -> ShopifyConnector:
    return connect()


@pytest.fixture
def http(server: RunningServer) -> Iterator[httpx.Client]:
    """A plain client for the sandbox's wire, authenticated as the shop."""
    headers = {"X-Shopify-Access-Token": TOKEN}
    with httpx.Client(base_url=server.url, headers=headers, timeout=10) as client:
        yield client
