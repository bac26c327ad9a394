"""Fixtures of the Shopify tests: one sandbox shop served on loopback, and connectors to it
(tests/connectors/conftest.py's, for this shop)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from lapak.connectors.shopify import plugin
from lapak.sandboxes.registry import sandbox_for
from lapak.wiring.server import RunningServer

from lapak.testing.fixtures import Target

STORE = "toko-shopify"
CREDENTIALS = sandbox_for(plugin.platform).credentials(STORE, 0)
TOKEN = CREDENTIALS["access_token"]
SECRET = CREDENTIALS["client_secret"]
DOMAIN = CREDENTIALS["shop_domain"]
VERSION = CREDENTIALS["api_version"]
API = f"/admin/api/{VERSION}"


@pytest.fixture
def target() -> Target:
    return Target("shopify", STORE, seed=7)


@pytest.fixture
def http(server: RunningServer) -> Iterator[httpx.Client]:
    """A plain client for the sandbox's wire, authenticated as the shop."""
    headers = {"X-Shopify-Access-Token": TOKEN}
    with httpx.Client(base_url=server.url, headers=headers, timeout=10) as client:
        yield client
