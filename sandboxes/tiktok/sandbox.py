"""`TikTokSandbox`: the whole fake TikTok Shop behind one lock, and its Python control surface.

The ASGI app (app.py) serves the wire API from this object; tests, the demo and the
benchmarks drive the same object directly, through `TikTokControl` (surface.py) or the
`/_sandbox/` control API (control.py). Every public method takes the lock.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from lapak.sandboxes.kit.core import SandboxCore
from lapak.sandboxes.kit.ratelimit import TokenBuckets
from lapak.sandboxes.kit.tokens import TokenStore
from lapak.sandboxes.tiktok import orders as order_life
from lapak.sandboxes.tiktok.api_auth import TOKEN_POLICY, token_text
from lapak.sandboxes.tiktok.buyers import BuyerSimulator
from lapak.sandboxes.tiktok.push import (
    ORDER_STATUS_PUSH,
    RETURN_STATUS_PUSH,
    PushSender,
    order_status_data,
    return_status_data,
)
from lapak.sandboxes.tiktok.state import Order, Product, Return, Shop, Sku
from lapak.sandboxes.tiktok.wire import server_error, throttled

OutOfStockError = order_life.OutOfStockError
SAMPLE_CATEGORY = "601226"
"""A leaf category id the sandbox accepts (it takes any numeric id: it has no category tree)."""


class UnknownStoreError(LookupError):
    def __init__(self, name: str):
        super().__init__(f"no store {name!r} in this TikTok Shop sandbox")


class UnknownOrderError(LookupError):
    def __init__(self, store: str, order_id: str):
        super().__init__(f"no order {order_id!r} on store {store!r}")


def _cipher_for(name: str) -> str:
    """A shop cipher for a shop given by name only (a config of app keys: the cipher comes
    with the seller's authorization), the same for the same name."""
    return f"ROW_{hashlib.sha256(f'tiktok/{name}'.encode()).hexdigest()[:30]}"


class TikTokSandbox(SandboxCore):
    """Shops from store configs (name, app_key, app_secret, shop_cipher, refresh_token).

    `strict_content` (the default) enforces two content rules of TikTok Shop Indonesia: a
    title of 25–255 characters (create-product.spec.json "Other regions: [25, 255]") and
    main images of at least 300x300 px (upload-product-image.spec.json, use_case
    MAIN_IMAGE). Tests of other rules may turn it off.
    """

    def __init__(
        self, shops: Sequence[Mapping[str, Any]], *, seed: int = 0, strict_content: bool = True
    ) -> None:
        super().__init__(seed=seed, error_response=server_error, throttle_response=throttled)
        self.strict_content = strict_content
        self.tokens: TokenStore[tuple[str, str]] = TokenStore(
            self.clock, TOKEN_POLICY, lambda kind: token_text(self.rng)
        )
        self.shops: dict[str, Shop] = {}
        self.by_cipher: dict[str, Shop] = {}
        self.apps: dict[str, str] = {}
        self.services: dict[str, str] = {}
        """service_id (the authorization link's) → app_key."""
        self.images: dict[str, bytes] = {}
        # Per (app, shop, API): "a default rate limit of 50 QPS ... for each API", "based on
        # the combination of the app and shop" (rate-limits.md); the burst, one second's worth,
        # is the sandbox's choice. Over it: HTTP 429, code 36009002 (wire).
        self.limiter: TokenBuckets = TokenBuckets(50.0, 50, self.clock.now)
        self.push: PushSender = PushSender()
        self.buyers: BuyerSimulator = BuyerSimulator(self, seed=seed)
        self._ids = itertools.count(1)
        for spec in shops:
            self._add_shop(spec)

    def _add_shop(self, spec: Mapping[str, Any]) -> None:
        try:
            name, app_key = str(spec["name"]), str(spec["app_key"])
            secret = str(spec["app_secret"])
            cipher = str(spec.get("shop_cipher") or _cipher_for(name))
        except KeyError as exc:
            raise ValueError(f"sandbox shop {dict(spec).get('name', '?')!r}: {exc!r}") from exc
        if self.apps.get(app_key, secret) != secret:
            raise ValueError(f"sandbox shop {name!r}: app {app_key} has two app secrets")
        if name in self.shops or cipher in self.by_cipher:
            raise ValueError(f"sandbox shop {name!r}: name or shop_cipher given twice")
        self.apps[app_key] = secret
        if spec.get("service_id"):
            self.services[str(spec["service_id"])] = app_key
        digits = int(hashlib.sha256(cipher.encode()).hexdigest()[:12], 16)
        shop = Shop(
            name=name,
            app_key=app_key,
            shop_cipher=cipher,
            shop_id=f"749{digits % 10**16:016d}",
            warehouse_id=f"70007145{digits % 10**11:011d}",
            return_warehouse_id=f"70007146{digits % 10**11:011d}",
            delivery_option_id=f"69550346{digits % 10**11:011d}",
        )
        self.shops[name] = shop
        self.by_cipher[cipher] = shop
        if spec.get("refresh_token"):
            self.tokens.add_refresh_token((app_key, cipher), str(spec["refresh_token"]))

    # --- lookups and ids (callers hold the lock) ---------------------------------------

    def shop(self, name: str) -> Shop:
        try:
            return self.shops[name]
        except KeyError:
            raise UnknownStoreError(name) from None

    def new_id(self, prefix: str) -> str:
        """A 19-digit id with TikTok-like leading digits (unique across the sandbox)."""
        return f"{prefix}{next(self._ids):015d}"

    def order_in(self, shop: Shop, order_id: str) -> Order:
        order = shop.orders.get(order_id)
        if order is None:
            raise UnknownOrderError(shop.name, order_id)
        return order

    # --- tokens, pushes, faults, rate limit ----------------------------------------------

    def issue_auth_code(self, store: str) -> str:
        """A one-time code as the seller's authorization redirect gives it."""
        with self.lock:
            shop = self.shop(store)
            return self.tokens.issue_code((shop.app_key, shop.shop_cipher))

    def expire_token(self, store: str) -> int:
        """The store's access tokens die now (the next call gets 105002)."""
        with self.lock:
            shop = self.shop(store)
            return self.tokens.expire_access((shop.app_key, shop.shop_cipher))

    def set_webhook_url(self, store: str, url: str | None) -> None:
        with self.lock:
            self.shop(store).webhook_url = url or None

    # --- catalog ------------------------------------------------------------------------

    def create_product(
        self,
        store: str,
        *,
        sku: str,
        title: str,
        price: int,
        stock: int = 0,
        variants: Sequence[tuple[str, str, int, int]] = (),
    ) -> str:
        """A seller's own product, made in Seller Center; returns its product id.

        `variants` are (seller sku, option, price, stock) of one sales attribute "Variant";
        without them the product has one SKU carrying `sku`, `price` and `stock`.
        """
        with self.lock:
            shop = self.shop(store)
            now = self.clock.now_s()
            product = Product(
                id=self.new_id("1729"),
                title=title,
                description=f"<p>{title}</p>",
                category_id=SAMPLE_CATEGORY,
                status="ACTIVATE",
                main_images=[],
                weight_kg="0.5",
                create_time=now,
                update_time=now,
            )
            if variants:
                attribute_id = self.new_id("1000")
                for seller_sku, option, option_price, option_stock in variants:
                    attribute = {
                        "id": attribute_id,
                        "name": "Variant",
                        "value_id": self.new_id("1731"),
                        "value_name": option,
                    }
                    unit = Sku(
                        self.new_id("1730"), seller_sku, int(option_price), int(option_stock)
                    )
                    unit.sales_attributes.append(attribute)
                    product.skus[unit.id] = unit
            else:
                unit = Sku(self.new_id("1730"), sku, int(price), int(stock))
                product.skus[unit.id] = unit
            shop.products[product.id] = product
            return product.id

    def set_stock(self, store: str, seller_sku: str, stock: int) -> None:
        """A seller's hand edit in Seller Center (absolute stock)."""
        with self.lock:
            product, sku = self.shop(store).find_sku(seller_sku)
            sku.quantity = int(stock)
            product.update_time = self.clock.now_s()

    def delete_product_of(self, store: str, seller_sku: str) -> None:
        """The seller deletes the product holding this SKU (TikTok keeps it as DELETED)."""
        with self.lock:
            product, _ = self.shop(store).find_sku(seller_sku)
            product.status = "DELETED"
            product.update_time = self.clock.now_s()

    # --- orders -------------------------------------------------------------------------

    def place_order(
        self, store: str, lines: Sequence[tuple[str, int]] | None = None, *, paid: bool = True
    ) -> str:
        """A buyer checks out `lines` ((seller sku, quantity)); None picks random in-stock
        units. Stock falls at once; raises `LookupError` for an unknown SKU and
        `OutOfStockError` when short. Paid orders wait for shipment (AWAITING_SHIPMENT)."""
        with self.lock:
            shop = self.shop(store)
            wanted = list(lines) if lines else order_life.random_lines(shop, self.rng)
            order = order_life.place(
                shop, wanted, now=self.clock.now_s(), rng=self.rng, new_id=self.new_id, paid=paid
            )
            self.notify(shop, order)
            return order.id

    def move_order(self, shop: Shop, order: Order, status: str, *, by: str = "") -> bool:
        """A status change with its side effects (stock back on cancel, push); lock held."""
        now = self.clock.now_s()
        if status == "CANCELLED":
            changed = order_life.cancel(shop, order, now, by=by or "BUYER")
        else:
            changed = order_life.change_status(order, status, now, by=by)
        if changed:
            self.notify(shop, order)
        return changed

    def return_order(self, store: str, order_id: str) -> Return:
        """The buyer returns a shipped order: a completed return record, stock back."""
        with self.lock:
            shop = self.shop(store)
            order = self.order_in(shop, order_id)
            now = self.clock.now_s()
            record = order_life.add_return(shop, order, now, self.new_id)
            self._push(shop, RETURN_STATUS_PUSH, return_status_data(order, record, now))
            return record

    def notify(self, shop: Shop, order: Order) -> None:
        """Push an order-status change to the shop's webhook URL (lock held)."""
        self._push(shop, ORDER_STATUS_PUSH, order_status_data(order))

    def _push(self, shop: Shop, push_type: int, data: dict[str, Any]) -> None:
        if shop.webhook_url:
            payload = {
                "type": push_type,
                "tts_notification_id": self.new_id("7327"),
                "shop_id": shop.shop_id,
                "timestamp": self.clock.now_s(),
                "data": data,
            }
            self.push.send(shop.webhook_url, shop.app_key, self.apps[shop.app_key], payload)
