"""`ShopifySandbox`: the whole fake Shopify behind one lock, and its Python control surface.

The ASGI app (app.py) serves the REST and GraphQL Admin API from this object; tests, the
demo and the benchmarks drive the same object directly (or through `/_sandbox/`). Every
public method takes the lock, so it is safe from any thread. Shops are keyed by their
access token (the sandbox serves many shops on one host; Shopify tells them apart by host).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from lapak.sandboxes.kit.core import SandboxCore
from lapak.sandboxes.kit.ratelimit import TokenBuckets
from lapak.sandboxes.shopify import orders as life
from lapak.sandboxes.shopify.buyers import BuyerSimulator
from lapak.sandboxes.shopify.push import PushSender, delivery
from lapak.sandboxes.shopify.ratelimit import ShopRateLimits
from lapak.sandboxes.shopify.state import (
    DEFAULT_TITLE,
    AuthCode,
    Order,
    Product,
    Shop,
    Variant,
    iso,
)
from lapak.sandboxes.shopify.views import order_view, refund_view
from lapak.sandboxes.shopify.wire import (
    API_KIND,
    GRAPHQL_MUTATION_COST,
    graphql_throttled,
    rest_throttled,
    server_error,
)
from starlette.responses import Response

DEFAULT_API_VERSION = "2025-01"
AUTH_CODE_SECONDS = 600
"""How long an authorization code is good: Shopify publishes no figure (UNCONFIRMED);
RFC 6749 4.1.2 recommends at most 10 minutes."""
GRANTED_SCOPES = (
    "read_products,write_products,read_inventory,write_inventory,read_orders,write_orders,"
    "read_merchant_managed_fulfillment_orders,write_merchant_managed_fulfillment_orders"
)
"""Scopes of a code issued without an install page (`issue_auth_code`'s default)."""


class UnknownShopError(LookupError):
    def __init__(self, name: str):
        super().__init__(f"no shop {name!r} in this Shopify sandbox")


class ShopifySandbox(SandboxCore):
    """Shops from store configs: name, shop_domain, access_token, client_secret,
    api_version and (optionally) location_id."""

    def __init__(self, shops: Sequence[Mapping[str, Any]], *, seed: int = 0) -> None:
        super().__init__(
            seed=seed, error_response=server_error, throttle_response=self._fault_throttle
        )
        self.ids = life.Ids()
        self.shops: dict[str, Shop] = {}
        self.by_token: dict[str, Shop] = {}
        self.api_version: dict[str, str] = {}
        self.codes: dict[str, AuthCode] = {}
        """OAuth authorization codes (single use) and what each grants."""
        self.limits = ShopRateLimits(self.clock.now)
        self.limiter: TokenBuckets = self.limits.rest  # what /_sandbox/rate_limit reports
        self.push: PushSender = PushSender()
        self.buyers: BuyerSimulator = BuyerSimulator(self, seed=seed)
        for index, spec in enumerate(shops):
            self._add_shop(spec, index)

    def _add_shop(self, spec: Mapping[str, Any], index: int) -> None:
        try:
            name, secret = str(spec["name"]), str(spec["client_secret"])
        except KeyError as missing:
            raise ValueError(
                f"sandbox shop {dict(spec).get('name', '?')!r}: no {missing}"
            ) from None
        # a store whose config holds only the app's keys gets its token when installed
        seed = hashlib.sha256(f"shopify-sandbox/{name}/{index}".encode()).hexdigest()
        token = str(spec.get("access_token") or f"shpat_{seed[:32]}")
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or f"shop-{index}"
        domain = str(spec.get("shop_domain") or f"{slug}.myshopify.com")
        location = int(spec.get("location_id") or 71_200_000_001 + index * 10)
        if token in self.by_token:
            raise ValueError(f"sandbox shop {name!r}: access token shared with another shop")
        shop = Shop(
            name=name,
            domain=domain,
            access_token=token,
            client_secret=secret,
            location_id=location,
            client_id=str(spec.get("client_id") or seed[32:64]),
        )
        self.shops[name] = shop
        self.by_token[token] = shop
        self.api_version[name] = str(spec.get("api_version") or DEFAULT_API_VERSION)

    # --- lookups, calls -------------------------------------------------------------------

    def shop(self, name: str) -> Shop:
        try:
            return self.shops[name]
        except KeyError:
            raise UnknownShopError(name) from None

    def set_rate_limit(self, per_second: float, burst: int | None = None) -> None:
        self.limits.configure(per_second, burst)

    def _fault_throttle(self) -> Response:
        """An injected throttle, in the shape of the API the request went to."""
        if API_KIND.get() == "graphql":
            maximum, _, restore = self.limits.graphql_status(None)
            return graphql_throttled(GRAPHQL_MUTATION_COST, maximum, 0.0, restore)
        return rest_throttled(self.limits.rest_retry_after(), self.limits.rest_size)

    # --- tokens ----------------------------------------------------------------------------

    def issue_auth_code(self, name: str, scope: str = GRANTED_SCOPES) -> str:
        """A one-time code as the OAuth consent redirect hands it to the app, good for
        `AUTH_CODE_SECONDS` of the sandbox clock."""
        with self.lock:
            code = uuid.UUID(int=self.rng.getrandbits(128)).hex
            expires_at = self.clock.now() + AUTH_CODE_SECONDS
            self.codes[code] = AuthCode(self.shop(name).name, expires_at, scope)
            return code

    def redeem_auth_code(self, code: str, client_id: str, client_secret: str) -> AuthCode | None:
        """What `code` grants, once: None when unknown, used, expired or for another app
        (a code is spent by any attempt, as an authorization code must be). Lock held."""
        found = self.codes.pop(code, None)
        if found is None or found.expires_at < self.clock.now():
            return None
        shop = self.shops.get(found.shop)
        if shop is None or (client_id, client_secret) != (shop.client_id, shop.client_secret):
            return None
        shop.revoked = False
        return found

    def revoke_token(self, name: str) -> None:
        """The merchant uninstalls the app: its offline token is refused from now on."""
        with self.lock:
            self.shop(name).revoked = True

    # --- catalog ---------------------------------------------------------------------------

    def new_product(
        self,
        shop: Shop,
        *,
        title: str,
        body_html: str = "",
        product_type: str = "",
        variants: Sequence[Mapping[str, Any]],
        option_name: str = "Title",
        images: Sequence[str] = (),
        status: str = "active",
    ) -> Product:
        """A product with these variants (each: option1, sku, price, weight, weight_unit,
        stock); every tracked inventory item is stocked at the shop's location. Lock held."""
        now = self.clock.now_s()
        product = Product(
            id=next(self.ids.product),
            title=title,
            body_html=body_html,
            vendor=shop.name,
            product_type=product_type,
            handle=_handle(title, shop),
            status=status,
            option_name=option_name,
            variants={},
            images=[],
            created_at=now,
            updated_at=now,
        )
        self.set_images(product, images)
        for spec in variants:
            self.add_variant(shop, product, spec)
        shop.products[product.id] = product
        return product

    def add_variant(self, shop: Shop, product: Product, spec: Mapping[str, Any]) -> Variant:
        now = self.clock.now_s()
        variant = Variant(
            id=next(self.ids.variant),
            product_id=product.id,
            option1=str(spec.get("option1") or DEFAULT_TITLE),
            sku=str(spec.get("sku") or ""),
            price=Decimal(str(spec.get("price") or "0")),
            inventory_item_id=next(self.ids.inventory_item),
            position=len(product.variants) + 1,
            weight=float(spec.get("weight") or 0),
            weight_unit=str(spec.get("weight_unit") or "g"),
            inventory_management=spec.get("inventory_management", "shopify"),
            created_at=now,
            updated_at=now,
        )
        product.variants[variant.id] = variant
        product.updated_at = now
        if variant.inventory_management == "shopify":
            shop.levels[variant.inventory_item_id] = int(spec.get("stock") or 0)
            shop.level_updated[variant.inventory_item_id] = now
        return variant

    def set_images(self, product: Product, urls: Sequence[str]) -> None:
        product.images = [
            {
                "id": product.id * 100 + n,
                "product_id": product.id,
                "position": n,
                "src": url,
                "alt": None,
                "width": 1,
                "height": 1,
                "variant_ids": [],
            }
            for n, url in enumerate(urls, start=1)
        ]

    def delete_product(self, shop: Shop, product_id: int) -> None:
        product = shop.products.pop(product_id, None)
        if product is None:
            raise LookupError(f"no product {product_id} on shop {shop.name!r}")
        for variant in product.variants.values():
            shop.levels.pop(variant.inventory_item_id, None)

    def set_available(self, shop: Shop, inventory_item_id: int, available: int) -> None:
        shop.levels[inventory_item_id] = int(available)
        shop.level_updated[inventory_item_id] = self.clock.now_s()

    # --- orders ----------------------------------------------------------------------------

    def place_order(
        self, name: str, lines: Sequence[tuple[str, int]] | None = None, *, paid: bool = True
    ) -> Order:
        """A checkout of `lines` ((sku, quantity); None: random in-stock units)."""
        with self.lock:
            shop = self.shop(name)
            wanted = list(lines) if lines else life.random_lines(shop, self.rng)
            order = life.place(
                shop, wanted, now=self.clock.now_s(), rng=self.rng, ids=self.ids, paid=paid
            )
            self.notify(shop, "orders/create", order_view(order))
            return order

    def order_in(self, shop: Shop, order_id: int | str) -> Order:
        try:
            return shop.orders[int(order_id)]
        except (KeyError, ValueError):
            raise LookupError(f"no order {order_id!r} on shop {shop.name!r}") from None

    def change_order(self, name: str, order_id: int | str, action: str) -> Order:
        """pay, cancel, complete (delivered and archived) or return (refunded, restocked)."""
        with self.lock:
            shop = self.shop(name)
            order = self.order_in(shop, order_id)
            now = self.clock.now_s()
            topic, payload = "orders/updated", None
            if action == "pay":
                changed, topic = life.pay(order), "orders/paid"
            elif action == "cancel":
                changed, topic = life.cancel(shop, order, now), "orders/cancelled"
            elif action == "complete":
                changed = life.deliver(order, now)
            elif action == "return":
                refund = life.refund_return(shop, order, now, self.ids)
                changed, topic = refund is not None, "refunds/create"
                payload = refund_view(order, refund) if refund else None
            else:
                raise ValueError(f"unknown order action {action!r}")
            if changed:
                self.touch(order)
                self.notify(shop, topic, payload or order_view(order))
            return order

    def touch(self, order: Order) -> None:
        order.updated_at = max(self.clock.now_s(), order.updated_at)

    def notify(self, shop: Shop, topic: str, payload: dict[str, Any]) -> None:
        """Queue a webhook for `topic` when the shop subscribed a URL. Lock held."""
        if not shop.webhook_url:
            return
        stamp = uuid.UUID(int=self.rng.getrandbits(128))
        item = delivery(
            shop.webhook_url,
            topic=topic,
            payload=payload,
            client_secret=shop.client_secret,
            shop_domain=shop.domain,
            api_version=self.api_version[shop.name],
            webhook_id=str(stamp),
            event_id=str(stamp.int % 10**12),
            triggered_at=iso(self.clock.now()) or "",
        )
        self.push.send(item)

    def set_webhook_url(self, name: str, url: str | None) -> None:
        with self.lock:
            self.shop(name).webhook_url = url or None


def _handle(title: str, shop: Shop) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "product"
    taken = {p.handle for p in shop.products.values()}
    handle, n = base, 1
    while handle in taken:
        n += 1
        handle = f"{base}-{n}"
    return handle
