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

from collections.abc import Mapping, Sequence
from typing import Any

from starlette.applications import Starlette

from sandboxes.woocommerce.app import build_app
from sandboxes.woocommerce.orders import OutOfStockError
from sandboxes.woocommerce.sandbox import UnknownOrderError, UnknownStoreError, WooSandbox


def create_app(shops: Sequence[Mapping[str, Any]], *, seed: int = 0) -> Starlette:
    """The sandbox ASGI app for these stores; `app.state.sandbox` is its `WooSandbox`.

    Each store mapping has name, consumer_key, consumer_secret and webhook_secret.
    """
    return build_app(WooSandbox(shops, seed=seed))


__all__ = ["OutOfStockError", "UnknownOrderError", "UnknownStoreError", "WooSandbox", "create_app"]
