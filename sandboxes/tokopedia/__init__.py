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

from collections.abc import Mapping, Sequence
from typing import Any

from starlette.applications import Starlette

from sandboxes.tokopedia.app import build_app
from sandboxes.tokopedia.orders import OutOfStockError
from sandboxes.tokopedia.push import push_signature
from sandboxes.tokopedia.sandbox import (
    TokopediaSandbox,
    UnknownOrderError,
    UnknownShopError,
)


def create_app(shops: Sequence[Mapping[str, Any]], *, seed: int = 0) -> Starlette:
    """The sandbox ASGI app for these shops; `app.state.sandbox` is its `TokopediaSandbox`.

    Each shop mapping has name, fs_id, client_id, client_secret, shop_id and webhook_secret
    (a store's credentials); shops sharing an fs_id share that app's credentials.
    """
    return build_app(TokopediaSandbox(shops, seed=seed))


__all__ = [
    "OutOfStockError",
    "TokopediaSandbox",
    "UnknownOrderError",
    "UnknownShopError",
    "create_app",
    "push_signature",
]
