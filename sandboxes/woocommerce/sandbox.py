"""`WooSandbox`: every fake WooCommerce store behind one lock, a kit `StoreSandbox`, with
its webhook sender and buyer simulator.

The ASGI app (app.py) serves the REST API from this object; `WooControl` (control.py) and
the `/_sandbox/` control API drive it. Stores are keyed by their Lapak store name; a request
finds its store by the consumer key it authenticates with. Every public method takes the
lock, so it is safe from any thread. Checkouts are the kit's, with WooCommerce's checks,
random lines, per-site ids and payment; a new order pushes `order.created`, a change
`order.updated`.

Webhooks are delivered as `WC_Webhook::deliver` does it, from a background thread: POST
of the resource JSON (`trim(wp_json_encode($payload))`) with `Content-Type:
application/json`, a `WooCommerce/{version} Hookshot (WordPress/{version})` user agent and
the headers X-WC-Webhook-Source (home URL + "/"), -Topic, -Resource, -Event, -Signature
(base64 HMAC-SHA256 of the body with the webhook's secret), -ID and -Delivery-ID
(`wp_hash(webhook_id . strtotime('now'))`: an HMAC-MD5 with the site's salt, so one
webhook's deliveries within one second share it). A 2xx, 301 or 302 answer is success;
WooCommerce never retries a delivery: it counts consecutive failures and disables the
webhook after more than 5 (`woocommerce_max_webhook_delivery_failures`). WooCommerce
delivers through Action Scheduler and builds the payload when the action runs; the sandbox
snapshots the payload when the event happens.

The buyer simulator places one order a tick on a random store (some left unpaid, as with a
bank transfer not made yet), and moves a few existing orders on: pays a pending one, or
cancels a pending one (WooCommerce cancels unpaid orders after its "Hold stock" minutes).
Shipping is the seller's (Lapak's) job, not the buyers'.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from lapak.connectors.woocommerce import signing
from lapak.sandboxes.kit.buyers import Buyers
from lapak.sandboxes.kit.catalog import Id, Status
from lapak.sandboxes.kit.control import ListingSpec
from lapak.sandboxes.kit.orders import Order, OutOfStockError
from lapak.sandboxes.kit.push import Delivery, RetryingPushQueue
from lapak.sandboxes.kit.ratelimit import TokenBuckets
from lapak.sandboxes.kit.stores import ActionRule, StoreSandbox, UnknownOrderError
from lapak.sandboxes.woocommerce.products import seller_product
from lapak.sandboxes.woocommerce.state import (
    SHIPPED,
    WC_VERSION,
    WP_VERSION,
    Product,
    Shop,
    Webhook,
    WooOrder,
    post_of,
)
from lapak.sandboxes.woocommerce.views import order_view
from lapak.sandboxes.woocommerce.wire import php_json, server_error, throttled

ORDER_TOPICS = ("order.created", "order.updated", "order.deleted")
PAYMENTS = (("bacs", "Transfer Bank"), ("cod", "Bayar di Tempat"), ("midtrans", "Midtrans"))
MAX_FAILURES = 5
PUSH_TIMEOUT_SECONDS = 5.0  # WooCommerce waits MINUTE_IN_SECONDS; tests need answers sooner
USER_AGENT = f"WooCommerce/{WC_VERSION} Hookshot (WordPress/{WP_VERSION})"


class PushSender(RetryingPushQueue):
    """Sends each delivery once, as WooCommerce does (no retry); after more than
    `MAX_FAILURES` failures in a row the webhook is disabled."""

    platform = "woocommerce"
    timeout = PUSH_TIMEOUT_SECONDS
    attempts = 1

    def __init__(self) -> None:
        super().__init__()
        self._state_lock = threading.Lock()

    def accepts(self, status: int) -> bool:
        return 200 <= status < 303

    def succeeded(self, job: Delivery) -> None:
        with self._state_lock:
            job.subject.failure_count = 0

    def gave_up(self, job: Delivery) -> None:
        webhook: Webhook = job.subject
        with self._state_lock:
            if webhook.failure_count > MAX_FAILURES:
                webhook.status = "disabled"
            else:
                webhook.failure_count += 1


class BuyerSimulator(Buyers):
    _sandbox: WooSandbox
    platform = "woocommerce"
    out_of_stock = (OutOfStockError,)

    def _stores(self) -> Mapping[str, Shop]:
        return self._sandbox.stores

    def _place(self, store: str, paid: bool) -> Id:
        return self._sandbox.place_order(store, None, paid=paid)

    def _move_on(self, shop: Shop) -> None:
        pending = [o for o in self._recent(shop) if o.status == "pending"]
        for action, rate in (("pay", self.pay_rate), ("cancel", self.cancel_rate)):
            if pending and self._rng.random() < rate:
                order = pending.pop(self._rng.randrange(len(pending)))
                self._sandbox.change_order(shop.name, order.id, action)


class WooSandbox(StoreSandbox[Shop]):
    """Stores from store configs: name, consumer_key, consumer_secret, webhook_secret."""

    def __init__(self, shops: Sequence[Mapping[str, Any]], *, seed: int = 0) -> None:
        super().__init__(seed=seed, error_response=server_error, throttle_response=throttled)
        self.stores: dict[str, Shop] = {}
        self.keys: dict[str, Shop] = {}
        self.next_key_id = 0
        self.nonce_key = secrets.token_bytes(32)
        """Signs the Approve links' nonces (auth.py)."""
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
        body = php_json(payload).strip()
        resource, event = topic.split(".", 1)
        salt = hashlib.sha1(f"wp-salt/{store.name}".encode()).hexdigest()
        now = int(self.clock.now())
        for webhook in store.webhooks:
            if webhook.topic == topic and webhook.status == "active":
                # `wp_hash(webhook_id . strtotime('now'))`: HMAC-MD5 keyed with the site's salt
                delivery_id = hmac.new(salt.encode(), f"{webhook.id}{now}".encode(), hashlib.md5)
                headers = {
                    "Content-Type": "application/json",
                    "User-Agent": USER_AGENT,
                    "X-WC-Webhook-Source": f"{store.site_url}/",
                    "X-WC-Webhook-Topic": topic,
                    "X-WC-Webhook-Resource": resource,
                    "X-WC-Webhook-Event": event,
                    "X-WC-Webhook-Signature": signing.webhook_signature(webhook.secret, body),
                    "X-WC-Webhook-ID": str(webhook.id),
                    "X-WC-Webhook-Delivery-ID": delivery_id.hexdigest(),
                }
                self.push.put(Delivery(webhook.delivery_url, body, headers, subject=webhook))

    def notify_placed(self, store: Shop, order: Order) -> None:
        self.notify(store, order, "order.created")

    # --- orders --------------------------------------------------------------------------

    def checkout_lines(
        self, store: Shop, lines: Sequence[tuple[str, int]] | None
    ) -> list[tuple[str, int]]:
        """The lines of a checkout of published simple products and variations; the kit's
        book makes it `processing` (paid, stock taken at once, all or nothing) or `pending`
        (no stock taken). None: one to three in-stock SKUs, one or two units each."""
        published = [unit for unit in store.sellable() if post_of(unit).status == "publish"]
        if lines:
            for sku, quantity in lines:
                if quantity < 1:
                    raise ValueError(f"quantity of {sku!r} must be at least 1")
                if all(unit.sku != sku for unit in published):
                    raise LookupError(f"no purchasable SKU {sku!r} on store {store.name!r}")
            return list(lines)
        candidates = [
            unit
            for unit in published
            if unit.sku
            and post_of(unit).regular_price
            and (not unit.manage_stock or unit.stock > 0)
        ]
        if not candidates:
            raise OutOfStockError(f"nothing in stock on store {store.name!r}")
        picked = self.rng.sample(candidates, k=min(len(candidates), self.rng.randint(1, 3)))
        return [
            (
                unit.sku,
                min(unit.stock if unit.manage_stock and unit.stock else 2, self.rng.randint(1, 2)),
            )
            for unit in picked
        ]

    def new_order_id(self, store: Shop) -> int:
        return store.new_id()

    def line_ids(self, store: Shop) -> Callable[[], int]:
        return store.line_ids.__next__

    def placed(self, store: Shop, order: Order) -> None:
        cast(WooOrder, order).payment = self.rng.choice(PAYMENTS)

    def new_listing(self, store: Shop, spec: ListingSpec) -> Product:
        """The seller's product, made in wp-admin (already in the catalog)."""
        return seller_product(store, spec, now=self.clock.now())

    def change_status_in(self, store: Shop, order: Order, status: Status, *, by: str = "") -> bool:
        """A status change; its order.updated webhook goes out even when the status stays
        (WooCommerce saves the order and fires the hook all the same)."""
        changed = store.book.change_status(order, status, self.clock.now_s(), by=by)
        self.notify(store, order)
        return changed

    def refund_in(self, shop: Shop, order: Order) -> None:
        """The returned order's refund (`wc_create_refund` with "Restock refunded items"):
        its record, and its units back in stock."""
        woo_order = cast(WooOrder, order)
        refund = {"id": shop.new_id(), "reason": "Barang dikembalikan", "total": f"-{order.total}"}
        woo_order.refunds.append(refund)
        shop.book.restore_stock(order)

    order_actions = {
        "pay": ActionRule(
            moves=(("processing", ""),),
            starts=frozenset({"pending", "failed", "on-hold"}),
            refusal="order {id} is {status}: nothing to pay",
        ),
        "cancel": ActionRule(
            moves=(("cancelled", ""),),
            starts=frozenset({"pending", "processing", "on-hold", "failed"}),
            refusal="order {id} is {status}: too late to cancel",
        ),
        "complete": ActionRule(
            moves=(("delivered", ""),),
            starts=SHIPPED,
            refusal="order {id} is {status}: not shipped",
        ),
        "return": ActionRule(
            moves=(("refunded", ""),),
            starts=SHIPPED,
            refusal="order {id} is {status}: nothing to return",
            first=refund_in,
        ),
    }
    """What a buyer or the shop does to an order. A delivered order was shipped and is now
    with the buyer; a returned one is refunded with its units restocked."""
