"""Two Shopee sandbox shops and a Lapak config for them, shared by the end-to-end tests."""

from __future__ import annotations

import csv
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from lapak.config import load_config
from lapak.sandboxes.shopee import create_app
from lapak.sync.catalog import import_catalog
from lapak.sync.store.models import Merchant
from lapak.wiring.runtime import Runtime
from sqlalchemy import select

SHOPS = {
    "shop-a": {"partner_id": 2001887, "shop_id": 501, "refresh_token": "a" * 32},
    "shop-b": {"partner_id": 2001887, "shop_id": 502, "refresh_token": "b" * 32},
}
PARTNER_KEY = "e2e-partner-key-0123456789abcdef"
SHOP_A, SHOP_B = SHOPS["shop-a"]["shop_id"], SHOPS["shop-b"]["shop_id"]


def sandbox_app(*, lifted: bool = True):  # type: ignore[no-untyped-def]
    """The sandbox for both shops, its rate limit `lifted` (Lapak's own pacing is tested
    apart) or Shopee's published one."""
    app = create_app(
        [{"name": name, "partner_key": PARTNER_KEY, **shop} for name, shop in SHOPS.items()]
    )
    if lifted:
        app.state.sandbox.set_rate_limit(0)
    return app


def write_config(
    path: Path,
    sandbox_url: str,
    *,
    database_url: str,
    redis_url: str | None = None,
    rate_limit_per_second: float | None = 2000,
) -> None:
    """shop-a (no buffer) and shop-b (buffer 1), both +10 % rounded up to 100; Lapak paces
    each at `rate_limit_per_second` (None: Shopee's published rate)."""
    pacing = (
        "" if rate_limit_per_second is None else f"rate_limit_per_second = {rate_limit_per_second}"
    )
    stores = ""
    for name in SHOPS:
        env = name.upper().replace("-", "_")
        stores += f"""
[[stores]]
name = "{name}"
platform = "shopee"
merchant = "umkm"
base_url = "{sandbox_url}"
stock_buffer = {1 if name == "shop-b" else 0}
poll_interval_seconds = 1
{pacing}
price_rule = {{ markup_percent = 10, round_to = 100 }}

[stores.credentials]
partner_id = "E2E_PARTNER_ID"
partner_key = "E2E_PARTNER_KEY"
shop_id = "{env}_SHOP_ID"
refresh_token = "{env}_REFRESH"
"""
    redis = f'redis_url = "{redis_url}"\n' if redis_url else ""
    path.write_text(
        f"""[lapak]
database_url = "{database_url}"
{redis}
[[merchants]]
name = "umkm"

[[resellers]]
name = "dewi"
token_env = "E2E_RESELLER_TOKEN"
stores = ["shop-a"]
{stores}"""
    )


def shop_env(config: Path) -> dict[str, str]:
    """The environment the config's variable names point at."""
    env = dict(os.environ, LAPAK_CONFIG=str(config), E2E_PARTNER_ID="2001887")
    env |= {"E2E_PARTNER_KEY": PARTNER_KEY, "E2E_RESELLER_TOKEN": "dewi-token-123456"}
    env["dramatiq_worker_timeout"] = "100"
    for name, shop in SHOPS.items():
        prefix = name.upper().replace("-", "_")
        env[f"{prefix}_SHOP_ID"] = str(shop["shop_id"])
        env[f"{prefix}_REFRESH"] = str(shop["refresh_token"])
    return env


def write_catalog(path: Path, image_url: str, count: int, stock: Callable[[int], int]) -> list[str]:
    """`count` SKUs: the first half in groups of five variants, the rest single items."""
    skus = []
    half = count // 2
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(
            ["sku", "group_sku", "variant_name", "name", "description", "price", "stock",
             "weight_grams", "image_urls", "category_shopee"]
        )  # fmt: skip
        for n in range(count):
            group = f"G{n // 5:03d}" if n < half else f"S{n:04d}"
            variant = f"V{n % 5}" if n < half else ""
            sku = f"{group}-{variant}" if variant else group
            skus.append(sku)
            writer.writerow(
                [sku, group, variant, f"Produk {group}", "Buatan UMKM.", 10_000 + n, stock(n),
                 300, image_url, "100644"]
            )  # fmt: skip
    return skus


def shopee_lapak(
    tmp_path: Path,
    sandbox_url: str,
    monkeypatch: pytest.MonkeyPatch,
    count: int,
    stock: Callable[[int], int],
    *,
    image_url: str | None = None,
) -> tuple[Runtime, list[str], int]:
    """Lapak on SQLite in `tmp_path` (config `lapak.toml`) for shop A and B of the sandbox at
    `sandbox_url`, their environment set through `monkeypatch`, bootstrapped, with `count`
    SKUs imported (`write_catalog`; images from `image_url`, the sandbox's by default):
    the runtime, the SKUs and the merchant's id."""
    config = tmp_path / "lapak.toml"
    write_config(config, sandbox_url, database_url=f"sqlite:///{tmp_path / 'lapak.db'}")
    for key, value in shop_env(config).items():
        monkeypatch.setenv(key, value)
    runtime = Runtime(load_config(config))
    runtime.bootstrap()
    image_url = image_url or f"{sandbox_url}/_sandbox/images/x.png"
    skus = write_catalog(tmp_path / "catalog.csv", image_url, count, stock)
    with runtime.db.session() as session:
        merchant_id = session.scalars(select(Merchant.id)).one()
    import_catalog(runtime.db, merchant_id, tmp_path / "catalog.csv")
    return runtime, skus, merchant_id


def wait_for(what: str, check: Callable[[], bool], timeout: float = 30) -> float:
    """Seconds until `check()` holds; fails the test naming `what` after `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if check():
            return time.monotonic() - started
        time.sleep(0.01)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
