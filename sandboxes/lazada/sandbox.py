"""`LazadaSandbox`: the whole fake Lazada behind one lock, and its Python control surface.

The ASGI app (app.py) serves the wire API from this object; tests, the demo and the
benchmarks drive the same object directly, through `LazadaControl` (surface.py, keyed by
store name) or through the `/_sandbox/` control API. Every public method takes the lock,
so it is safe from any thread.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from lapak.sandboxes.kit.core import SandboxCore
from lapak.sandboxes.kit.ratelimit import TokenBuckets
from lapak.sandboxes.kit.tokens import TokenStore
from lapak.sandboxes.lazada import orders as order_life
from lapak.sandboxes.lazada.api_auth import TOKEN_POLICY, token_maker
from lapak.sandboxes.lazada.buyers import BuyerSimulator
from lapak.sandboxes.lazada.push import PushSender, trade_order_payload
from lapak.sandboxes.lazada.state import (
    SAMPLE_CATEGORY,
    Order,
    OrderItem,
    Product,
    Seller,
    Sku,
)
from lapak.sandboxes.lazada.wire import server_error, throttled

VARIANT_ATTRIBUTE = "Variant"
DEFAULT_PACKAGE = {
    "package_weight": "0.5",
    "package_length": "10",
    "package_width": "10",
    "package_height": "10",
}


class UnknownSellerError(LookupError):
    def __init__(self, key: Any):
        super().__init__(f"no seller {key!r} in this Lazada sandbox")


def _seller_id_for(name: str) -> str:
    """A seller id for a seller given by name only (a config of app keys: the id comes
    with the seller's authorization), the same for the same name."""
    digest = hashlib.sha256(f"lazada/{name}".encode()).hexdigest()
    return str(1_000_000_000 + int(digest[:8], 16) % 1_000_000_000)


class LazadaSandbox(SandboxCore):
    """Sellers (from store configs: name, app_key, app_secret, refresh_token, seller_id)."""

    def __init__(self, shops: Sequence[Mapping[str, Any]], *, seed: int = 0) -> None:
        super().__init__(seed=seed, error_response=server_error, throttle_response=throttled)
        self.tokens: TokenStore[str] = TokenStore(self.clock, TOKEN_POLICY, token_maker(self.rng))
        self.sellers: dict[str, Seller] = {}
        self.apps: dict[str, str] = {}
        self.images: dict[str, bytes] = {}
        # Per seller, every API: "each seller can only call the inventory API 50 times per
        # second" (doc 121234); Lazada publishes no other number. Over it: ApiCallLimit (wire).
        self.limiter: TokenBuckets = TokenBuckets(50.0, 50, self.clock.now)
        self.push: PushSender = PushSender()
        self.buyers: BuyerSimulator = BuyerSimulator(self, seed=seed)
        self._item_ids = itertools.count(3_000_000_001)
        self._sku_ids = itertools.count(15_000_000_001)
        self._order_ids = itertools.count(400_000_000_000_001)
        self._order_item_ids = itertools.count(400_000_000_500_001)
        self._packages = itertools.count(1)
        for spec in shops:
            self._add_seller(spec)

    def _add_seller(self, spec: Mapping[str, Any]) -> None:
        try:
            name, app_key = str(spec["name"]), str(spec["app_key"])
            app_secret = str(spec["app_secret"])
            seller_id = str(spec.get("seller_id") or _seller_id_for(name))
        except KeyError as exc:
            raise ValueError(f"sandbox shop {dict(spec).get('name', '?')!r}: no {exc}") from exc
        if self.apps.get(app_key, app_secret) != app_secret:
            raise ValueError(f"sandbox shop {name!r}: app {app_key} has two app secrets")
        if seller_id in self.sellers:
            raise ValueError(f"sandbox shop {name!r}: seller {seller_id} is configured twice")
        self.apps[app_key] = app_secret
        self.sellers[seller_id] = Seller(name, app_key, app_secret, seller_id)
        if spec.get("refresh_token"):
            self.tokens.add_refresh_token(seller_id, str(spec["refresh_token"]))

    # --- lookups and ids (callers hold the lock) ---------------------------------------

    def seller(self, key: str) -> Seller:
        """A seller by seller_id or by store name."""
        found = self.sellers.get(str(key)) or next(
            (s for s in self.sellers.values() if s.name == key), None
        )
        if found is None:
            raise UnknownSellerError(key)
        return found

    def new_item_id(self) -> int:
        return next(self._item_ids)

    def new_sku_id(self) -> int:
        return next(self._sku_ids)

    def new_package(self) -> tuple[str, str]:
        """A package id and the tracking number Lazada's 3PL gives it ("FP…", "LEXID…")."""
        n = next(self._packages)
        return f"FP{94_612_143_977_600 + n}", f"LEXID{6_938_800 + n:010d}"

    # --- tokens, pushes, faults, rate limit ----------------------------------------------

    def issue_auth_code(self, seller: str) -> str:
        """A one-time code as Lazada's consent redirect gives it (for /auth/token/create)."""
        with self.lock:
            return self.tokens.issue_code(self.seller(seller).seller_id)

    def expire_token(self, seller: str) -> int:
        """The seller's access tokens die now (the next call gets IllegalAccessToken)."""
        with self.lock:
            return self.tokens.expire_access(self.seller(seller).seller_id)

    def set_webhook_url(self, seller: str, url: str | None) -> None:
        with self.lock:
            self.seller(seller).webhook_url = url or None

    # --- catalog ------------------------------------------------------------------------

    def create_product(
        self,
        seller: str,
        *,
        sku: str,
        name: str,
        price: int,
        stock: int = 0,
        variants: Sequence[tuple[str, str, int, int]] = (),
        category: str = SAMPLE_CATEGORY,
    ) -> int:
        """Put a product on the seller directly (a seller's own, made in Seller Center).

        `variants` are (seller sku, option name, price, stock); they become SKUs differing by
        one custom sales attribute "Variant" (`sku`, `price` and `stock` are then unused:
        Lazada keeps price and stock on SKUs only)."""
        with self.lock:
            owner = self.seller(seller)
            now = self.clock.now_s()
            product = Product(
                item_id=self.new_item_id(),
                category=category,
                name=name,
                description=name,
                brand="No Brand",
                created=now,
                updated=now,
            )
            rows = list(variants) or [(sku, "", price, stock)]
            for seller_sku, option, unit_price, units in rows:
                if owner.find_sku(seller_sku) is not None:
                    raise ValueError(f"SKU {seller_sku!r} is already listed by this seller")
                sale_prop = {VARIANT_ATTRIBUTE: option} if variants else {}
                new = Sku(self.new_sku_id(), seller_sku, int(unit_price), int(units), sale_prop)
                new.package = dict(DEFAULT_PACKAGE)
                product.skus[new.sku_id] = new
            if variants:
                options = [option for _, option, _, _ in variants]
                product.variation = {
                    VARIANT_ATTRIBUTE: {"customize": True, "hasImage": False, "options": options}
                }
            owner.products[product.item_id] = product
            return product.item_id

    def set_sellable(self, seller: str, seller_sku: str, stock: int) -> None:
        """A seller's hand edit of one SKU's sellable stock in Seller Center."""
        with self.lock:
            owner = self.seller(seller)
            found = owner.find_sku(seller_sku)
            if found is None:
                raise LookupError(f"no SKU {seller_sku!r} on seller {owner.seller_id}")
            product, sku = found
            sku.sellable = int(stock)
            product.updated = self.clock.now_s()

    def remove_product(self, seller: str, seller_sku: str) -> None:
        """The seller deletes the product holding this SKU (RemoveProduct: status Deleted)."""
        with self.lock:
            owner = self.seller(seller)
            found = owner.find_sku(seller_sku)
            if found is None:
                raise LookupError(f"no SKU {seller_sku!r} on seller {owner.seller_id}")
            found[0].status = "Deleted"
            found[0].updated = self.clock.now_s()

    # --- orders -------------------------------------------------------------------------

    def place_order(
        self, seller: str, lines: Sequence[tuple[str, int]] | None = None, *, paid: bool = True
    ) -> int:
        """A buyer checks out `lines` ((seller sku, quantity); None: random in-stock units).

        Stock is held at once (`LookupError` unknown SKU, `ValueError` short: nothing
        changes). Items are pending when `paid`, else unpaid. Returns the order_id."""
        with self.lock:
            owner = self.seller(seller)
            wanted = list(lines) if lines else order_life.random_lines(owner, self.rng)
            order = order_life.place(
                owner,
                wanted,
                now=self.clock.now_s(),
                rng=self.rng,
                order_ids=self._order_ids,
                item_ids=self._order_item_ids,
                paid=paid,
            )
            self.moved(owner, order, order.items)
            return order.order_id

    def order_of(self, owner: Seller, order_id: int | str) -> Order:
        order = owner.orders.get(int(order_id)) if str(order_id).isdigit() else None
        if order is None:
            raise LookupError(f"no order {order_id!r} on seller {owner.seller_id}")
        return order

    def move_items(
        self, seller: str, order_id: int | str, status: str, *, only: frozenset[str]
    ) -> int:
        """Move the order's items whose status is in `only` to `status`; how many moved."""
        with self.lock:
            owner = self.seller(seller)
            order = self.order_of(owner, order_id)
            items = [i for i in order.items if i.status in only]
            moved = order_life.move(owner, order, items, status, self.clock.now_s())
            self.moved(owner, order, moved)
            return len(moved)

    def moved(self, owner: Seller, order: Order, items: Sequence[OrderItem]) -> None:
        """Push one trade-order message per item whose status changed. Lock held."""
        if not owner.webhook_url:
            return
        now_ms = int(self.clock.now() * 1000)
        for item in items:
            payload = trade_order_payload(
                owner.seller_id,
                order.order_id,
                item.order_item_id,
                item.status,
                item.updated,
                now_ms,
            )
            self.push.send(owner.webhook_url, owner.app_key, owner.app_secret, payload)
