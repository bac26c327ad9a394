"""`TokopediaSandbox`: the whole fake Tokopedia behind one lock, and its Python control
surface (keyed by shop_id; `surface.TokopediaControl` keys it by store name).

The ASGI app (app.py) serves the wire API from this object; tests, the demo and the
benchmarks drive the same object directly (or through the `/_sandbox/` control API).
Every public method takes the lock, so it is safe from any thread.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from lapak.sandboxes.kit.core import SandboxCore
from lapak.sandboxes.tokopedia import orders as life
from lapak.sandboxes.tokopedia.buyers import BuyerSimulator
from lapak.sandboxes.tokopedia.push import (
    PushSender,
    order_notification_payload,
    order_status_payload,
)
from lapak.sandboxes.tokopedia.ratelimit import EndpointLimiter
from lapak.sandboxes.tokopedia.state import (
    CATEGORIES,
    SAMPLE_CATEGORY,
    App,
    Order,
    Product,
    Shop,
)
from lapak.sandboxes.tokopedia.tokens import TokenStore
from lapak.sandboxes.tokopedia.wire import server_error, throttled

OutOfStockError = life.OutOfStockError

NOTIFICATION_URL = "order_notification_url"
STATUS_URL = "order_status_url"


class UnknownShopError(LookupError):
    def __init__(self, shop_id: Any):
        super().__init__(f"no shop {shop_id!r} in this sandbox")


class UnknownOrderError(LookupError):
    def __init__(self, shop_id: int, order_id: Any):
        super().__init__(f"no order {order_id!r} on shop {shop_id}")


class TokopediaSandbox(SandboxCore):
    """Apps and shops from store credentials (name, fs_id, client_id, client_secret,
    shop_id, webhook_secret)."""

    def __init__(self, shops: Sequence[Mapping[str, Any]], *, seed: int = 0) -> None:
        super().__init__(seed=seed, error_response=server_error, throttle_response=throttled)
        self.tokens = TokenStore(self.rng)
        self.apps: dict[int, App] = {}
        self.shops: dict[int, Shop] = {}
        self.limiter: EndpointLimiter = EndpointLimiter(self.clock.now)
        self.push: PushSender = PushSender()
        self.buyers: BuyerSimulator = BuyerSimulator(self, seed=seed)
        self._product_ids = itertools.count(15_330_001)
        self._order_ids = itertools.count(43_481_289)
        self._line_ids = itertools.count(20_274_955)
        self._option_ids = itertools.count(41_368)
        for spec in shops:
            self._add_shop(spec)

    def _add_shop(self, spec: Mapping[str, Any]) -> None:
        try:
            name, fs_id, shop_id = str(spec["name"]), int(spec["fs_id"]), int(spec["shop_id"])
            client_id, secret = str(spec["client_id"]), _secret(spec["client_secret"])
            hook_secret = _secret(spec["webhook_secret"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"sandbox shop {dict(spec).get('name', '?')!r}: {exc!r}") from exc
        app = self.apps.get(fs_id)
        if app is None:
            if self.app_of_client(client_id) is not None:
                raise ValueError(f"sandbox shop {name!r}: client {client_id} has two fs_ids")
            app = self.apps[fs_id] = App(fs_id, client_id, secret, hook_secret)
        elif (app.client_id, app.client_secret) != (client_id, secret):
            raise ValueError(f"sandbox shop {name!r}: fs_id {fs_id} has two sets of credentials")
        if shop_id in self.shops:
            raise ValueError(f"sandbox shop {name!r}: shop_id {shop_id} is taken")
        self.shops[shop_id] = Shop(name=name, shop_id=shop_id, fs_id=fs_id)

    # --- lookups (callers hold the lock) ------------------------------------------------

    def shop(self, shop_id: int | str) -> Shop:
        try:
            return self.shops[int(shop_id)]
        except (KeyError, ValueError):
            raise UnknownShopError(shop_id) from None

    def app_of_client(self, client_id: str) -> App | None:
        return next((a for a in self.apps.values() if a.client_id == client_id), None)

    # --- tokens, webhooks, faults, rate limit, call counts ------------------------------

    def expire_token(self, shop_id: int) -> bool:
        """The shop's app's token dies now (the next call gets HTTP 401)."""
        with self.lock:
            app = self.apps[self.shop(shop_id).fs_id]
            return self.tokens.expire(app.client_id, self.clock.now())

    def set_webhook_urls(self, shop_id: int, url: str | None) -> None:
        """Register `url` as the app's order_notification_url and order_status_url."""
        with self.lock:
            app = self.apps[self.shop(shop_id).fs_id]
            for kind in (NOTIFICATION_URL, STATUS_URL):
                if url:
                    app.urls[kind] = url
                else:
                    app.urls.pop(kind, None)

    # --- catalog ------------------------------------------------------------------------

    def add_product(
        self,
        shop: Shop,
        fields: Mapping[str, Any],
        variants: Sequence[Mapping[str, Any]] = (),
        selection: Sequence[Mapping[str, Any]] = (),
    ) -> Product:
        """A product (and its variant children) from validated create fields. Lock held."""
        now = self.clock.now_s()
        parent = Product(
            product_id=next(self._product_ids),
            shop_id=shop.shop_id,
            name=fields["name"],
            description=fields.get("description", ""),
            sku=fields.get("sku", ""),
            price=fields["price"],
            stock=fields.get("stock", 0),
            category_id=fields["category_id"],
            weight=fields["weight"],
            weight_unit=fields.get("weight_unit", "GR"),
            condition=fields.get("condition", "NEW"),
            min_order=fields.get("min_order", 1),
            pictures=list(fields.get("pictures", [])),
            selection=[dict(level) for level in selection],
            create_time=now,
            update_time=now,
        )
        shop.products[parent.product_id] = parent
        for variant in variants:
            values = [
                selection[level]["options"][index]
                for level, index in enumerate(variant["combination"])
            ]
            option = ", ".join(str(v["value"]) for v in values)
            child = Product(
                product_id=next(self._product_ids),
                shop_id=shop.shop_id,
                name=f"{parent.name} - {option}",
                description=parent.description,
                sku=variant["sku"],
                price=variant["price"],
                stock=variant["stock"],
                category_id=parent.category_id,
                weight=parent.weight,
                weight_unit=parent.weight_unit,
                condition=parent.condition,
                pictures=list(variant.get("pictures") or parent.pictures),
                parent_id=parent.product_id,
                option=option,
                option_id=int(values[0].get("unit_value_id") or 0) or next(self._option_ids),
                create_time=now,
                update_time=now,
            )
            shop.products[child.product_id] = child
            parent.children.append(child.product_id)
        if parent.children:
            parent.stock = 0
        return parent

    def create_listing(
        self,
        shop_id: int,
        *,
        sku: str,
        name: str,
        price: int,
        stock: int = 0,
        variants: Sequence[tuple[str, str, int, int]] = (),
        category_id: int = SAMPLE_CATEGORY,
    ) -> int:
        """A seller's own listing, made outside Lapak; returns its (parent) product_id.

        `variants` are (sku, option, price, stock) under the category's first variant type.
        """
        with self.lock:
            shop = self.shop(shop_id)
            fields = {
                "name": name,
                "description": name,
                "sku": sku,
                "price": int(price),
                "stock": int(stock),
                "category_id": category_id,
                "weight": 500,
                "pictures": [],
            }
            kind = CATEGORIES[category_id][1]
            selection = [
                {
                    "id": kind[0].variant_id if kind else 0,
                    "unit_id": 0,
                    "options": [
                        {"value": option, "unit_value_id": 0} for _, option, _, _ in variants
                    ],
                }
            ]
            rows = [
                {"combination": [n], "sku": s, "price": int(p), "stock": int(q)}
                for n, (s, _, p, q) in enumerate(variants)
            ]
            product = self.add_product(shop, fields, rows, selection if variants else ())
            return product.product_id

    def set_stock(self, shop_id: int, product_id: int, stock: int) -> None:
        """A seller's hand edit in Seller Center (absolute stock of one sellable product)."""
        with self.lock:
            product = self.shop(shop_id).products.get(int(product_id))
            if product is None or not product.sellable:
                raise LookupError(f"no sellable product {product_id} on shop {shop_id}")
            product.stock = int(stock)
            product.update_time = self.clock.now_s()

    def delete_product(self, shop_id: int, product_id: int) -> None:
        """The seller deletes a product (with its variants)."""
        with self.lock:
            shop = self.shop(shop_id)
            product = shop.products.pop(int(product_id), None)
            if product is None:
                raise LookupError(f"no product {product_id} on shop {shop_id}")
            for child in product.children:
                shop.products.pop(child, None)

    def products(self, shop_id: int) -> list[Product]:
        with self.lock:
            return list(self.shop(shop_id).products.values())

    # --- orders -------------------------------------------------------------------------

    def place_order(
        self, shop_id: int, lines: Sequence[tuple[str, int]] | None = None, *, paid: bool = True
    ) -> int:
        """A buyer checks out `lines` ((sku, quantity)); None picks random in-stock units.

        Stock goes down at once; raises `OutOfStockError` (nothing changes) when short, and
        `LookupError` for an unknown SKU. Paid orders are at 220, others at 100.
        """
        with self.lock:
            shop = self.shop(shop_id)
            wanted = list(lines) if lines else life.random_lines(shop, self.rng)
            order = life.place(
                shop,
                wanted,
                now=self.clock.now_s(),
                rng=self.rng,
                order_ids=self._order_ids,
                line_ids=self._line_ids,
                paid=paid,
            )
            if paid:
                self._notify(shop, order, NOTIFICATION_URL)
            return order.order_id

    def order_in(self, shop: Shop, order_id: int | str) -> Order:
        try:
            return shop.orders[int(order_id)]
        except (KeyError, ValueError):
            raise UnknownOrderError(shop.shop_id, order_id) from None

    def change_status(self, shop: Shop, order: Order, status: int, *, by: str = "") -> bool:
        """A status change with its side effects (stock back, webhook). Lock held."""
        was_paid = order.pay_time is not None
        changed = life.change_status(shop, order, status, self.clock.now_s(), by=by)
        if changed:
            if status == life.PAID and not was_paid:
                self._notify(shop, order, NOTIFICATION_URL)
            elif was_paid:
                self._notify(shop, order, STATUS_URL)
        return changed

    def set_order_status(self, shop_id: int, order_id: int, status: int, *, by: str = "") -> None:
        with self.lock:
            shop = self.shop(shop_id)
            self.change_status(shop, self.order_in(shop, order_id), int(status), by=by)

    def order(self, shop_id: int, order_id: int | str) -> Order:
        with self.lock:
            return self.order_in(self.shop(shop_id), order_id)

    def orders(self, shop_id: int) -> list[Order]:
        with self.lock:
            return list(self.shop(shop_id).orders.values())

    def _notify(self, shop: Shop, order: Order, kind: str) -> None:
        """Sellers only see orders from 220 on: nothing is pushed before payment."""
        app = self.apps[shop.fs_id]
        url = app.urls.get(kind)
        if not url:
            return
        if kind == NOTIFICATION_URL:
            payload = order_notification_payload(app.fs_id, order)
        else:
            payload = order_status_payload(app.fs_id, order)
        self.push.send(url, app.webhook_secret, payload)


def _secret(value: Any) -> str:
    """A secret from a shop spec: plain text or a pydantic SecretStr."""
    reveal = getattr(value, "get_secret_value", None)
    return str(reveal() if callable(reveal) else value)
