"""A hand-written Shopee v2 client (signing with hashlib/hmac) for the sandbox tests."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from lapak.sandboxes.shopee import ShopeeControl, ShopeeSandbox, create_app
from lapak.wiring.server import serve

PARTNER_ID = 2001887
PARTNER_KEY = "test-partner-key"
SHOP_ID = 14701711
OTHER_SHOP_ID = 14701712
SHOPS = [
    {
        "name": "toko-a",
        "partner_id": PARTNER_ID,
        "partner_key": PARTNER_KEY,
        "shop_id": SHOP_ID,
        "refresh_token": "initial-refresh-a",
    },
    {
        "name": "toko-b",
        "partner_id": str(PARTNER_ID),
        "partner_key": PARTNER_KEY,
        "shop_id": str(OTHER_SHOP_ID),
        "refresh_token": "initial-refresh-b",
    },
]


def hmac_hex(base: str) -> str:
    return hmac.new(PARTNER_KEY.encode(), base.encode(), hashlib.sha256).hexdigest()


class Shopee:
    """A minimal hand-written Shopee v2 client for these tests."""

    def __init__(self, http: httpx.Client, sandbox: ShopeeSandbox, control: ShopeeControl):
        self.http = http
        self.sandbox = sandbox
        self.control = control
        self.access_token = ""
        self.refresh_token = ""

    def query(self, path: str, *, token: str | None, ts: int | None = None) -> dict[str, Any]:
        ts = self.sandbox.clock.now_s() if ts is None else ts
        if token is None:
            return {
                "partner_id": PARTNER_ID,
                "timestamp": ts,
                "sign": hmac_hex(f"{PARTNER_ID}{path}{ts}"),
            }
        base = f"{PARTNER_ID}{path}{ts}{token}{SHOP_ID}"
        return {
            "partner_id": PARTNER_ID,
            "timestamp": ts,
            "access_token": token,
            "shop_id": SHOP_ID,
            "sign": hmac_hex(base),
        }

    def refresh(self, refresh_token: str) -> httpx.Response:
        path = "/api/v2/auth/access_token/get"
        body = {"refresh_token": refresh_token, "partner_id": PARTNER_ID, "shop_id": SHOP_ID}
        response = self.http.post(path, params=self.query(path, token=None), json=body)
        if response.status_code == 200:
            self.access_token = response.json()["access_token"]
            self.refresh_token = response.json()["refresh_token"]
        return response

    def get(self, path: str, token: str | None = None, **params: Any) -> httpx.Response:
        query = self.query(path, token=token or self.access_token) | params
        return self.http.get(path, params=query)

    def post(self, path: str, body: Any, token: str | None = None, **kw: Any) -> httpx.Response:
        query = self.query(path, token=token or self.access_token)
        return self.http.post(path, params=query, json=body, **kw)

    def upload_image(self) -> str:
        path = "/api/v2/media_space/upload_image"
        png = self.http.get("/_sandbox/images/shirt.png").content
        files = {"image": ("shirt.png", png, "image/png")}
        response = self.http.post(path, params=self.query(path, token=None), files=files)
        assert response.status_code == 200, response.text
        return response.json()["response"]["image_info"]["image_id"]


@contextmanager
def running_sandbox() -> Iterator[Shopee]:
    """A fresh sandbox served on a loopback port, rate limit lifted, shop A authorized."""
    app = create_app(SHOPS, seed=7)
    sandbox: ShopeeSandbox = app.state.sandbox
    sandbox.set_rate_limit(0)
    with serve(app) as server, httpx.Client(base_url=server.url, timeout=5) as http:
        client = Shopee(http, sandbox, app.state.control)
        assert client.refresh("initial-refresh-a").status_code == 200
        yield client


def error_of(response: httpx.Response) -> tuple[int, str, str]:
    body = response.json()
    assert body["request_id"]
    return response.status_code, body["error"], body["message"]


def add_item_body(image_id: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "original_price": 150000,
        "description": "Kaos katun combed 30s",
        "item_name": "Kaos Polos",
        "weight": 0.25,
        "category_id": 100017,
        "image": {"image_id_list": [image_id]},
        "logistic_info": [{"logistic_id": 8003, "enabled": True}],
        "seller_stock": [{"stock": 12}],
        "item_sku": "KAOS-01",
        "brand": {"brand_id": 0, "original_brand_name": "NoBrand"},
    }
    return body | overrides


def with_variants(shopee: Shopee) -> int:
    variants = [("TEE-S", "S", 100000, 5), ("TEE-M", "M", 110000, 3)]
    return int(
        shopee.sandbox.add_listing(SHOP_ID, sku="TEE", name="Tee", price=100000, variants=variants)
    )


def model_ids(shopee: Shopee, item_id: int) -> list[int]:
    """The item's model ids, in the order its models were made."""
    return list(shopee.sandbox.store(SHOP_ID).catalog.listings[item_id].variants)
