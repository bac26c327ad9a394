"""A faithful fake of the Tokopedia FS Open API, for tests and the demo.

    app = create_app([{"name": "toko-a", "fs_id": 13004, "client_id": "...",
                       "client_secret": "...", "shop_id": 479573, "webhook_secret": "..."}])
    sandbox = app.state.sandbox          # a TokopediaSandbox: drive it from Python
    control = app.state.control          # the uniform SandboxControl, keyed by store name
    with serve(app) as server: ...       # wiring.server.serve

The token endpoint is served at /token next to the API (a connector whose base_url is the
sandbox derives its token URL from it). See `TokopediaSandbox` for the Python control
surface and control.py for the HTTP one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from lapak.sandboxes.kit.entry import SandboxEntry
from lapak.sandboxes.tokopedia.app import build_app
from lapak.sandboxes.tokopedia.orders import OutOfStockError
from lapak.sandboxes.tokopedia.push import push_signature
from lapak.sandboxes.tokopedia.sandbox import (
    TokopediaSandbox,
    UnknownOrderError,
    UnknownShopError,
)
from starlette.applications import Starlette


def create_app(shops: Sequence[Mapping[str, Any]], *, seed: int = 0) -> Starlette:
    """The sandbox ASGI app for these shops; `app.state.sandbox` is its `TokopediaSandbox`.

    Each shop mapping has name, fs_id, client_id, client_secret, shop_id and webhook_secret
    (a store's credentials); shops sharing an fs_id share that app's credentials.
    """
    return build_app(TokopediaSandbox(shops, seed=seed))


def fake_credentials(name: str, index: int) -> dict[str, Any]:
    """One sandbox app per store name (its fs_id, client and secrets derived from the
    name: these are fakes), linked to one shop."""
    digest = hashlib.sha256(f"tokopedia/{name}".encode()).hexdigest()
    return {
        "fs_id": 13000 + int(digest[:6], 16) % 60000,
        "client_id": digest[:32],
        "client_secret": hashlib.sha256(f"tokopedia-secret/{name}".encode()).hexdigest()[:32],
        "shop_id": 479573 + 10 * (int(digest[6:12], 16) % 100_000) + index,
        "webhook_secret": hashlib.sha256(f"tokopedia-hook/{name}".encode()).hexdigest()[:40],
    }


sandbox = SandboxEntry("tokopedia", create_app, fake_credentials)
"""The `lapak.sandboxes` entry point (`sandboxes.registry.Sandbox`)."""


__all__ = [
    "OutOfStockError",
    "TokopediaSandbox",
    "UnknownOrderError",
    "UnknownShopError",
    "create_app",
    "fake_credentials",
    "push_signature",
    "sandbox",
]
