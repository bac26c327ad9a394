"""A fake WooCommerce store's REST API v3 (and its /wc-auth/v1/ key approval).

`create_app(shops)` serves it; `app.state.sandbox` is the `WooSandbox`, `app.state.control`
its `WooControl`. Served over plain http (loopback), clients sign with OAuth 1.0a as
WooCommerce requires there; an https ASGI scope (httpx's ASGITransport) takes HTTP Basic.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from lapak.sandboxes.kit.entry import SandboxEntry
from lapak.sandboxes.woocommerce.app import WooApp
from lapak.sandboxes.woocommerce.sandbox import WooSandbox


def create_app(shops: Sequence[Mapping[str, Any]], *, seed: int = 0) -> WooApp:
    """The sandbox app for these stores: each mapping has name, consumer_key,
    consumer_secret and webhook_secret (a store without a key pair gets one when an app is
    approved)."""
    return WooApp(WooSandbox(shops, seed=seed))


def fake_credentials(name: str, index: int) -> dict[str, Any]:
    """API keys shaped like WooCommerce's (`ck_`/`cs_` + 40 hex), derived from the name."""

    def fake(kind: str) -> str:
        seed = f"woocommerce/{kind}/{name}/{index}".encode()
        return hashlib.sha1(seed, usedforsecurity=False).hexdigest()

    return {
        "consumer_key": f"ck_{fake('key')}",
        "consumer_secret": f"cs_{fake('secret')}",
        "webhook_secret": fake("webhook"),
    }


sandbox = SandboxEntry("woocommerce", create_app, fake_credentials)
"""The `lapak.sandboxes` entry point."""

__all__ = ["WooSandbox", "create_app", "fake_credentials", "sandbox"]
