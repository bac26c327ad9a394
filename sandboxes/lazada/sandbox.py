"""`LazadaSandbox`: the whole fake Lazada behind one lock, with its push sender, its buyer
simulator and `LazadaControl`, the sandbox behind the uniform `SandboxControl` surface.

The ASGI app (app.py) serves the wire API from this object; tests, the demo and the
benchmarks drive it through `LazadaControl` (stores by name) or the `/_sandbox/` control
API. Sellers are the kit's stores (kit/stores.py: checkouts, tokens, push URLs); the wire's
helpers (ids, `new_product`, `move_lines_in`) expect the lock held.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Mapping, Sequence
from typing import Any, cast

from lapak.sandboxes.kit.buyers import StoreBuyers
from lapak.sandboxes.kit.catalog import Status
from lapak.sandboxes.kit.control import ListingSpec, SandboxOrder
from lapak.sandboxes.kit.orders import Order as KitOrder
from lapak.sandboxes.kit.orders import OrderLine
from lapak.sandboxes.kit.push import RetryingPushQueue, hmac_sha256_hex
from lapak.sandboxes.kit.ratelimit import TokenBuckets
from lapak.sandboxes.kit.stores import ActionRule, StoreSandbox, StoreSurface
from lapak.sandboxes.kit.tokens import TokenStore
from lapak.sandboxes.lazada.api_auth import TOKEN_POLICY, token_maker
from lapak.sandboxes.lazada.state import (
    ACTIVE,
    CANCELED,
    CANCELLABLE,
    DELETED,
    DELIVERED,
    PAYMENT_METHODS,
    PENDING,
    READY_TO_SHIP,
    RETURNED,
    SAMPLE_CATEGORY,
    SENT,
    SHIPPED,
    SITE,
    UNPAID,
    Order,
    OrderItem,
    Product,
    Seller,
    Sku,
)
from lapak.sandboxes.lazada.wire import server_error, throttled

VARIANT_ATTRIBUTE = "Variant"
"""The custom sales attribute of a seller's own product with variants."""
DEFAULT_PACKAGE = {
    "package_weight": "0.5",
    "package_length": "10",
    "package_width": "10",
    "package_height": "10",
}
TRADE_ORDER = 0
"""The push message_type of an order item's status change."""
CANNOT = "order {id} is {status}: cannot {action} it"


class UnknownSellerError(LookupError):
    def __init__(self, key: Any):
        super().__init__(f"no seller {key!r} in this Lazada sandbox")


def _seller_id_for(name: str) -> str:
    """A seller id for a seller given by name only (a config of app keys: the id comes
    with the seller's authorization), the same for the same name."""
    digest = hashlib.sha256(f"lazada/{name}".encode()).hexdigest()
    return str(1_000_000_000 + int(digest[:8], 16) % 1_000_000_000)


class LazadaSandbox(StoreSandbox[Seller]):
    """Sellers (from store configs: name, app_key, app_secret, refresh_token, seller_id),
    by seller_id; an order has one item per unit bought."""

    per_unit = True

    def __init__(self, shops: Sequence[Mapping[str, Any]], *, seed: int = 0) -> None:
        super().__init__(seed=seed, error_response=server_error, throttle_response=throttled)
        self.tokens: TokenStore[str] = TokenStore(self.clock, TOKEN_POLICY, token_maker(self.rng))
        self.stores: dict[str, Seller] = {}
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
        if seller_id in self.stores:
            raise ValueError(f"sandbox shop {name!r}: seller {seller_id} is configured twice")
        self.apps[app_key] = app_secret
        self.stores[seller_id] = Seller(
            name=name, app_key=app_key, app_secret=app_secret, seller_id=seller_id
        )
        if spec.get("refresh_token"):
            self.tokens.add_refresh_token(seller_id, str(spec["refresh_token"]))

    def store(self, key: Any) -> Seller:
        """A seller by seller_id or by store name."""
        found = self.stores.get(str(key)) or next(
            (s for s in self.stores.values() if s.name == key), None
        )
        if found is None:
            raise UnknownSellerError(key)
        return found

    seller = store

    def token_owner(self, store: Seller) -> str:
        return store.seller_id

    def new_order_id(self, store: Seller) -> int:
        return next(self._order_ids)

    def new_line_id(self) -> int:
        return next(self._order_item_ids)

    def new_sku(self, sale_prop: dict[str, str], **fields: Any) -> Sku:
        """A SKU with the next SkuId; its options are its sales attributes' values."""
        options = list(sale_prop.values())
        return Sku(id=next(self._sku_ids), options=options, sale_prop=sale_prop, **fields)

    def new_product(self, skus: Sequence[Sku], **fields: Any) -> Product:
        """A new active product with the next item id (not in a catalog yet); `fields` are
        its category, name, description, brand, images and variation."""
        now = self.clock.now_s()
        return Product(
            id=next(self._item_ids),
            sku="",
            price=0,
            stock=0,
            status=ACTIVE,
            created=now,
            updated=now,
            variants={sku.id: sku for sku in skus},
            **fields,
        )

    def new_listing(self, store: Seller, spec: ListingSpec) -> Product:
        """A product made in Seller Center: `variants` become SKUs differing by the custom
        sales attribute "Variant" (Lazada keeps price and stock on SKUs only)."""
        variants = spec.variants
        skus = []
        rows = list(variants) or [(spec.sku, "", spec.price, spec.stock)]
        for seller_sku, option, price, stock in rows:
            if store.find_sku(seller_sku) is not None:
                raise ValueError(f"SKU {seller_sku!r} is already listed by this seller")
            sale_prop = {VARIANT_ATTRIBUTE: option} if variants else {}
            package = dict(DEFAULT_PACKAGE)
            skus.append(
                self.new_sku(sale_prop, sku=seller_sku, price=price, stock=stock, package=package)
            )
        options = [option for _, option, _, _ in variants]
        attribute = {"customize": True, "hasImage": False, "options": options}
        return self.new_product(
            skus,
            category=SAMPLE_CATEGORY,
            name=spec.name,
            description=spec.name,
            brand="No Brand",
            variation={VARIANT_ATTRIBUTE: attribute} if variants else {},
        )

    def new_package(self) -> tuple[str, str]:
        """A package id and the tracking number Lazada's 3PL gives it ("FP…", "LEXID…")."""
        n = next(self._packages)
        return f"FP{94_612_143_977_600 + n}", f"LEXID{6_938_800 + n:010d}"

    def move_lines_in(
        self, store: Seller, order: KitOrder, lines: Sequence[OrderLine], status: Status
    ) -> list[OrderItem]:
        """Move the items `lines` to `status` on the seller's order book (their stock
        follows, by the rules of state.py) and push each that changed; those that moved.
        Lock held."""
        moved = cast(
            "list[OrderItem]", store.book.move_lines(order, lines, status, self.clock.now_s())
        )
        self._push(store, cast(Order, order), moved)
        return moved

    order_actions = {
        "pay": ActionRule(moves=((PENDING, ""),), starts=frozenset({UNPAID}), refusal=CANNOT),
        "cancel": ActionRule(moves=((CANCELED, ""),), starts=CANCELLABLE, refusal=CANNOT),
        "complete": ActionRule(
            moves=((DELIVERED, ""),), starts=frozenset({READY_TO_SHIP, SHIPPED}), refusal=CANNOT
        ),
        "return": ActionRule(moves=((RETURNED, ""),), starts=SENT, refusal=CANNOT),
    }
    """Each action moves the order's items that may make it (each pushed)."""

    def placed(self, store: Seller, order: KitOrder) -> None:
        """The buyer's masked phone, the payment and each item's sales attributes as they
        were at checkout."""
        placed = cast(Order, order)
        placed.phone = "62" + "*" * 7 + str(self.rng.randint(10, 99))
        placed.payment_method = self.rng.choice(PAYMENT_METHODS)
        for item in placed.items:
            sku = store.products[cast(int, item.listing_id)].skus[cast(int, item.variant_id)]
            item.variation = ", ".join(f"{k}:{v}" for k, v in sku.sale_prop.items())

    def notify(self, store: Seller, order: KitOrder) -> None:
        """A new order: each item's message."""
        self._push(store, cast(Order, order), cast(Order, order).items)

    def _push(self, owner: Seller, order: Order, items: Sequence[OrderItem]) -> None:
        """One trade-order message per item whose status changed (push-mechanism guide)."""
        if not owner.push_url:
            return
        now_ms = int(self.clock.now() * 1000)

        def signed(body: bytes) -> dict[str, str]:
            return {"Authorization": push_signature(owner.app_key, owner.app_secret, body)}

        for item in items:
            message = {
                "seller_id": owner.seller_id,
                "message_type": TRADE_ORDER,
                "data": {
                    "order_status": str(item.status),
                    "status_update_time": item.updated,
                    "trade_order_id": str(order.id),
                    "trade_order_line_id": str(item.id),
                },
                "timestamp": now_ms,
                "site": SITE,
            }
            self.push.send_json(owner.push_url, message, signed)


def push_signature(app_key: str, app_secret: str, body: bytes) -> str:
    """The push's Authorization header: HMAC-SHA256(app_secret, app_key + body), hex."""
    return hmac_sha256_hex(app_secret, app_key.encode("utf-8") + body)


class PushSender(RetryingPushQueue):
    """Lazada push (webhook) delivery, signed as in docs/MARKETPLACES.md#lazada-webhooks.

    Lazada pushes to one callback URL per app; the sandbox keeps one per seller (a store's
    URL). Lazada retries a failed push every 30 minutes, 12 times; the sandbox retries a
    few times at once, then drops it."""

    platform = "lazada"

    def accepts(self, status: int) -> bool:
        return status == 200  # "ack with Http status code 200"


class BuyerSimulator(StoreBuyers):
    """Random checkouts on in-stock SKUs, and life after checkout: each tick pays an unpaid
    order, cancels a pending one, hands a ready-to-ship parcel to the courier (shipped) or
    delivers a shipped one. An order's items move one by one: it stands in every status one
    of its items is in, and a move takes its items in that status."""

    _sandbox: LazadaSandbox
    platform = "lazada"
    moves = (
        (UNPAID, PENDING, "pay_rate", "buyer"),
        (PENDING, CANCELED, "cancel_rate", "buyer"),
        (READY_TO_SHIP, SHIPPED, "progress_rate", "system"),
        (SHIPPED, DELIVERED, "progress_rate", "system"),
    )

    def _move(self, shop: Seller, order: KitOrder, source: Status, target: Status, by: str) -> None:
        items = [i for i in cast(Order, order).items if i.status == source]
        moved = self._sandbox.move_lines_in(shop, order, items, target)
        if target == CANCELED:
            for item in moved:
                item.cancel_return_initiator = "buyer-cancel"


class LazadaControl(StoreSurface[Seller]):
    """Stores are the Lapak store names the sandbox was built with. A listing's `variant_id`
    is its SkuId for a product with variants and "" for a product with one SKU and no
    variation, the rule the connector applies (connectors/lazada/mapping.py). An order's
    `status` is its items' status when they agree, else their distinct statuses joined
    by ","."""

    sandbox: LazadaSandbox
    platform = "lazada"
    tokens_expire = True
    sample_category = SAMPLE_CATEGORY
    removed_status = DELETED
    """RemoveProduct: the product's status becomes Deleted."""
    numeric_order_ids = True

    def _order(self, store: str, external_id: str) -> tuple[Seller, Order]:
        seller = self._store(store)
        return seller, cast(Order, self.sandbox.order_in(seller, self.order_id(external_id)))

    def order(self, store: str, external_id: str) -> SandboxOrder:
        with self.sandbox.lock:
            _, order = self._order(store, external_id)
            lines: dict[str, int] = {}
            for item in order.items:
                lines[item.sku] = lines.get(item.sku, 0) + 1
            tracking = next((i.tracking_code for i in order.items if i.tracking_code), None)
            return SandboxOrder(
                external_id=str(order.id),
                status=",".join(map(str, order.statuses)),
                tracking_number=tracking,
                lines=tuple(lines.items()),
            )
