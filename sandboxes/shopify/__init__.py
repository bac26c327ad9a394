"""A fake Shopify Admin API (REST 2025-01 + the GraphQL inventory mutation).

`create_app(shops)` serves it; `app.state.sandbox` is the `ShopifySandbox`, `app.state.control`
its `ShopifyControl`. A client takes the served URL as the shop's base URL
(`{url}/admin/api/{version}/...`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from lapak.sandboxes.kit.entry import SandboxEntry
from lapak.sandboxes.shopify.app import SandboxApp
from lapak.sandboxes.shopify.sandbox import ShopifyControl, ShopifySandbox, slug


def create_app(shops: Sequence[Mapping[str, Any]], *, seed: int = 0) -> SandboxApp:
    """The sandbox app for these shops: each mapping has name, access_token, client_secret,
    and optionally client_id, shop_domain, api_version and location_id (what Lapak's config
    holds for the store)."""
    return SandboxApp(ShopifySandbox(shops, seed=seed))


def fake_credentials(name: str, index: int) -> dict[str, Any]:
    """A custom app installed on one sandbox shop, derived from nothing secret (`shpat_`
    prefixes access tokens, `shpss_` shared secrets; a Client ID is 32 hex digits)."""
    digest = hashlib.sha256(f"shopify/{name}/{index}".encode()).hexdigest()
    app_id = hashlib.sha256(f"shopify-app/{name}/{index}".encode()).hexdigest()
    return {
        "shop_domain": f"{slug(name) or f'toko-{index}'}.myshopify.com",
        "access_token": f"shpat_{digest[:32]}",
        "client_secret": f"shpss_{digest[32:64]}",
        "client_id": app_id[:32],
        "api_version": "2025-01",
    }


sandbox = SandboxEntry("shopify", create_app, fake_credentials)
"""The `lapak.sandboxes` entry point."""

__all__ = ["ShopifyControl", "ShopifySandbox", "create_app", "fake_credentials", "sandbox"]
