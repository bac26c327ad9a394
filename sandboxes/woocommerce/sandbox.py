"""`WooSandbox`: every fake WooCommerce store behind one lock, a kit `StoreSandbox`.

The ASGI app (app.py) serves the REST API from this object; `WooControl` (surface.py) and
the `/_sandbox/` control API drive it. Stores are keyed by their Lapak store name; a request
finds its store by the consumer key it authenticates with. Every public method takes the
lock, so it is safe from any thread. Checkouts are the kit's, with WooCommerce's checks,
random lines, per-site ids and payment; a new order pushes `order.created`, a change
`order.updated`.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from lapak.sandboxes.kit.control import ListingSpec
from lapak.sandboxes.kit.orders import Order
from lapak.sandboxes.kit.ratelimit import TokenBuckets
from lapak.sandboxes.kit.stores import StoreSandbox, UnknownOrderError
from lapak.sandboxes.woocommerce import orders as order_life
from lapak.sandboxes.woocommerce.buyers import BuyerSimulator
from lapak.sandboxes.woocommerce.catalog import seller_product
from lapak.sandboxes.woocommerce.push import PushSender, delivery
from lapak.sandboxes.woocommerce.state import Product, Shop, Webhook, WooOrder
from lapak.sandboxes.woocommerce.views import order_view
from lapak.sandboxes.woocommerce.wire import server_error, throttled

ORDER_TOPICS = ("order.created", "order.updated", "order.deleted")


class WooSandbox(StoreSandbox[Shop]):
    """Stores from store configs: name, consumer_key, consumer_secret, webhook_secret."""

    def __init__(self, shops: Sequence[Mapping[str, Any]], *, seed: int = 0) -> None:
        super().__init__(seed=seed, error_response=server_error, throttle_response=throttled)
        self.stores: dict[str, Shop] = {}
        self.keys: dict[str, Shop] = {}
        self.next_key_id = 0
        self.nonce_key = secrets.token_bytes(32)
        """Signs the Approve links' nonces (wc_auth.py)."""
        # Per consumer key: WooCommerce's REST API has no limit of its own; hosts and WAFs
        # do (docs/MARKETPLACES.md#woocommerce-rate-limits; UNCONFIRMED: 10/s, bursts of 20).
        # Over it: 429 with Retry-After (wire).
        self.limiter: TokenBuckets = TokenBuckets(10.0, 20, self.clock.now)
        self.push: PushSender = PushSender()
        self.buyers: BuyerSimulator = BuyerSimulator(self, seed=seed)
        for spec in shops:
            self._add_shop(spec)

    def _add_shop(self, spec: Mapping[str, Any]) -> None:
        """A store; one whose config names no key pair has none until an app is approved."""
        try:
            name = str(spec["name"])
        except KeyError as exc:
            raise ValueError(f"sandbox store {dict(spec).get('name', '?')!r}: {exc!r}") from exc
        key, secret = str(spec.get("consumer_key") or ""), str(spec.get("consumer_secret") or "")
        if bool(key) != bool(secret):
            raise ValueError(f"sandbox store {name!r}: a consumer key needs its secret")
        if name in self.stores or (key and key in self.keys):
            raise ValueError(f"sandbox store {name!r}: name or consumer key used twice")
        hook_secret = spec.get("webhook_secret") or hashlib.sha1((key or name).encode()).hexdigest()
        shop = Shop(name=name, consumer_key=key, consumer_secret=secret, webhook_secret=hook_secret)
        self.stores[name] = shop
        if key:
            self.keys[key] = shop

    # --- lookups (callers hold the lock) -----------------------------------------------

    shop = StoreSandbox.store
    """The store by its name (`store`, under the name the REST API's modules use)."""

    def order_in(self, store: Shop, order_id: Any) -> WooOrder:
        try:
            return store.orders[int(order_id)]
        except (KeyError, ValueError):
            raise UnknownOrderError(store.name, order_id) from None

    def revoke_key(self, name: str) -> None:
        """The seller deletes the store's API key (WooCommerce > Settings > Advanced > REST
        API > Revoke): every call signed with it is refused from now on."""
        with self.lock:
            shop = self.shop(name)
            for key in (shop.consumer_key, *shop.granted_keys):
                self.keys.pop(key, None)

    def grant_key(self, name: str, user_id: str, scope: str) -> dict[str, Any]:
        """A new key pair for the store (`WC_Auth::create_keys`): usable at once; the
        consumer data WooCommerce posts to the app's callback_url."""
        with self.lock:
            shop = self.shop(name)
            key = f"ck_{self.rng.getrandbits(160):040x}"
            secret = f"cs_{self.rng.getrandbits(160):040x}"
            shop.granted_keys[key] = secret
            self.keys[key] = shop
            self.next_key_id += 1
            return {
                "key_id": self.next_key_id,
                "user_id": user_id,
                "consumer_key": key,
                "consumer_secret": secret,
                "key_permissions": scope,
            }

    def delete_key(self, name: str, consumer_key: str) -> None:
        """`WC_Auth::maybe_delete_key`: the key whose callback failed is gone."""
        with self.lock:
            self.shop(name).granted_keys.pop(consumer_key, None)
            self.keys.pop(consumer_key, None)

    # --- webhooks ------------------------------------------------------------------------

    def set_push_url(self, key: Any, url: str | None) -> None:
        """Order webhooks (created, updated, deleted) of the store to `url` (None: none)."""
        with self.lock:
            shop = self.store(key)
            shop.webhooks = [
                Webhook(id=n, topic=topic, delivery_url=url, secret=shop.webhook_secret)
                for n, topic in enumerate(ORDER_TOPICS, start=1)
                if url
            ]

    def notify(self, store: Shop, order: Order, topic: str = "order.updated") -> None:
        """Queue the deliveries of `topic` for `order` (lock held)."""
        woo_order = cast(WooOrder, order)
        payload = {"id": order.id} if topic.endswith(".deleted") else order_view(store, woo_order)
        now = self.clock.now()
        salt = hashlib.sha1(f"wp-salt/{store.name}".encode()).hexdigest()
        for webhook in store.webhooks:
            if webhook.topic == topic and webhook.status == "active":
                source = f"{store.site_url}/"
                body, headers = delivery(webhook, payload, source=source, salt=salt, now=now)
                self.push.send(webhook, body, headers)

    def notify_placed(self, store: Shop, order: Order) -> None:
        self.notify(store, order, "order.created")

    # --- orders --------------------------------------------------------------------------

    def checkout_lines(
        self, store: Shop, lines: Sequence[tuple[str, int]] | None
    ) -> list[tuple[str, int]]:
        """Published simple products and variations only; random in-stock ones when None."""
        return order_life.checkout_lines(store, lines, self.rng)

    def new_order_id(self, store: Shop) -> int:
        return store.new_id()

    def line_ids(self, store: Shop) -> Callable[[], int]:
        return store.line_ids.__next__

    def placed(self, store: Shop, order: Order) -> None:
        cast(WooOrder, order).payment = self.rng.choice(order_life.PAYMENTS)

    def new_listing(self, store: Shop, spec: ListingSpec) -> Product:
        """The seller's product, made in wp-admin (already in the catalog)."""
        return seller_product(store, spec, now=self.clock.now())

    def change_order(self, name: str, order_id: Any, action: str) -> None:
        """A buyer or the shop moves an order on: pay, cancel, complete (a shipped order is
        delivered), return (refunded with its units restocked)."""
        with self.lock:
            shop = self.store(name)
            order = self.order_in(shop, order_id)
            order_life.act(shop, order, action, self.clock.now())
            self.notify(shop, order)
