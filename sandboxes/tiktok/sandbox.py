"""`TikTokSandbox`: the whole fake TikTok Shop behind one lock, on the kit's stores, and
`TikTokControl`, the same sandbox behind the uniform `SandboxControl` surface.

The ASGI app (app.py) serves the wire API from this object; tests, the demo and the
benchmarks drive the same object directly, through `TikTokControl` or the `/_sandbox/`
control API (app.py). Every public method takes the lock.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from lapak.sandboxes.kit.buyers import StoreBuyers
from lapak.sandboxes.kit.catalog import Listing, Status
from lapak.sandboxes.kit.control import ListingSpec, OrderAction, SandboxOrder
from lapak.sandboxes.kit.orders import Order
from lapak.sandboxes.kit.push import RetryingPushQueue, hmac_sha256_hex
from lapak.sandboxes.kit.ratelimit import TokenBuckets
from lapak.sandboxes.kit.stores import ActionRule, StoreSandbox, StoreSurface
from lapak.sandboxes.kit.tokens import TokenPolicy, TokenStore
from lapak.sandboxes.tiktok.state import (
    RETURN_STATUS,
    RETURN_TYPE,
    SHIPPED,
    STAMPED,
    Shop,
    new_product,
    new_sku,
)
from lapak.sandboxes.tiktok.wire import server_error, throttled

SAMPLE_CATEGORY = "601226"
"""A leaf category id the sandbox accepts (it takes any numeric id: it has no category tree)."""
ACCESS_TTL = 7 * 86400
TOKEN_POLICY = TokenPolicy(
    access_ttl=ACCESS_TTL,
    refresh_ttl=365 * 86400,
    code_ttl=30 * 60,
    rotate=False,
    remember_expired_access=ACCESS_TTL,
    forget_expired_refresh=False,
)
"""Tokens are owned by (app_key, shop_cipher); lifetimes and refresh rules: api_auth.py. A
dead access token is answered "expired" for a week after its expiry, "invalid" after that."""
ORDER_STATUS_PUSH = 1
RETURN_STATUS_PUSH = 12


def token_text(rng: random.Random) -> str:
    """A token or code as TikTok's look: "TTP_" and URL-safe base64."""
    raw = rng.getrandbits(384).to_bytes(48, "big")
    return "TTP_" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _cipher_for(name: str) -> str:
    """A shop cipher for a shop given by name only (a config of app keys: the cipher comes
    with the seller's authorization), the same for the same name."""
    return f"ROW_{hashlib.sha256(f'tiktok/{name}'.encode()).hexdigest()[:30]}"


class PushSender(RetryingPushQueue):
    """Order status (type 1) and return status (type 12) pushes.

    Signature and bodies: docs/MARKETPLACES.md#tiktok-shop-webhooks (the signature is
    UNCONFIRMED). TikTok retries a failed push after 2 min, 30 min, 3 h and 12 h; the
    sandbox retries a few times within a second instead (kit/push.py)."""

    platform = "tiktok"
    timeout = 3.0  # TikTok wants the answer "within 3 seconds"

    def accepts(self, status: int) -> bool:
        return status == 200


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
        self.stores[name] = self.by_cipher[cipher] = shop
        if spec.get("refresh_token"):
            self.tokens.add_refresh_token((app_key, cipher), str(spec["refresh_token"]))

    # --- ids, listings, tokens and pushes (callers hold the lock) ------------------------

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
            attributes = []
            if spec.variants:
                attribute = {"id": attribute_id, "name": "Variant", "value_name": option}
                attributes = [{**attribute, "value_id": self.new_id("1731")}]
            unit = new_sku(self.new_id("1730"), seller_sku, unit_price, unit_stock, attributes)
            product.variants[unit.id] = unit
        return product

    def token_owner(self, store: Shop) -> tuple[str, str]:
        return (store.app_key, store.shop_cipher)

    def notify(self, store: Shop, order: Order) -> None:
        """Push an order-status change (type 1; it spells CANCELLED as "CANCEL", its
        documented status values)."""
        data = {
            "order_id": order.id,
            "order_status": "CANCEL" if order.status == "CANCELLED" else order.status,
            "is_on_hold_order": False,
            "update_time": order.updated,
        }
        self._push(store, ORDER_STATUS_PUSH, data)

    def _push(self, shop: Shop, push_type: int, data: dict[str, Any]) -> None:
        """A push signed by the shop's app: its secret over the app key and the raw body."""
        if shop.push_url:
            payload = {
                "type": push_type,
                "tts_notification_id": self.new_id("7327"),
                "shop_id": shop.shop_id,
                "timestamp": self.clock.now_s(),
                "data": data,
            }
            key, secret = shop.app_key.encode(), self.apps[shop.app_key]
            self.push.send_json(
                shop.push_url,
                payload,
                lambda body: {"Authorization": hmac_sha256_hex(secret, key + body)},
            )

    # --- orders ------------------------------------------------------------------------

    def change_status_in(self, store: Shop, order: Order, status: Status, *, by: str = "") -> bool:
        """A status change with its side effects (stock back on cancel, push); lock held.
        A shipped order cannot be cancelled (it is returned)."""
        if status == "CANCELLED" and order.status in SHIPPED:
            raise ValueError(f"order {order.id} is {order.status}: shipped orders are returned")
        changed = super().change_status_in(store, order, status, by=by)
        if changed and status in STAMPED:
            order.fields[STAMPED[status]] = self.clock.now_s()
        return changed

    def return_in(self, shop: Shop, order: Order) -> None:
        """The buyer sent a shipped order back and was refunded: a completed
        RETURN_AND_REFUND record (its id, pushed as type 12), and the order's units back
        in stock (the order keeps its status). Lock held."""
        if "return_id" in order.fields:
            raise ValueError(f"order {order.id} was already returned")
        now = self.clock.now_s()
        order.fields.update(return_id=self.new_id("4035"), return_time=now)
        order.updated = max(now, order.updated)
        shop.book.restore_stock(order)
        data = {
            "order_id": order.id,
            "return_role": "BUYER",
            "return_type": RETURN_TYPE,
            "return_status": RETURN_STATUS,
            "return_id": order.fields["return_id"],
            "create_time": now,
            "update_time": now,
        }
        self._push(shop, RETURN_STATUS_PUSH, data)

    order_actions = {
        "pay": ActionRule(
            moves=(("AWAITING_SHIPMENT", "BUYER"),),
            starts=frozenset({"UNPAID"}),
            refusal="order {id} is {status}, not UNPAID",
        ),
        "cancel": ActionRule(moves=(("CANCELLED", "BUYER"),)),
        "complete": ActionRule(
            moves=(("DELIVERED", "SYSTEM"),),
            starts=frozenset(SHIPPED),
            refusal="order {id} is {status}: not shipped",
            already=frozenset({"COMPLETED"}),
        ),
        "return": ActionRule(
            starts=frozenset(SHIPPED),
            refusal="order {id} was not shipped: nothing to return",
            first=return_in,
        ),
    }

    def return_order(self, store: str, order_id: str) -> str:
        """The `return` action on a shipped order; the id of its return record."""
        return str(self.change_order(store, order_id, "return").fields["return_id"])


class TikTokControl(StoreSurface[Shop]):
    """A listing row is one SKU; its `variant_id` is the TikTok SKU id, also for a single-SKU
    product (as the connector's `ListingRef` has it). Actions: `pay` → AWAITING_SHIPMENT;
    `cancel` → CANCELLED (stock back); `complete` → the parcel is DELIVERED (which Lapak
    reads as completed); `return` → a completed RETURN_AND_REFUND record on a shipped order
    (stock back; the order keeps its status)."""

    sandbox: TikTokSandbox
    platform = "tiktok"
    tokens_expire = True
    sample_category = SAMPLE_CATEGORY
    removed_status = "DELETED"
    """TikTok keeps a deleted product (Search Products still lists it)."""

    def change_order(self, store: str, external_id: str, action: OrderAction) -> None:
        """The sandbox's `order_actions`, the store found by the sandbox (whose 404 the
        control API has always answered here)."""
        self.sandbox.change_order(store, external_id, action)

    def order(self, store: str, external_id: str) -> SandboxOrder:
        """Its lines summed per SKU (TikTok's line items are one unit each)."""
        view = super().order(store, external_id)
        pieces: Counter[str] = Counter()
        for sku, quantity in view.lines:
            pieces[sku] += quantity
        return replace(view, lines=tuple(pieces.items()))
