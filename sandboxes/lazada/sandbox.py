"""`LazadaSandbox`: the whole fake Lazada behind one lock.

The ASGI app (app.py) serves the wire API from this object; tests, the demo and the
benchmarks drive it through `LazadaControl` (surface.py, stores by name) or the
`/_sandbox/` control API. The wire's helpers (ids, `add_product`, `move_items`) expect the
lock held; the other methods take it.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Mapping, Sequence
from typing import Any, cast

from lapak.sandboxes.kit.core import SandboxCore
from lapak.sandboxes.kit.orders import random_lines
from lapak.sandboxes.kit.ratelimit import TokenBuckets
from lapak.sandboxes.kit.tokens import TokenStore
from lapak.sandboxes.lazada import orders as order_life
from lapak.sandboxes.lazada.api_auth import TOKEN_POLICY, token_maker
from lapak.sandboxes.lazada.buyers import BuyerSimulator
from lapak.sandboxes.lazada.push import PushSender, trade_order_payload
from lapak.sandboxes.lazada.state import (
    ACTIVE,
    PAYMENT_METHODS,
    Order,
    OrderItem,
    Product,
    Seller,
    Sku,
)
from lapak.sandboxes.lazada.wire import server_error, throttled


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
        # second" (docs/MARKETPLACES.md#lazada-rate-limits). Over it: ApiCallLimit (wire).
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

    def seller(self, key: str) -> Seller:
        """A seller by seller_id or by store name."""
        found = self.sellers.get(str(key)) or next(
            (s for s in self.sellers.values() if s.name == key), None
        )
        if found is None:
            raise UnknownSellerError(key)
        return found

    def issue_auth_code(self, seller: str) -> str:
        """A one-time code as Lazada's consent redirect gives it (for /auth/token/create)."""
        with self.lock:
            return self.tokens.issue_code(self.seller(seller).seller_id)

    def new_sku(
        self,
        seller_sku: str,
        price: int,
        stock: int,
        sale_prop: dict[str, str],
        package: dict[str, str],
    ) -> Sku:
        """A SKU with the next SkuId; its options are its sales attributes' values."""
        return Sku(
            id=next(self._sku_ids),
            sku=seller_sku,
            price=price,
            stock=stock,
            options=list(sale_prop.values()),
            sale_prop=sale_prop,
            package=package,
        )

    def add_product(
        self,
        seller: Seller,
        skus: Sequence[Sku],
        *,
        category: str,
        name: str,
        description: str,
        brand: str,
        images: Sequence[str] = (),
        variation: dict[str, dict[str, Any]] | None = None,
    ) -> Product:
        """A new product with the next item id, in the seller's catalog."""
        now = self.clock.now_s()
        product = Product(
            id=next(self._item_ids),
            sku="",
            name=name,
            price=0,
            stock=0,
            status=ACTIVE,
            created=now,
            updated=now,
            images=list(images),
            variants={sku.id: sku for sku in skus},
            category=category,
            description=description,
            brand=brand,
            variation=variation or {},
        )
        seller.catalog.add(product)
        return product

    def new_package(self) -> tuple[str, str]:
        """A package id and the tracking number Lazada's 3PL gives it ("FP…", "LEXID…")."""
        n = next(self._packages)
        return f"FP{94_612_143_977_600 + n}", f"LEXID{6_938_800 + n:010d}"

    def place_order(
        self, seller: str, lines: Sequence[tuple[str, int]] | None = None, *, paid: bool = True
    ) -> int:
        """A buyer checks out `lines` ((seller sku, quantity); None: random in-stock units).

        Stock is held at once (`LookupError` unknown SKU, `ValueError` short: nothing
        changes). One item per unit, pending when `paid`, else unpaid. Returns the order_id."""
        with self.lock:
            owner = self.seller(seller)
            placed = owner.book.place(
                list(lines) if lines else random_lines(owner.catalog, self.rng),
                now=self.clock.now_s(),
                rng=self.rng,
                order_id=self._order_ids.__next__,
                line_id=self._order_item_ids.__next__,
                paid=paid,
                per_unit=True,
            )
            order = cast(Order, placed)
            order.phone = "62" + "*" * 7 + str(self.rng.randint(10, 99))
            order.payment_method = self.rng.choice(PAYMENT_METHODS)
            for item in order.items:  # its sales attributes as they were at checkout
                sku = owner.products[cast(int, item.listing_id)].skus[cast(int, item.variant_id)]
                item.variation = ", ".join(f"{k}:{v}" for k, v in sku.sale_prop.items())
            self._push(owner, order, order.items)
            return int(order.id)

    def order_of(self, owner: Seller, order_id: int | str) -> Order:
        order = owner.orders.get(int(order_id)) if str(order_id).isdigit() else None
        if order is None:
            raise LookupError(f"no order {order_id!r} on seller {owner.seller_id}")
        return order

    def move_items(
        self, owner: Seller, order: Order, items: Sequence[OrderItem], status: str
    ) -> list[OrderItem]:
        """Move `items` to `status` (their stock follows) and push each that changed; those
        that moved. Lock held."""
        moved = order_life.move(owner, order, items, status, self.clock.now_s())
        self._push(owner, order, moved)
        return moved

    def _push(self, owner: Seller, order: Order, items: Sequence[OrderItem]) -> None:
        """One trade-order message per item whose status changed."""
        if not owner.webhook_url:
            return
        now_ms = int(self.clock.now() * 1000)
        for item in items:
            payload = trade_order_payload(
                owner.seller_id, order.id, item.id, str(item.status), item.updated, now_ms
            )
            self.push.send(owner.webhook_url, owner.app_key, owner.app_secret, payload)
