"""`ShopeeSandbox`: the whole fake Shopee behind one lock, and its Python control surface.

The ASGI app (app.py) serves the wire API from this object; tests, the demo and the
benchmarks drive the same object directly (or through the `/_sandbox/` control API).
Every public method takes the lock, so it is safe from any thread.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from lapak.sandboxes.kit.core import SandboxCore
from lapak.sandboxes.kit.ratelimit import TokenBuckets
from lapak.sandboxes.shopee import orders as order_life
from lapak.sandboxes.shopee.buyers import BuyerSimulator
from lapak.sandboxes.shopee.push import PushSender, order_status_payload
from lapak.sandboxes.shopee.state import Item, Model, Order, Shop
from lapak.sandboxes.shopee.tokens import TokenStore
from lapak.sandboxes.shopee.wire import server_error, throttled

OutOfStockError = order_life.OutOfStockError


class UnknownShopError(LookupError):
    def __init__(self, shop_id: Any):
        super().__init__(f"no shop {shop_id!r} in this sandbox")


class UnknownOrderError(LookupError):
    def __init__(self, shop_id: int, order_sn: str):
        super().__init__(f"no order {order_sn!r} on shop {shop_id}")


def _shop_id_for(name: str) -> int:
    """A shop id for a shop given by name only (a config of app keys: the id comes with
    the seller's authorization), the same for the same name."""
    return 10_000_000 + int(hashlib.sha256(f"shopee/{name}".encode()).hexdigest()[:8], 16) % (
        90_000_000
    )


class ShopeeSandbox(SandboxCore):
    """Shops (from store configs: name, partner_id, partner_key, shop_id, refresh_token)."""

    def __init__(self, shops: Sequence[Mapping[str, Any]], *, seed: int = 0) -> None:
        super().__init__(seed=seed, error_response=server_error, throttle_response=throttled)
        self.tokens = TokenStore(self.clock, self.rng)
        self.shops: dict[int, Shop] = {}
        self.partners: dict[int, str] = {}
        self.images: dict[str, bytes] = {}
        # Per shop: Shopee publishes no limit (UNCONFIRMED: 10/s, bursts of 20). Over it:
        # error_too_many_request (wire).
        self.limiter: TokenBuckets = TokenBuckets(10.0, 20, self.clock.now)
        self.push: PushSender = PushSender()
        self.buyers: BuyerSimulator = BuyerSimulator(self, seed=seed)
        self._item_ids = itertools.count(100_001)
        self._model_ids = itertools.count(2_000_001)
        self._line_ids = itertools.count(1)
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
        self.shops[shop_id] = Shop(
            name=name, partner_id=partner_id, partner_key=key, shop_id=shop_id
        )
        if spec.get("refresh_token"):
            self.tokens.add_refresh_token(shop_id, str(spec["refresh_token"]))

    # --- lookups and ids (callers hold the lock) ---------------------------------------

    def shop(self, shop_id: int | str) -> Shop:
        try:
            return self.shops[int(shop_id)]
        except (KeyError, ValueError):
            raise UnknownShopError(shop_id) from None

    def new_item_id(self) -> int:
        return next(self._item_ids)

    def new_model_id(self) -> int:
        return next(self._model_ids)

    # --- shops, tokens, pushes ---------------------------------------------------------

    def shop_list(self) -> list[dict[str, Any]]:
        with self.lock:
            return [
                {
                    "name": s.name,
                    "partner_id": s.partner_id,
                    "shop_id": s.shop_id,
                    "callback_url": s.callback_url,
                    "items": len(s.items),
                    "orders": len(s.orders),
                }
                for s in self.shops.values()
            ]

    def issue_auth_code(self, shop_id: int) -> str:
        """A one-time code as Shopee's consent redirect gives it (for /api/v2/auth/token/get)."""
        with self.lock:
            return self.tokens.issue_code(self.shop(shop_id).shop_id)

    def add_refresh_token(self, shop_id: int, token: str) -> None:
        with self.lock:
            self.tokens.add_refresh_token(self.shop(shop_id).shop_id, token)

    def expire_token(self, shop_id: int) -> int:
        """The shop's access tokens die now (the next call gets error_auth)."""
        with self.lock:
            return self.tokens.expire_access(self.shop(shop_id).shop_id)

    def set_push_config(self, shop_id: int, callback_url: str | None) -> None:
        with self.lock:
            self.shop(shop_id).callback_url = callback_url or None

    # --- faults, rate limit, call counts -----------------------------------------------

    # --- catalog ------------------------------------------------------------------------

    def create_item(
        self,
        shop_id: int,
        *,
        sku: str,
        name: str,
        price: int,
        stock: int = 0,
        variants: Sequence[tuple[str, str, int, int]] = (),
        status: str = "NORMAL",
    ) -> int:
        """Put a listing on the shop directly (a seller's own, made outside Lapak).

        `variants` are (model_sku, option name, price, stock); they become one tier "Variant"
        (and the item-level `stock` is then ignored, as Shopee keeps stock on models).
        """
        with self.lock:
            shop = self.shop(shop_id)
            now = self.clock.now_s()
            item = Item(
                item_id=self.new_item_id(),
                item_sku=sku,
                item_name=name,
                description=name,
                category_id=100001,
                weight=0.5,
                price=int(price),
                stock=0 if variants else int(stock),
                status=status,
                image_ids=[],
                logistic_info=[{"logistic_id": 8003, "enabled": True}],
                create_time=now,
                update_time=now,
            )
            if variants:
                options = [{"option": option} for _, option, _, _ in variants]
                item.tier_variation = [{"name": "Variant", "option_list": options}]
                for index, (model_sku, _, model_price, model_stock) in enumerate(variants):
                    model = Model(self.new_model_id(), model_sku, [index], model_price, model_stock)
                    item.models[model.model_id] = model
            shop.items[item.item_id] = item
            return item.item_id

    def items(self, shop_id: int) -> list[dict[str, Any]]:
        with self.lock:
            return [_item_view(item) for item in self.shop(shop_id).items.values()]

    def stock_of(self, shop_id: int, sku: str) -> int | None:
        """The stock Shopee holds for a seller SKU (None: no such listing)."""
        with self.lock:
            found = self.shop(shop_id).find_sku(sku)
            if found is None:
                return None
            item, model = found
            return model.stock if model is not None else item.stock

    def set_stock(self, shop_id: int, item_id: int, model_id: int, stock: int) -> None:
        """A seller's hand edit in Seller Centre (absolute stock)."""
        with self.lock:
            item = self.shop(shop_id).items.get(int(item_id))
            if item is None:
                raise LookupError(f"no item {item_id} on shop {shop_id}")
            if model_id:
                if int(model_id) not in item.models:
                    raise LookupError(f"no model {model_id} in item {item_id}")
                item.models[int(model_id)].stock = int(stock)
            else:
                item.stock = int(stock)
            item.update_time = self.clock.now_s()

    # --- orders -------------------------------------------------------------------------

    def place_order(
        self,
        shop_id: int,
        lines: Sequence[tuple[str, int]] | None = None,
        *,
        paid: bool = True,
    ) -> str:
        """A buyer checks out `lines` ((sku, quantity)); None picks random in-stock units.

        Stock goes down at once; raises `OutOfStockError` (nothing changes) when short.
        The order is READY_TO_SHIP when `paid`, else UNPAID. Returns the order_sn.
        """
        with self.lock:
            shop = self.shop(shop_id)
            wanted = list(lines) if lines else order_life.random_lines(shop, self.rng)
            order = order_life.place(
                shop,
                wanted,
                now=self.clock.now_s(),
                rng=self.rng,
                line_ids=self._line_ids,
                paid=paid,
            )
            self._notify(shop, order)
            return order.order_sn

    def order_in(self, shop: Shop, order_sn: str) -> Order:
        order = shop.orders.get(order_sn)
        if order is None:
            raise UnknownOrderError(shop.shop_id, order_sn)
        return order

    def set_order_status(self, shop_id: int, order_sn: str, status: str, *, by: str = "") -> dict:
        """Move an order (Shopee status name or pay/cancel/ship/complete); pushes if changed."""
        with self.lock:
            shop = self.shop(shop_id)
            order = self.order_in(shop, order_sn)
            self.change_status(shop, order, order_life.resolve_status(status), by=by)
            return _order_view(order)

    def change_status(self, shop: Shop, order: Order, status: str, *, by: str = "") -> bool:
        """Status change with its side effects (stock back on cancel, push); lock held."""
        changed = order_life.change_status(shop, order, status, self.clock.now_s(), by=by)
        if changed:
            self._notify(shop, order)
        return changed

    def orders(self, shop_id: int) -> list[dict[str, Any]]:
        with self.lock:
            return [_order_view(order) for order in self.shop(shop_id).orders.values()]

    def order(self, shop_id: int, order_sn: str) -> dict[str, Any]:
        with self.lock:
            return _order_view(self.order_in(self.shop(shop_id), order_sn))

    def _notify(self, shop: Shop, order: Order) -> None:
        if shop.callback_url:
            payload = order_status_payload(
                shop.shop_id, order.order_sn, order.status, order.update_time
            )
            self.push.send(shop.callback_url, shop.partner_key, payload)


def _item_view(item: Item) -> dict[str, Any]:
    return {
        "item_id": item.item_id,
        "item_sku": item.item_sku,
        "item_name": item.item_name,
        "status": item.status,
        "price": item.price,
        "stock": item.stock,
        "has_model": item.has_model,
        "image_ids": list(item.image_ids),
        "update_time": item.update_time,
        "models": [
            {
                "model_id": m.model_id,
                "model_sku": m.model_sku,
                "option": item.option_name(m),
                "price": m.price,
                "stock": m.stock,
            }
            for m in item.models.values()
        ],
    }


def _order_view(order: Order) -> dict[str, Any]:
    return {
        "order_sn": order.order_sn,
        "status": order.status,
        "create_time": order.create_time,
        "update_time": order.update_time,
        "pay_time": order.pay_time,
        "ship_by_date": order.ship_by_date,
        "tracking_number": order.tracking_number,
        "total_amount": order.total_amount,
        "buyer_username": order.buyer_username,
        "lines": [
            {
                "sku": line.model_sku or line.item_sku,
                "item_id": line.item_id,
                "model_id": line.model_id,
                "quantity": line.quantity,
                "price": line.price,
            }
            for line in order.lines
        ],
    }
