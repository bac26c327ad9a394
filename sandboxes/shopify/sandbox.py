"""`ShopifySandbox`: the whole fake Shopify behind one lock, driven by the app (app.py),
the control surface (`ShopifyControl`) and tests. Public methods take the lock; those
documented "Lock held" expect it. Shops are found by name, and by access token on the API
(the sandbox serves many shops on one host where Shopify tells them apart by host).

Webhooks: order topics POSTed to a shop's subscription URL, signed in `X-Shopify-Hmac-SHA256`
(docs/MARKETPLACES.md#shopify-webhooks); `X-Shopify-Webhook-Id` is the same on a retried
delivery, so receivers dedupe by it. Shopify gives a receiver 1 s to connect and 5 s in all
and retries for hours; the kit's queue retries a few times at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, cast

import httpx
from lapak.sandboxes.kit.buyers import StoreBuyers
from lapak.sandboxes.kit.catalog import Catalog, Id
from lapak.sandboxes.kit.control import ListingSpec, OrderAction, SandboxOrder
from lapak.sandboxes.kit.orders import Order, OrderBook
from lapak.sandboxes.kit.push import RetryingPushQueue
from lapak.sandboxes.kit.ratelimit import TokenBuckets
from lapak.sandboxes.kit.stores import StoreSandbox, StoreSurface
from lapak.sandboxes.kit.tokens import TokenPolicy, TokenRefused, TokenStore
from lapak.sandboxes.shopify import orders as life
from lapak.sandboxes.shopify.state import (
    DEFAULT_TITLE,
    RULES,
    Product,
    Shop,
    Variant,
    fulfillment_status,
    iso,
    new_ids,
    shipping,
)
from lapak.sandboxes.shopify.views import order_view, refund_view
from lapak.sandboxes.shopify.wire import (
    API_KIND,
    GRAPHQL_BUCKET,
    GRAPHQL_RESTORE_PER_SECOND,
    POINTS_PER_REQUEST,
    REST_BUCKET,
    REST_LEAK_PER_SECOND,
    graphql_throttled,
    rest_throttled,
    server_error,
)
from starlette.responses import Response

DEFAULT_API_VERSION = "2025-01"
CODES = TokenPolicy(access_ttl=0, refresh_ttl=0, code_ttl=600)
"""Only authorization codes expire (600 s: docs/MARKETPLACES.md#shopify-unconfirmed); an
offline access token never does (#shopify-tokens)."""
GRANTED_SCOPES = (
    "read_products,write_products,read_inventory,write_inventory,read_orders,write_orders,"
    "read_merchant_managed_fulfillment_orders,write_merchant_managed_fulfillment_orders"
)
"""Scopes of a code issued without an install page (`issue_auth_code`'s default)."""


def slug(text: str) -> str:
    """Lowercase letters and digits, other runs as one "-" (shop domains, product handles)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class PushSender(RetryingPushQueue):
    platform = "shopify"
    timeout = httpx.Timeout(5.0, connect=1.0)


class BuyerSimulator(StoreBuyers):
    """The kit's checkouts (some left pending: cash on delivery or a transfer not yet
    received); then maybe paying a pending order, cancelling an unshipped one or delivering
    a shipped one (Shopify's orders move by action, not status)."""

    _sandbox: ShopifySandbox
    platform = "shopify"

    def _move_on(self, shop: Shop) -> None:
        live = [o for o in self._recent(shop) if not o.cancelled_at]
        pending = [o for o in live if o.status == "pending"]
        open_ = [o for o in live if fulfillment_status(o) is None]
        shipped = [o for o in live if fulfillment_status(o) and shipping(o).closed_at is None]
        for candidates, action, rate in (
            (pending, "pay", self.pay_rate),
            (open_, "cancel", self.cancel_rate),
            (shipped, "complete", self.progress_rate),
        ):
            if candidates and self._rng.random() < rate:
                self._sandbox.change_order(shop.name, self._rng.choice(candidates).id, action)


class ShopifySandbox(StoreSandbox[Shop]):
    """Shops from store configs: name, client_secret, and optionally access_token,
    client_id, shop_domain, api_version and location_id."""

    def __init__(self, shops: Sequence[Mapping[str, Any]], *, seed: int = 0) -> None:
        super().__init__(
            seed=seed, error_response=server_error, throttle_response=self._fault_throttle
        )
        self.ids = new_ids()
        self.new_line_id = self.ids["line_item"].__next__
        self.stores: dict[str, Shop] = {}
        self.by_token: dict[str, Shop] = {}
        self.codes: TokenStore[tuple[str, str]] = TokenStore(
            self.clock, CODES, lambda kind: uuid.UUID(int=self.rng.getrandbits(128)).hex
        )
        """One-time authorization codes, each for a (shop name, granted scope)."""
        self.limiter: TokenBuckets = TokenBuckets(REST_LEAK_PER_SECOND, REST_BUCKET, self.clock.now)
        """REST requests per shop token (what /_sandbox/rate_limit reports)."""
        self.points = TokenBuckets(GRAPHQL_RESTORE_PER_SECOND, int(GRAPHQL_BUCKET), self.clock.now)
        """GraphQL cost points per shop token."""
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
        if token in self.by_token:
            raise ValueError(f"sandbox shop {name!r}: access token shared with another shop")
        catalog = Catalog(selling={"active"})
        shop = Shop(
            name=name,
            catalog=catalog,
            book=OrderBook(catalog, RULES),
            domain=str(spec.get("shop_domain") or f"{slug(name) or f'shop-{index}'}.myshopify.com"),
            access_token=token,
            client_secret=secret,
            client_id=str(spec.get("client_id") or seed[32:64]),
            api_version=str(spec.get("api_version") or DEFAULT_API_VERSION),
            location_id=int(spec.get("location_id") or 71_200_000_001 + index * 10),
        )
        self.stores[name] = shop
        self.by_token[token] = shop

    def set_rate_limit(self, per_second: float, burst: int | None = None) -> None:
        """The REST bucket; the GraphQL one keeps Shopify's proportion. 0 lifts both."""
        size = REST_BUCKET if burst is None else burst
        self.limiter.configure(per_second, size)
        self.points.configure(per_second * POINTS_PER_REQUEST, int(size * POINTS_PER_REQUEST))

    def _fault_throttle(self) -> Response:
        """An injected throttle, in the shape of the API the request went to."""
        if API_KIND.get() == "graphql":
            return graphql_throttled(self.points, None)
        return rest_throttled(self.limiter)

    # --- tokens ----------------------------------------------------------------------------

    def issue_auth_code(self, name: str, scope: str = GRANTED_SCOPES) -> str:
        """A one-time code as the OAuth consent redirect hands it to the app."""
        with self.lock:
            return self.codes.issue_code((self.store(name).name, scope))

    def redeem_auth_code(
        self, code: str, client_id: str, client_secret: str
    ) -> tuple[Shop, str] | None:
        """The shop and scope `code` grants, once: None when unknown, used, expired or for
        another app (any attempt spends a code). Lock held."""
        try:
            name, scope = self.codes.redeem_code(code)
        except TokenRefused:
            return None
        shop = self.stores.get(name)
        if shop is None or (client_id, client_secret) != (shop.client_id, shop.client_secret):
            return None
        shop.revoked = False
        return shop, scope

    def revoke_token(self, name: str) -> None:
        """The merchant uninstalls the app: its offline token is refused from now on."""
        with self.lock:
            self.store(name).revoked = True

    # --- catalog ---------------------------------------------------------------------------

    def new_listing(self, store: Shop, spec: ListingSpec) -> Product:
        """A seller's own product: one "Default Title" variant, or an option "Variant"."""
        specs = [
            {"option1": option, "sku": v_sku, "price": v_price, "stock": v_stock}
            for v_sku, option, v_price, v_stock in spec.variants
        ] or [{"option1": DEFAULT_TITLE, "sku": spec.sku, "price": spec.price, "stock": spec.stock}]
        option = "Variant" if spec.variants else "Title"
        return self.product(
            store, title=spec.name, body_html=spec.name, variants=specs, option_name=option
        )

    def product(
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
        inventory_management, stock), not yet in the shop's catalog. Lock held."""
        now = self.clock.now_s()
        base = slug(title) or "product"
        handle, n = base, 1
        while shop.handle_taken(handle):
            n += 1
            handle = f"{base}-{n}"
        product = Product(
            id=next(self.ids["product"]),
            sku="",
            name=title,
            price=0,
            stock=0,
            status=status,
            created=now,
            updated=now,
            images=list(images),
            body_html=body_html,
            vendor=shop.name,
            product_type=product_type,
            handle=handle,
            option_name=option_name,
        )
        shop.handles[handle] = product.id
        for spec in variants:
            self.add_variant(product, spec)
        return product

    def add_variant(self, product: Product, spec: Mapping[str, Any]) -> Variant:
        now = self.clock.now_s()
        tracked = spec.get("inventory_management", "shopify") == "shopify"
        variant = Variant(
            id=next(self.ids["variant"]),
            sku=str(spec.get("sku") or ""),
            price=Decimal(str(spec.get("price") or "0")),
            stock=int(spec.get("stock") or 0) if tracked else 0,
            options=[str(spec.get("option1") or DEFAULT_TITLE)],
            inventory_item_id=next(self.ids["inventory_item"]),
            position=len(product.variants) + 1,
            weight=float(spec.get("weight") or 0),
            weight_unit=str(spec.get("weight_unit") or "g"),
            tracked=tracked,
            created=now,
            updated=now,
            level_updated=now,
        )
        product.variants[variant.id] = variant
        product.updated = now
        return variant

    def set_available(self, variant: Variant, available: int) -> None:
        variant.stock = int(available)
        variant.level_updated = self.clock.now_s()

    # --- orders ----------------------------------------------------------------------------

    def new_order_id(self, store: Shop) -> int:
        return next(self.ids["order"])

    def placed(self, store: Shop, order: Order) -> None:
        life.opened(store, order, self.ids)

    def notify(self, store: Shop, order: Order) -> None:
        """The kit's checkout pushes `orders/create`; the lifecycle (orders.py) moves orders
        itself and sends each change's own topic."""
        self.webhook(store, "orders/create", order_view(order))

    def change_order(self, name: str, order_id: Id, action: str) -> Order:
        """pay, cancel, complete (delivered and archived) or return (refunded, restocked)."""
        with self.lock:
            shop = self.store(name)
            order = self.order_in(shop, order_id)
            now = self.clock.now_s()
            topic, payload = "orders/updated", None
            if action == "pay":
                changed, topic = life.pay(shop, order, now), "orders/paid"
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
                self.webhook(shop, topic, payload or order_view(order))
            return order

    def touch(self, order: Order) -> None:
        order.updated = max(self.clock.now_s(), order.updated)

    def webhook(self, shop: Shop, topic: str, payload: dict[str, Any]) -> None:
        """Queue a webhook for `topic` when the shop subscribed a URL; one UUID names the
        delivery and the event. Lock held."""
        if not shop.push_url:
            return
        stamp = uuid.UUID(int=self.rng.getrandbits(128))
        secret = shop.client_secret.encode("utf-8")

        def signed(body: bytes) -> dict[str, str]:
            signature = hmac.new(secret, body, hashlib.sha256).digest()
            return {
                "X-Shopify-Topic": topic,
                "X-Shopify-Hmac-SHA256": base64.b64encode(signature).decode("ascii"),
                "X-Shopify-Shop-Domain": shop.domain,
                "X-Shopify-API-Version": shop.api_version,
                "X-Shopify-Webhook-Id": str(stamp),
                "X-Shopify-Event-Id": str(stamp.int % 10**12),
                "X-Shopify-Triggered-At": iso(self.clock.now()) or "",
            }

        self.push.send_json(shop.push_url, payload, signed, ensure_ascii=False)


class ShopifyControl(StoreSurface[Shop]):
    """The Shopify sandbox behind the uniform `SandboxControl` surface (kit/stores.py does
    the listings and orders).

    Listings are variants: a product sold without options (its one "Default Title" variant)
    is a row with `variant_id` "", as Lapak's `ListingRef` has it. A store's offline access
    token never expires (`tokens_expire` False): `expire_token` revokes it (an uninstalled
    app). An order's status reads "financial/fulfillment[/cancelled|/closed]".
    """

    sandbox: ShopifySandbox
    platform = "shopify"
    tokens_expire = False
    sample_category = "Makanan & Minuman"
    """Shopify needs no category to create a product; Lapak's `category_id` becomes the
    product's free-text `product_type`."""
    numeric_order_ids = True

    def set_stock(self, store: str, sku: str, stock: int) -> None:
        with self.sandbox.lock:
            unit = self._store(store).catalog.find_sku(sku)
            if unit is None:
                raise LookupError(f"no SKU {sku!r} on store {store!r}")
            self.sandbox.set_available(cast(Variant, unit.variant), stock)

    def change_order(self, store: str, external_id: str, action: OrderAction) -> None:
        """The sandbox's own order moves, the store found by the sandbox (whose 404 the
        control API has always answered here)."""
        self.sandbox.change_order(store, self.order_id(external_id), action)

    def order(self, store: str, external_id: str) -> SandboxOrder:
        with self.sandbox.lock:
            order = self.sandbox.order_in(self._store(store), self.order_id(external_id))
            status = f"{order.status}/{fulfillment_status(order) or 'unfulfilled'}"
            if order.cancelled_at is not None:
                status += "/cancelled"
            elif shipping(order).closed_at is not None:
                status += "/closed"
            return SandboxOrder(
                external_id=str(order.id),
                status=status,
                tracking_number=order.tracking_number or None,
                lines=tuple((line.sku, line.quantity) for line in order.lines),
            )

    def expire_token(self, store: str) -> None:
        self.sandbox.revoke_token(store)
