"""A faithful fake of the Shopee Open Platform v2 API (Indonesia), for tests and the demo.

    app = create_app([{"name": "toko-a", "partner_id": 2001887, "partner_key": "...",
                       "shop_id": 14701711, "refresh_token": "..."}])
    app.state.control                    # a ShopeeControl: the kit's SandboxControl
    app.state.sandbox                    # the ShopeeSandbox behind it, by shop_id
    with serve(app) as server: ...       # wiring.server.serve

See sandbox.py for the Python control surface and app.py for the HTTP one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from lapak.sandboxes.kit.entry import SandboxEntry
from lapak.sandboxes.shopee.app import SandboxApp
from lapak.sandboxes.shopee.sandbox import ShopeeControl, ShopeeSandbox, push_signature
from starlette.applications import Starlette


def create_app(shops: Sequence[Mapping[str, Any]], *, seed: int = 0) -> Starlette:
    """The sandbox ASGI app for these shops; `app.state.sandbox` is its `ShopeeSandbox`.

    Each shop mapping has name, partner_id, partner_key, shop_id and refresh_token (the
    initial refresh token the store's config holds: accepted once, as Shopee does).
    """
    return SandboxApp(ShopeeSandbox(shops, seed=seed))


def fake_credentials(name: str, index: int) -> dict[str, Any]:
    """One sandbox partner (its key derived from nothing secret: these are fakes)."""
    return {
        "partner_id": 2001887,
        "partner_key": "sandbox-partner-key-0123456789abcdef",
        "shop_id": 14701711 + index,
        "refresh_token": hashlib.sha256(f"shopee/{name}".encode()).hexdigest()[:32],
    }


sandbox = SandboxEntry("shopee", create_app, fake_credentials)
"""The `lapak.sandboxes` entry point (`sandboxes.registry.Sandbox`)."""


__all__ = [
    "ShopeeControl",
    "ShopeeSandbox",
    "create_app",
    "fake_credentials",
    "push_signature",
    "sandbox",
]
