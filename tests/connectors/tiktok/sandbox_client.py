"""A hand-written TikTok Shop client (signing with hashlib/hmac, not Lapak's code) for the
sandbox tests: it builds requests exactly as the partner guide describes them."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from lapak.sandboxes.tiktok import TikTokSandbox, create_app
from lapak.wiring.server import serve

APP_KEY = "68xu9ks5p4i8"
APP_SECRET = "test-app-secret"
CIPHER = "ROW_xkMbgAAAeVAQra0eZWebFQq5aIKt"
OTHER_CIPHER = "ROW_otherShopCipherAAAAAAAAAAAA"
REFRESH = "TTP_first-refresh-token"
SHOPS = [
    {
        "name": "toko-a",
        "app_key": APP_KEY,
        "app_secret": APP_SECRET,
        "shop_cipher": CIPHER,
        "refresh_token": REFRESH,
    },
    {
        "name": "toko-b",
        "app_key": APP_KEY,
        "app_secret": APP_SECRET,
        "shop_cipher": OTHER_CIPHER,
        "refresh_token": "TTP_second-refresh-token",
    },
]


def hand_sign(path: str, query: dict[str, Any], body: str = "") -> str:
    keys = sorted(k for k in query if k not in ("sign", "access_token"))
    base = path + "".join(f"{k}{query[k]}" for k in keys) + body
    wrapped = APP_SECRET + base + APP_SECRET
    return hmac.new(APP_SECRET.encode(), wrapped.encode(), hashlib.sha256).hexdigest()


class TikTok:
    """Minimal signed calls; `token` is the shop's access token once `login()` ran."""

    def __init__(self, http: httpx.Client, sandbox: TikTokSandbox):
        self.http = http
        self.sandbox = sandbox
        self.token = ""

    def login(self, refresh_token: str = REFRESH) -> dict[str, Any]:
        query = {
            "app_key": APP_KEY,
            "app_secret": APP_SECRET,
            "refresh_token": refresh_token,
            "grant_type": "refresh_token",
        }
        reply = self.http.get("/api/v2/token/refresh", params=query).json()
        if reply["code"] == 0:
            self.token = reply["data"]["access_token"]
        return reply

    def query(
        self, path: str, *, shop: bool = True, ts: int | None = None, body: str = "", **extra
    ):
        query: dict[str, Any] = {"app_key": APP_KEY, "timestamp": ts or self.sandbox.clock.now_s()}
        if shop:
            query["shop_cipher"] = CIPHER
        query.update(extra)
        query["sign"] = hand_sign(path, query, body)
        return query

    def call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        shop: bool = True,
        query: dict[str, Any] | None = None,
        **extra: Any,
    ) -> httpx.Response:
        raw = json.dumps(body) if body is not None else ""
        params = query if query is not None else self.query(path, shop=shop, body=raw, **extra)
        headers = {"x-tts-access-token": self.token, "content-type": "application/json"}
        return self.http.request(method, path, params=params, content=raw or None, headers=headers)


@contextmanager
def running(**options: Any) -> Iterator[tuple[TikTok, TikTokSandbox]]:
    app = create_app(SHOPS, seed=5, **options)
    sandbox: TikTokSandbox = app.state.sandbox
    sandbox.set_rate_limit(0)
    with serve(app) as server, httpx.Client(base_url=server.url, timeout=5) as http:
        client = TikTok(http, sandbox)
        assert client.login()["code"] == 0
        yield client, sandbox
    sandbox.close()


def stock_of(sandbox: TikTokSandbox, seller_sku: str, store: str = "toko-a") -> int:
    """The stock the sandbox holds for a seller SKU of `store`."""
    stock = sandbox.stock_of(store, seller_sku)
    if stock is None:
        raise LookupError(f"no SKU {seller_sku!r} on {store!r}")
    return stock
