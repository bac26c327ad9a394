"""A faithful fake of the TikTok Shop Partner API (202309, Indonesia), for tests and the demo.

    app = create_app([{"name": "toko-a", "app_key": "...", "app_secret": "...",
                       "shop_cipher": "ROW_...", "refresh_token": "TTP_..."}])
    sandbox = app.state.sandbox          # a TikTokSandbox: drive it from Python
    control = app.state.control          # the uniform SandboxControl surface
    with serve(app) as server: ...       # wiring.server.serve

API paths as on open-api.tiktokglobalshop.com, plus the auth host's /api/v2/token/* on the
same host; our control API under /_sandbox/ (app.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from lapak.sandboxes.kit.entry import SandboxEntry
from lapak.sandboxes.tiktok.app import TikTokApp
from lapak.sandboxes.tiktok.sandbox import TikTokSandbox
from starlette.applications import Starlette


def create_app(
    shops: Sequence[Mapping[str, Any]], *, seed: int = 0, strict_content: bool = True
) -> Starlette:
    """The sandbox ASGI app for these shops; `app.state.sandbox` is its `TikTokSandbox`.

    Each shop mapping has name, app_key, app_secret, shop_cipher and refresh_token (the
    seller authorization's refresh token the store's config holds). `strict_content`: see
    `TikTokSandbox`.
    """
    return TikTokApp(TikTokSandbox(shops, seed=seed, strict_content=strict_content))


def fake_credentials(name: str, index: int) -> dict[str, Any]:
    """One sandbox app and a shop of it (derived from nothing secret: these are fakes).

    The shop cipher looks like TikTok's ("ROW_" + base64-ish); the refresh token like a
    seller authorization's ("TTP_" + ...)."""
    digest = hashlib.sha256(f"tiktok/{name}/{index}".encode()).hexdigest()
    return {
        "app_key": "6d3k9sandbox",
        "app_secret": "sandbox-app-secret-0123456789abcdef",
        "service_id": "7310000000000sandbox",
        "shop_cipher": f"ROW_{digest[:30]}",
        "refresh_token": f"TTP_{digest[30:62]}",
    }


sandbox = SandboxEntry("tiktok", create_app, fake_credentials)
"""The `lapak.sandboxes` entry point (`sandboxes.registry.Sandbox`)."""


__all__ = ["TikTokSandbox", "create_app", "fake_credentials", "sandbox"]
