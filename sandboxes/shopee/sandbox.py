"""`ShopeeSandbox`: the whole fake Shopee behind one lock, and its Python control surface.

The ASGI app (app.py) serves the wire API from this object; tests, the demo and the
benchmarks drive the same object directly (or through the `/_sandbox/` control API).
Shops are keyed by shop_id. Every public method takes the lock, so it is safe from any
thread.
"""

from __future__ import annotations

import hashlib
import itertools
import string
import time
from collections.abc import Mapping, Sequence
from typing import Any

from lapak.sandboxes.kit.buyers import StoreBuyers
from lapak.sandboxes.kit.catalog import Catalog, Listing, Variant
from lapak.sandboxes.kit.control import ListingSpec
from lapak.sandboxes.kit.orders import Order, OrderBook, fresh, random_text
from lapak.sandboxes.kit.ratelimit import TokenBuckets
from lapak.sandboxes.kit.stores import StoreSandbox
from lapak.sandboxes.kit.tokens import TokenStore
from lapak.sandboxes.shopee.api_auth import POLICY, token_maker
from lapak.sandboxes.shopee.push import PushSender, order_status_payload
from lapak.sandboxes.shopee.state import DAYS_TO_SHIP, RULES, Shop
from lapak.sandboxes.shopee.wire import server_error, throttled


class BuyerSimulator(StoreBuyers):
    """Pays unpaid orders, cancels ready ones, and the courier ships and delivers."""

    platform = "shopee"
    moves = (
        ("UNPAID", "READY_TO_SHIP", "pay_rate", "buyer"),
        ("READY_TO_SHIP", "CANCELLED", "cancel_rate", "buyer"),
        ("PROCESSED", "SHIPPED", "progress_rate", "system"),
        ("SHIPPED", "COMPLETED", "progress_rate", "system"),
    )


def _shop_id_for(name: str) -> int:
    """A shop id for a shop given by name only (a config of app keys: the id comes with
    the seller's authorization), the same for the same name."""
    digest = int(hashlib.sha256(f"shopee/{name}".encode()).hexdigest()[:8], 16)
    return 10_000_000 + digest % 90_000_000


class ShopeeSandbox(StoreSandbox[Shop]):
    """Shops (from store configs: name, partner_id, partner_key, shop_id, refresh_token),
    by shop_id (an int, or its digits)."""

    numeric_keys = True

    def __init__(self, shops: Sequence[Mapping[str, Any]], *, seed: int = 0) -> None:
        super().__init__(seed=seed, error_response=server_error, throttle_response=throttled)
        self.tokens: TokenStore[int] = TokenStore(self.clock, POLICY, token_maker(self.rng))
        self.stores: dict[int, Shop] = {}
        self.partners: dict[int, str] = {}
        self.images: dict[str, bytes] = {}
        # Per shop: Shopee publishes no limit (UNCONFIRMED: 10/s, bursts of 20). Over it:
        # error_too_many_request (wire).
        self.limiter: TokenBuckets = TokenBuckets(10.0, 20, self.clock.now)
        self.push: PushSender = PushSender()
        self.buyers: BuyerSimulator = BuyerSimulator(self, seed=seed)
        self.new_item_id = itertools.count(100_001).__next__
        self.new_model_id = itertools.count(2_000_001).__next__
        self.new_line_id = itertools.count(1).__next__
        for spec in shops:
            self._add_shop(spec)

    def _add_shop(self, spec: Mapping[str, Any]) -> None:
        try:
            key, name = str(spec["partner_key"]), str(spec["name"])
            partner_id = int(spec["partner_id"])
            shop_id = int(spec.get("shop_id") or _shop_id_for(name))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"sandbox shop {dict(spec).get('name', '?')!r}: {exc!r}") from exc
        if self.partners.get(partner_id, key) != key:
            raise ValueError(f"sandbox shop {name!r}: partner {partner_id} has two partner_keys")
        self.partners[partner_id] = key
        catalog = Catalog(selling={"NORMAL"})
        self.stores[shop_id] = Shop(
            name=name,
            catalog=catalog,
            book=OrderBook(catalog, RULES),
            partner_id=partner_id,
            partner_key=key,
            shop_id=shop_id,
        )
        if spec.get("refresh_token"):
            self.tokens.add_refresh_token(shop_id, str(spec["refresh_token"]))

    # --- the kit's hooks (lock held) ----------------------------------------------------

    def new_order_id(self, store: Shop) -> str:
        """Shopee-like order_sn: YYMMDD of the order date + 8 upper-case letters/digits."""
        day = time.strftime("%y%m%d", time.gmtime(self.clock.now()))
        alphabet = string.ascii_uppercase + string.digits
        return fresh(lambda: day + random_text(self.rng, alphabet, 8), store.orders)

    def placed(self, store: Shop, order: Order) -> None:
        order.fields["buyer_user_id"] = self.rng.randint(10_000_000, 99_999_999)
        for line in order.lines:
            item = store.catalog.listings[line.listing_id]
            line.fields.update(item_sku=item.sku, weight=item.fields["weight"])

    def notify(self, store: Shop, order: Order) -> None:
        if store.push_url:
            payload = order_status_payload(
                store.shop_id, str(order.id), str(order.status), order.updated
            )
            self.push.send(store.push_url, store.partner_key, payload)

    def new_listing(self, store: Shop, spec: ListingSpec) -> Listing:
        """`variants` (model_sku, option name, price, stock) become one tier "Variant"
        (and the item-level `stock` is then 0, as Shopee keeps stock on models)."""
        now = self.clock.now_s()
        item = Listing(
            id=self.new_item_id(),
            sku=spec.sku,
            name=spec.name,
            price=int(spec.price),
            stock=0 if spec.variants else int(spec.stock),
            status="NORMAL",
            created=now,
            updated=now,
            fields={
                "description": spec.name,
                "category_id": 100001,
                "weight": 0.5,
                "logistic_info": [{"logistic_id": 8003, "enabled": True}],
                "brand": {"brand_id": 0, "original_brand_name": ""},
                "dimension": None,
                "condition": "NEW",
                "tier_variation": [],
            },
        )
        if spec.variants:
            options = [{"option": option} for _, option, _, _ in spec.variants]
            item.fields["tier_variation"] = [{"name": "Variant", "option_list": options}]
        for index, (model_sku, option, model_price, model_stock) in enumerate(spec.variants):
            model_id = self.new_model_id()
            fields = {"tier_index": [index]}
            model = Variant(model_id, model_sku, model_price, model_stock, [option], fields)
            item.variants[model_id] = model
        return item

    # --- Shopee's own controls ------------------------------------------------------------

    def shop_list(self) -> list[dict[str, Any]]:
        with self.lock:
            return [
                {
                    "name": s.name,
                    "partner_id": s.partner_id,
                    "shop_id": s.shop_id,
                    "callback_url": s.push_url,
                    "items": len(s.catalog.listings),
                    "orders": len(s.orders),
                }
                for s in self.stores.values()
            ]

    def token_owner(self, store: Shop) -> int:
        return store.shop_id

    def set_push_config(self, shop_id: int, callback_url: str | None) -> None:
        self.set_push_url(shop_id, callback_url)

    def create_item(self, shop_id: int, *, status: str = "NORMAL", **listing: Any) -> int:
        """A seller's own listing (`add_listing`'s sku, name, price, stock, variants)."""
        with self.lock:
            item_id = self.add_listing(shop_id, **listing)
            self.store(shop_id).catalog.listings[item_id].status = status
            return int(item_id)

    def items(self, shop_id: int) -> list[dict[str, Any]]:
        with self.lock:
            return [_item_view(item) for item in self.store(shop_id).catalog.listings.values()]

    def set_stock(self, shop_id: int, item_id: int, model_id: int, stock: int) -> None:
        """A seller's hand edit in Seller Centre (absolute stock)."""
        with self.lock:
            unit = self.store(shop_id).catalog.unit(int(item_id), int(model_id) or None)
            if unit is None:
                raise LookupError(f"no item {item_id} (model {model_id}) on shop {shop_id}")
            unit.stock = int(stock)
            unit.listing.updated = self.clock.now_s()

    def orders(self, shop_id: int) -> list[dict[str, Any]]:
        with self.lock:
            return [order_view(order) for order in self.store(shop_id).orders.values()]

    def order(self, shop_id: int, order_sn: str) -> dict[str, Any]:
        with self.lock:
            return order_view(self.order_in(self.store(shop_id), order_sn))


def _item_view(item: Listing) -> dict[str, Any]:
    return {
        "item_id": item.id,
        "item_sku": item.sku,
        "item_name": item.name,
        "status": item.status,
        "price": item.price,
        "stock": item.stock,
        "has_model": item.has_variants,
        "image_ids": list(item.images),
        "update_time": item.updated,
        "models": [
            {
                "model_id": m.id,
                "model_sku": m.sku,
                "option": ",".join(m.options),
                "price": m.price,
                "stock": m.stock,
            }
            for m in item.variants.values()
        ],
    }


def order_view(order: Order) -> dict[str, Any]:
    return {
        "order_sn": order.id,
        "status": order.status,
        "create_time": order.created,
        "update_time": order.updated,
        "pay_time": order.paid_at,
        "ship_by_date": ship_by_date(order),
        "tracking_number": order.tracking_number,
        "total_amount": order.total,
        "buyer_username": order.buyer.username,
        "lines": [
            {
                "sku": line.sku,
                "item_id": line.listing_id,
                "model_id": line.variant_id or 0,
                "quantity": line.quantity,
                "price": line.price,
            }
            for line in order.lines
        ],
    }


def ship_by_date(order: Order) -> int:
    return order.created + DAYS_TO_SHIP * 86400
