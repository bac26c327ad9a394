"""`ShopeeSandbox`: the whole fake Shopee behind one lock, its pushes, and `ShopeeControl`.

The ASGI app (app.py) serves the wire API from this object; tests, the demo and the
benchmarks drive the same object directly, through `ShopeeControl` (the kit's
`SandboxControl`, shops named as in Lapak's config) or through the `/_sandbox/` control API.
Shops are keyed by shop_id (an int, or its digits).

Pushes (Shopee push guide): code 3 order-status pushes to a shop's callback URL, header
`Authorization` = lowercase hex HMAC-SHA256(partner_key, callback_url + "|" + raw_body),
body shape from the reference page of v2.push.get_lost_push_message. A failed delivery is
retried a few times (Shopee's real retry schedule is UNCONFIRMED), then dropped.
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
from lapak.sandboxes.kit.push import RetryingPushQueue, hmac_sha256_hex
from lapak.sandboxes.kit.ratelimit import TokenBuckets
from lapak.sandboxes.kit.stores import ActionRule, StoreSandbox, StoreSurface
from lapak.sandboxes.kit.tokens import TokenStore
from lapak.sandboxes.shopee.auth import POLICY, token_maker
from lapak.sandboxes.shopee.state import ALREADY_SHIPPED, RULES, Shop
from lapak.sandboxes.shopee.wire import server_error, throttled

ORDER_STATUS_CODE = 3


def push_signature(partner_key: str, callback_url: str, body: bytes) -> str:
    return hmac_sha256_hex(partner_key, callback_url.encode("utf-8") + b"|" + body)


class PushSender(RetryingPushQueue):
    platform = "shopee"

    def send(self, shop: Shop, order: Order) -> None:
        """The order's status push to the shop's callback URL."""
        url, key = str(shop.push_url), shop.partner_key
        data: dict[str, Any] = {
            "items": [],
            "ordersn": order.id,
            "status": order.status,
            "completed_scenario": "",
            "update_time": order.updated,
        }
        payload = {
            "data": data,
            "shop_id": shop.shop_id,
            "code": ORDER_STATUS_CODE,
            "timestamp": order.updated,
        }
        self.send_json(url, payload, lambda body: {"Authorization": push_signature(key, url, body)})


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
    """Shops from store configs: name, partner_id, partner_key, shop_id, refresh_token."""

    numeric_keys = True
    order_actions = {
        "pay": ActionRule(moves=(("READY_TO_SHIP", ""),)),
        "cancel": ActionRule(moves=(("CANCELLED", ""),)),
        "complete": ActionRule(moves=(("COMPLETED", ""),)),
        "return": ActionRule(
            moves=(("TO_RETURN", ""),),
            starts=ALREADY_SHIPPED,
            refusal="order {id} was not shipped: nothing to return",
        ),
    }

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
            self.push.send(store, order)

    def token_owner(self, store: Shop) -> int:
        return store.shop_id

    def new_listing(self, store: Shop, spec: ListingSpec) -> Listing:
        """`variants` (model_sku, option name, price, stock) become one tier "Variant"
        (and the item-level `stock` is then 0, as Shopee keeps stock on models)."""
        now = self.clock.now_s()
        options = [{"option": option} for _, option, _, _ in spec.variants]
        models = [
            Variant(self.new_model_id(), sku, price, stock, [option], {"tier_index": [index]})
            for index, (sku, option, price, stock) in enumerate(spec.variants)
        ]
        return Listing(
            id=self.new_item_id(),
            sku=spec.sku,
            name=spec.name,
            price=int(spec.price),
            stock=0 if spec.variants else int(spec.stock),
            status="NORMAL",
            created=now,
            updated=now,
            variants={model.id: model for model in models},
            fields={
                "description": spec.name,
                "category_id": 100001,
                "weight": 0.5,
                "logistic_info": [{"logistic_id": 8003, "enabled": True}],
                "brand": {"brand_id": 0, "original_brand_name": ""},
                "dimension": None,
                "condition": "NEW",
                "tier_variation": [{"name": "Variant", "option_list": options}] if options else [],
            },
        )


class ShopeeControl(StoreSurface[Shop]):
    sandbox: ShopeeSandbox
    platform = "shopee"
    tokens_expire = True
    sample_category = "100017"
