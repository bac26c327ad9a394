"""A faithful fake of the Lazada Open Platform API (Indonesia), for tests and the demo.

    app = create_app([{"name": "toko-a", "app_key": "100132", "app_secret": "...",
                       "refresh_token": "...", "seller_id": "1000165972"}])
    sandbox = app.state.sandbox          # a LazadaSandbox: drive it from Python
    control = app.state.control          # a LazadaControl (a kit SandboxControl)
    with serve(app) as server: ...       # wiring.server.serve

The LazOP API answers at the server's root (and under /rest), token APIs included; the
control API lives under /_sandbox/ (app.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from lapak.sandboxes.kit.entry import SandboxEntry
from lapak.sandboxes.lazada.app import LazadaApp
from lapak.sandboxes.lazada.sandbox import (
    LazadaControl,
    LazadaSandbox,
    UnknownSellerError,
    push_signature,
)
from starlette.applications import Starlette


def create_app(shops: Sequence[Mapping[str, Any]], *, seed: int = 0) -> Starlette:
    """The sandbox ASGI app for these shops; `app.state.sandbox` is its `LazadaSandbox`.

    Each shop mapping has name, app_key, app_secret, seller_id and refresh_token (the first
    refresh token the store's config holds: accepted once, as Lazada hands a new one back).
    """
    return LazadaApp(LazadaSandbox(shops, seed=seed))


SANDBOX_APP_KEY = "100132"
SANDBOX_APP_SECRET = "sandbox-lazada-app-secret-0123456789abcdef"


def fake_credentials(name: str, index: int) -> dict[str, Any]:
    """One sandbox app for every store; a seller per store (fakes, derived from the name)."""
    digest = hashlib.sha256(f"lazada/{name}/{index}".encode()).hexdigest()
    return {
        "app_key": SANDBOX_APP_KEY,
        "app_secret": SANDBOX_APP_SECRET,
        "refresh_token": "50001600" + digest[:52],
        "seller_id": str(1_000_000_000 + int(digest[52:60], 16) % 1_000_000_000),
    }


sandbox = SandboxEntry("lazada", create_app, fake_credentials)
"""The `lapak.sandboxes` entry point (`sandboxes.registry.Sandbox`)."""


__all__ = [
    "LazadaControl",
    "LazadaSandbox",
    "UnknownSellerError",
    "create_app",
    "fake_credentials",
    "push_signature",
    "sandbox",
]
