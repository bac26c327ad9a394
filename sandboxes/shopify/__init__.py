"""A faithful fake of the Shopify Admin API (REST 2025-01 + the GraphQL inventory mutation).

    app = create_app([{"name": "toko-a", "shop_domain": "toko-a.myshopify.com",
                       "access_token": "shpat_...", "client_secret": "...",
                       "api_version": "2025-01"}])
    sandbox = app.state.sandbox          # a ShopifySandbox: drive it from Python
    control = app.state.control          # the uniform SandboxControl surface
    with serve(app) as server: ...       # wiring.server.serve

Point a client at the served URL as the shop's base URL (`{url}/admin/api/{version}/...`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

from lapak.sandboxes.kit.entry import SandboxEntry
from lapak.sandboxes.shopify.app import build_app
from lapak.sandboxes.shopify.orders import OutOfStockError
from lapak.sandboxes.shopify.push import hmac_header
from lapak.sandboxes.shopify.sandbox import ShopifySandbox, UnknownShopError
from lapak.sandboxes.shopify.surface import ShopifyControl
from starlette.applications import Starlette


def create_app(shops: Sequence[Mapping[str, Any]], *, seed: int = 0) -> Starlette:
    """The sandbox ASGI app for these shops; `app.state.sandbox` is its `ShopifySandbox`,
    `app.state.control` its `ShopifyControl`.

    Each shop mapping has name, access_token, client_secret, and optionally shop_domain,
    api_version and location_id (the credentials Lapak's config holds for the store).
    """
    return build_app(ShopifySandbox(shops, seed=seed))


def fake_credentials(name: str, index: int) -> dict[str, Any]:
    """A custom app installed on one sandbox shop (fakes, derived from nothing secret:
    `shpat_` is the prefix of Admin API access tokens, `shpss_` of shared secrets; a
    Client ID is 32 hex digits). The sandbox hands `access_token` out when the app is
    installed through its authorization page."""
    digest = hashlib.sha256(f"shopify/{name}/{index}".encode()).hexdigest()
    app_id = hashlib.sha256(f"shopify-app/{name}/{index}".encode()).hexdigest()
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or f"toko-{index}"
    return {
        "shop_domain": f"{slug}.myshopify.com",
        "access_token": f"shpat_{digest[:32]}",
        "client_secret": f"shpss_{digest[32:64]}",
        "client_id": app_id[:32],
        "api_version": "2025-01",
    }


sandbox = SandboxEntry("shopify", create_app, fake_credentials)
"""The `lapak.sandboxes` entry point (`sandboxes.registry.Sandbox`)."""


__all__ = [
    "OutOfStockError",
    "ShopifyControl",
    "ShopifySandbox",
    "UnknownShopError",
    "create_app",
    "fake_credentials",
    "hmac_header",
    "sandbox",
]
