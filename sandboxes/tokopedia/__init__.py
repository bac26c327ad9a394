"""A fake of the Tokopedia FS Open API, for tests and the demo: `create_app(shops)` serves
it (the token endpoint at /token beside the API); `app.state.sandbox` is its
`TokopediaSandbox`, `app.state.control` the uniform `SandboxControl`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from lapak.sandboxes.kit.entry import SandboxEntry
from lapak.sandboxes.tokopedia.app import SandboxApp
from lapak.sandboxes.tokopedia.sandbox import TokopediaSandbox
from starlette.applications import Starlette


def create_app(shops: Sequence[Mapping[str, Any]], *, seed: int = 0) -> Starlette:
    """The sandbox ASGI app for these shops; `app.state.sandbox` is its `TokopediaSandbox`.

    Each shop mapping has name, fs_id, client_id, client_secret, shop_id and webhook_secret
    (a store's credentials); shops sharing an fs_id share that app's credentials.
    """
    return SandboxApp(TokopediaSandbox(shops, seed=seed))


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


__all__ = ["TokopediaSandbox", "create_app", "fake_credentials", "sandbox"]
