"""Signed calls to the WooCommerce sandbox in-process (Starlette's TestClient), for the
sandbox's own tests: OAuth 1.0a over http, HTTP Basic over https."""

from __future__ import annotations

from typing import Any

import httpx
from lapak.connectors.woocommerce import plugin, signing
from lapak.sandboxes.registry import sandbox_for
from lapak.sandboxes.woocommerce import create_app
from starlette.applications import Starlette
from starlette.testclient import TestClient

STORE = "toko-uji"
CREDENTIALS = sandbox_for(plugin.platform).credentials(STORE, 0)
KEY, SECRET = CREDENTIALS["consumer_key"], CREDENTIALS["consumer_secret"]
WEBHOOK_SECRET = CREDENTIALS["webhook_secret"]
API = "/wp-json/wc/v3"


def make_app(seed: int = 5) -> Starlette:
    app = create_app([{"name": STORE, **CREDENTIALS}], seed=seed)
    app.state.control.set_rate_limit(0)
    return app


class Signed:
    """A TestClient that signs like WooCommerce clients do for the site's scheme."""

    def __init__(self, app: Starlette, *, https: bool = False) -> None:
        self.base = f"{'https' if https else 'http'}://testserver"
        self.client = TestClient(app, base_url=self.base)
        self.app = app
        self.https = https

    def close(self) -> None:
        self.client.close()

    def now(self) -> int:
        return int(self.app.state.control.now())

    def query(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        key: str = KEY,
        secret: str = SECRET,
        timestamp: int | None = None,
        nonce: str | None = None,
    ) -> dict[str, str]:
        return signing.signed_params(
            key,
            secret,
            method,
            f"{self.base}{API}{path}",
            params or {},
            timestamp=self.now() if timestamp is None else timestamp,
            nonce=nonce or signing.new_nonce(),
        )

    def call(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        json: Any = None,
        **signing_options: Any,
    ) -> httpx.Response:
        if self.https:
            headers = {"Authorization": signing.basic_authorization(KEY, SECRET)}
            return self.client.request(
                method, f"{API}{path}", params=params, json=json, headers=headers
            )
        query = self.query(method, path, params, **signing_options)
        return self.client.request(method, f"{API}{path}", params=query, json=json)

    def raw(self, method: str, path: str, **options: Any) -> httpx.Response:
        return self.client.request(method, f"{API}{path}", **options)


def refusal(response: httpx.Response) -> tuple[int, str, str]:
    body = response.json()
    assert body["data"]["status"] == response.status_code, body
    return response.status_code, body["code"], body["message"]
