"""`TikTokSandbox`: the whole fake TikTok Shop behind one lock, on the kit's stores.

The ASGI app (app.py) serves the wire API from this object; tests, the demo and the
benchmarks drive the same object directly, through `TikTokControl` (surface.py) or the
`/_sandbox/` control API (control.py). Every public method takes the lock.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from lapak.sandboxes.kit.buyers import StoreBuyers
from lapak.sandboxes.kit.catalog import Listing, Status
from lapak.sandboxes.kit.control import ListingSpec
from lapak.sandboxes.kit.orders import Order
from lapak.sandboxes.kit.ratelimit import TokenBuckets
from lapak.sandboxes.kit.stores import StoreSandbox
from lapak.sandboxes.kit.tokens import TokenStore
from lapak.sandboxes.tiktok.api_auth import TOKEN_POLICY, token_text
from lapak.sandboxes.tiktok.push import (
    ORDER_STATUS_PUSH,
    RETURN_STATUS_PUSH,
    PushSender,
    order_status_data,
    return_status_data,
    signed_by,
)
from lapak.sandboxes.tiktok.state import (
    NOT_SHIPPED,
    SHIPPED,
    STAMPED,
    Shop,
    new_product,
    new_sku,
)
from lapak.sandboxes.tiktok.wire import server_error, throttled

SAMPLE_CATEGORY = "601226"
"""A leaf category id the sandbox accepts (it takes any numeric id: it has no category tree)."""


def _cipher_for(name: str) -> str:
    """A shop cipher for a shop given by name only (a config of app keys: the cipher comes
    with the seller's authorization), the same for the same name."""
    return f"ROW_{hashlib.sha256(f'tiktok/{name}'.encode()).hexdigest()[:30]}"


class BuyerSimulator(StoreBuyers):
    """Pays unpaid orders, cancels some awaiting shipment, carries shipped parcels along
    AWAITING_COLLECTION → IN_TRANSIT → DELIVERED → COMPLETED."""

    platform = "tiktok"
    moves = (
        ("UNPAID", "AWAITING_SHIPMENT", "pay_rate", "BUYER"),
        ("AWAITING_SHIPMENT", "CANCELLED", "cancel_rate", "BUYER"),
        ("AWAITING_COLLECTION", "IN_TRANSIT", "progress_rate", "SYSTEM"),
        ("IN_TRANSIT", "DELIVERED", "progress_rate", "SYSTEM"),
        ("DELIVERED", "COMPLETED", "progress_rate", "SYSTEM"),
    )


class TikTokSandbox(StoreSandbox[Shop]):
    """Shops from store configs (name, app_key, app_secret, shop_cipher, refresh_token),
    by name.

    `strict_content` (the default) enforces two content rules of TikTok Shop Indonesia: a
    title of 25–255 characters (Create Product: "Other regions: [25, 255]") and main images
    of at least 300x300 px (Upload Product Image, use_case MAIN_IMAGE). Tests of other rules
    may turn it off.
    """

    per_unit = True

    def __init__(
        self, shops: Sequence[Mapping[str, Any]], *, seed: int = 0, strict_content: bool = True
    ) -> None:
        super().__init__(seed=seed, error_response=server_error, throttle_response=throttled)
        self.strict_content = strict_content
        self.tokens: TokenStore[tuple[str, str]] = TokenStore(
            self.clock, TOKEN_POLICY, lambda kind: token_text(self.rng)
        )
        self.stores: dict[str, Shop] = {}
        self.by_cipher: dict[str, Shop] = {}
        self.apps: dict[str, str] = {}
        self.services: dict[str, str] = {}
        """service_id (the authorization link's) → app_key."""
        self.images: dict[str, bytes] = {}
        # 50 a second per (app, shop, API) (docs/MARKETPLACES.md#tiktok-shop-rate-limits); the
        # burst, one second's worth, is the sandbox's choice. Over it: HTTP 429, 36009002.
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
        if name in self.stores or cipher in self.by_cipher:
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
        self.stores[name] = shop
        self.by_cipher[cipher] = shop
        if spec.get("refresh_token"):
            self.tokens.add_refresh_token((app_key, cipher), str(spec["refresh_token"]))

    # --- lookups and ids (callers hold the lock) ---------------------------------------

    def new_id(self, prefix: str) -> str:
        """A 19-digit id with TikTok-like leading digits (unique across the sandbox)."""
        return f"{prefix}{next(self._ids):015d}"

    def new_order_id(self, store: Shop) -> str:
        return self.new_id("5764")

    def new_line_id(self) -> str:
        return self.new_id("5770")

    def placed(self, store: Shop, order: Order) -> None:
        order.fields["package_id"] = self.new_id("1152")
        order.fields["user_id"] = self.new_id("7021")
        store.packages[order.fields["package_id"]] = str(order.id)

    def new_listing(self, store: Shop, spec: ListingSpec) -> Listing:
        """A seller's own product, made in Seller Center. `variants` are (seller sku, option,
        price, stock) of one sales attribute "Variant"; without them the product has one
        SKU carrying `sku`, `price` and `stock`."""
        fields = {
            "description": f"<p>{spec.name}</p>",
            "category_id": SAMPLE_CATEGORY,
            "package_weight": "0.5",
        }
        product = new_product(
            self.new_id("1729"), spec.name, "ACTIVATE", self.clock.now_s(), [], fields
        )
        attribute_id = self.new_id("1000") if spec.variants else ""
        single = [(spec.sku, "", spec.price, spec.stock)]
        for seller_sku, option, unit_price, unit_stock in spec.variants or single:
            option_attribute = {"id": attribute_id, "name": "Variant", "value_name": option}
            value_id = self.new_id("1731") if spec.variants else ""
            attributes = [{**option_attribute, "value_id": value_id}] if spec.variants else []
            unit = new_sku(self.new_id("1730"), seller_sku, unit_price, unit_stock, attributes)
            product.variants[unit.id] = unit
        return product

    # --- tokens, pushes ------------------------------------------------------------------

    def token_owner(self, store: Shop) -> tuple[str, str]:
        return (store.app_key, store.shop_cipher)

    def notify(self, store: Shop, order: Order) -> None:
        """Push an order-status change to the shop's webhook URL (lock held)."""
        self._push(store, ORDER_STATUS_PUSH, order_status_data(order))

    def _push(self, shop: Shop, push_type: int, data: dict[str, Any]) -> None:
        if shop.push_url:
            payload = {
                "type": push_type,
                "tts_notification_id": self.new_id("7327"),
                "shop_id": shop.shop_id,
                "timestamp": self.clock.now_s(),
                "data": data,
            }
            sign = signed_by(shop.app_key, self.apps[shop.app_key])
            self.push.send_json(shop.push_url, payload, sign)

    # --- catalog and orders --------------------------------------------------------------

    def change_status_in(self, store: Shop, order: Order, status: Status, *, by: str = "") -> bool:
        """A status change with its side effects (stock back on cancel, push); lock held.
        A shipped order cannot be cancelled (it is returned)."""
        if status == "CANCELLED" and order.status in SHIPPED:
            raise ValueError(f"order {order.id} is {order.status}: shipped orders are returned")
        changed = super().change_status_in(store, order, status, by=by)
        if changed and status in STAMPED:
            order.fields[STAMPED[status]] = self.clock.now_s()
        return changed

    def return_order(self, store: str, order_id: str) -> str:
        """The buyer sent a shipped order back and was refunded: a completed
        RETURN_AND_REFUND record (its id), and the order's units back in stock."""
        with self.lock:
            shop = self.store(store)
            order = self.order_in(shop, order_id)
            if order.status in NOT_SHIPPED or order.status == "CANCELLED":
                raise ValueError(f"order {order.id} was not shipped: nothing to return")
            if "return_id" in order.fields:
                raise ValueError(f"order {order.id} was already returned")
            now = self.clock.now_s()
            order.fields.update(return_id=self.new_id("4035"), return_time=now)
            order.updated = max(now, order.updated)
            shop.book.restore_stock(order)
            self._push(shop, RETURN_STATUS_PUSH, return_status_data(order))
            return str(order.fields["return_id"])
