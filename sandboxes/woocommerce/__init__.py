"""A faithful fake of a WooCommerce store's REST API v3, for tests and the demo.

    app = create_app([{"name": "toko-woo", "consumer_key": "ck_…", "consumer_secret": "cs_…",
                       "webhook_secret": "…"}])
    sandbox = app.state.sandbox          # a WooSandbox: drive it from Python
    control = app.state.control          # the uniform SandboxControl surface
    with serve(app) as server: ...       # wiring.server.serve

Served over plain http (loopback), so clients authenticate with OAuth 1.0a as WooCommerce
requires there; an https ASGI scope (httpx's ASGITransport) takes HTTP Basic.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from lapak.sandboxes.kit.entry import SandboxEntry
from lapak.sandboxes.woocommerce.app import build_app
from lapak.sandboxes.woocommerce.orders import OutOfStockError
from lapak.sandboxes.woocommerce.sandbox import UnknownOrderError, UnknownStoreError, WooSandbox
from starlette.applications import Starlette


def create_app(shops: Sequence[Mapping[str, Any]], *, seed: int = 0) -> Starlette:
    """The sandbox ASGI app for these stores; `app.state.sandbox` is its `WooSandbox`.

    Each store mapping has name, consumer_key, consumer_secret and webhook_secret.
    """
    return build_app(WooSandbox(shops, seed=seed))


def _fake(kind: str, name: str, index: int) -> str:
    return hashlib.sha1(
        f"woocommerce/{kind}/{name}/{index}".encode(), usedforsecurity=False
    ).hexdigest()


def fake_credentials(name: str, index: int) -> dict[str, Any]:
    """API keys shaped like WooCommerce's (`ck_`/`cs_` + 40 hex), derived from the name."""
    return {
        "consumer_key": f"ck_{_fake('key', name, index)}",
        "consumer_secret": f"cs_{_fake('secret', name, index)}",
        "webhook_secret": _fake("webhook", name, index),
    }


sandbox = SandboxEntry("woocommerce", create_app, fake_credentials)
"""The `lapak.sandboxes` entry point (`sandboxes.registry.Sandbox`)."""


__all__ = [
    "OutOfStockError",
    "UnknownOrderError",
    "UnknownStoreError",
    "WooSandbox",
    "create_app",
    "fake_credentials",
    "sandbox",
]
