"""`TokopediaSandbox`: the whole fake Tokopedia behind one lock, its stores keyed by
shop_id; `TokopediaControl`: the same behind the uniform `SandboxControl` surface, stores
named as in Lapak, a status Tokopedia's code as text ("220", "500", …).

The ASGI app (app.py) serves the wire API from this object; tests, the demo and the
benchmarks drive the same object directly (or through the `/_sandbox/` control API).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping, Sequence
from typing import Any

from lapak.sandboxes.kit.buyers import StoreBuyers
from lapak.sandboxes.kit.catalog import Listing, Variant
from lapak.sandboxes.kit.control import ListingSpec
from lapak.sandboxes.kit.orders import Order, random_text
from lapak.sandboxes.kit.push import RetryingPushQueue, hmac_sha256_hex
from lapak.sandboxes.kit.stores import ActionRule, StoreSandbox, StoreSurface
from lapak.sandboxes.kit.tokens import Kind, TokenPolicy, TokenStore
from lapak.sandboxes.tokopedia import state
from lapak.sandboxes.tokopedia.api_order import order_notification_payload, order_status_payload
from lapak.sandboxes.tokopedia.state import CATEGORIES, SAMPLE_CATEGORY, SENT, App, Product, Shop
from lapak.sandboxes.tokopedia.wire import EndpointLimiter, server_error, throttled

NOTIFICATION_URL = "order_notification_url"
STATUS_URL = "order_status_url"
HEADER = "Authorization-Hmac"
ACCESS_TTL = 14 * 86400
"""docs/MARKETPLACES.md#tokopedia-tokens: valid two weeks."""
TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
NOT_SENT = "order {id} was not shipped: nothing to {action}"


class BuyerSimulator(StoreBuyers):
    """Buyers pay (100 → 220) or cancel (→ 0); the system delivers (500 → 600) and
    finishes (→ 700); accepting and shipping are Lapak's."""

    platform = "tokopedia"
    moves = (
        (state.PENDING, state.PAID, "pay_rate", "buyer"),
        (state.PAID, state.SELLER_CANCEL, "cancel_rate", "buyer"),
        (state.SHIPPED, state.DELIVERED, "progress_rate", "system"),
        (state.DELIVERED, state.FINISHED, "progress_rate", "system"),
    )


class PushSender(RetryingPushQueue):
    """Webhooks signed as docs/MARKETPLACES.md#tokopedia-webhooks says (retries:
    docs/MARKETPLACES.md#tokopedia-unconfirmed)."""

    platform = "tokopedia"

    def send(self, url: str, webhook_secret: str, payload: dict[str, Any]) -> None:
        self.send_json(url, payload, lambda body: {HEADER: hmac_sha256_hex(webhook_secret, body)})


def roman(number: int) -> str:
    """1..99 in Roman numerals (invoice numbers write the year and month that way)."""
    text = ""
    for value, letters in ((90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V")):
        count, number = divmod(number, value)
        text += letters * count
    return text + ("", "I", "II", "III", "IV")[number]


def invoice_number(now: float, order_id: int) -> str:
    """Tokopedia's invoice number: "INV/20200110/XX/I/502", "INV/20170720/XVII/VII/12472252"
    (fixtures): the date, then the year (of the century) and the month in Roman numerals."""
    moment = time.gmtime(now)
    day = time.strftime("%Y%m%d", moment)
    return f"INV/{day}/{roman(moment.tm_year % 100)}/{roman(moment.tm_mon)}/{order_id}"


class TokopediaSandbox(StoreSandbox[Shop]):
    """Apps and shops from store credentials (name, fs_id, client_id, client_secret,
    shop_id, webhook_secret); shops by shop_id (an int, or its digits)."""

    numeric_keys = True
    order_actions = {
        "pay": ActionRule(
            moves=((state.PAID, "buyer"),),
            starts=frozenset({state.PENDING}),
            refusal="order {id} is not waiting for payment",
        ),
        "cancel": ActionRule(
            moves=((state.SELLER_CANCEL, "buyer"),),
            starts=frozenset(state.RULES.statuses) - SENT - {state.RETURNED},
            refusal="order {id} was shipped: it cannot be cancelled",
        ),
        "complete": ActionRule(
            moves=((state.DELIVERED, "system"), (state.FINISHED, "system")),
            starts=SENT,
            refusal=NOT_SENT,
        ),
        "return": ActionRule(moves=((state.RETURNED, "buyer"),), starts=SENT, refusal=NOT_SENT),
    }

    def __init__(self, shops: Sequence[Mapping[str, Any]], *, seed: int = 0) -> None:
        super().__init__(seed=seed, error_response=server_error, throttle_response=throttled)
        policy = TokenPolicy(access_ttl=ACCESS_TTL, refresh_ttl=ACCESS_TTL, code_ttl=0)
        self.tokens: TokenStore[str] = TokenStore(self.clock, policy, self._new_token)
        self._live_token: dict[str, str] = {}
        self.apps: dict[int, App] = {}
        self.stores: dict[int, Shop] = {}
        self.limiter: EndpointLimiter = EndpointLimiter(self.clock.now)
        self.push: PushSender = PushSender()
        self.buyers = BuyerSimulator(self, seed=seed)
        self._product_ids = itertools.count(15_330_001)
        self._order_ids = itertools.count(43_481_289)
        self.new_line_id = itertools.count(20_274_955).__next__
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
        if shop_id in self.stores:
            raise ValueError(f"sandbox shop {name!r}: shop_id {shop_id} is taken")
        self.stores[shop_id] = Shop.new(name, shop_id, app)

    def app_of_client(self, client_id: str) -> App | None:
        """Lock held."""
        return next((a for a in self.apps.values() if a.client_id == client_id), None)

    # --- tokens (docs/MARKETPLACES.md#tokopedia-tokens) ----------------------------------

    def _new_token(self, kind: Kind) -> str:
        # Tokopedia's tokens look like "c:zowIz-u4R26JRHVFdc72PQ" (guides/rate-limit example)
        return "c:" + random_text(self.rng, TOKEN_ALPHABET, 22)

    def token_for(self, client_id: str) -> tuple[str, float]:
        """The client's live token and its expiry: asked again while it lives, the same one.
        Lock held."""
        token = self._live_token.get(client_id)
        grant = self.tokens.access(token) if token is not None else None
        if token is not None and grant is not None and not self.tokens.expired(grant):
            return token, grant.expires_at
        issued = self.tokens.issue(client_id)
        self._live_token[client_id] = issued.access_token
        return issued.access_token, issued.access_expires_at

    def token_owner(self, store: Shop) -> str:
        """A token belongs to the shop's app (its client_id)."""
        return store.app.client_id

    def set_push_url(self, key: Any, url: str | None) -> None:
        """Register `url` as the app's order_notification_url and order_status_url."""
        with self.lock:
            urls = self.store(key).app.urls
            for kind in (NOTIFICATION_URL, STATUS_URL):
                if url:
                    urls[kind] = url
                else:
                    urls.pop(kind, None)

    # --- catalog ------------------------------------------------------------------------

    def new_product(
        self,
        fields: Mapping[str, Any],
        variants: Sequence[Mapping[str, Any]] = (),
        selection: Sequence[Mapping[str, Any]] = (),
    ) -> Listing:
        """A product (and its variant children) from validated create fields, not yet in a
        catalog. Lock held."""
        now = self.clock.now_s()
        listing = Listing(
            id=next(self._product_ids),
            sku=fields["sku"],
            name=fields["name"],
            price=fields["price"],
            stock=0 if variants else fields["stock"],
            status=state.ACTIVE,
            created=now,
            updated=now,
            images=list(fields["pictures"]),
            fields={key: fields[key] for key in state.SHARED}
            | {"selection": [dict(level) for level in selection]},
        )
        for variant in variants:
            values = [
                selection[level]["options"][index]
                for level, index in enumerate(variant["combination"])
            ]
            option_id = int(values[0].get("unit_value_id") or 0) or next(self._option_ids)
            child = Variant(
                id=next(self._product_ids),
                sku=variant["sku"],
                price=variant["price"],
                stock=variant["stock"],
                options=[str(v["value"]) for v in values],
                fields={"option_id": option_id, "pictures": list(variant.get("pictures") or [])},
            )
            listing.variants[child.id] = child
        return listing

    def new_listing(self, store: Shop, spec: ListingSpec) -> Listing:
        """A seller's own listing, made outside Lapak, in the sample category: `variants`
        are (sku, option, price, stock) under its first variant type."""
        fields = {**state.CONTROL_LISTING, "name": spec.name, "description": spec.name}
        fields |= {"sku": spec.sku, "price": int(spec.price), "stock": int(spec.stock)}
        kind = CATEGORIES[SAMPLE_CATEGORY][1][0]
        options = [{"value": option, "unit_value_id": 0} for _, option, _, _ in spec.variants]
        selection = [{"id": kind.variant_id, "unit_id": 0, "options": options}]
        rows = [
            {"combination": [n], "sku": s, "price": int(p), "stock": int(q)}
            for n, (s, _, p, q) in enumerate(spec.variants)
        ]
        return self.new_product(fields, rows, selection if spec.variants else ())

    def products(self, shop_id: int) -> list[Product]:
        with self.lock:
            return self.store(shop_id).products()

    # --- orders -------------------------------------------------------------------------

    def new_order_id(self, store: Shop) -> int:
        return next(self._order_ids)

    def placed(self, store: Shop, order: Order) -> None:
        """Tokopedia's own order attributes: invoice, buyer and payment ids, the buyer's
        phone, each line's weight (kg) and the status history (status, time, by)."""
        rng, now = self.rng, order.created
        order.fields.update(
            shop_id=store.shop_id,
            invoice=invoice_number(now, int(order.id)),
            buyer_id=rng.randint(5_000_000, 9_999_999),
            payment_id=rng.randint(11_000_000, 19_999_999),
            phone="62812" + random_text(rng, "0123456789", 7),
            history=[(state.PENDING, now, "buyer")],
        )
        if order.paid_at is not None:
            order.fields["history"].append((state.PAID, now, "buyer"))
        for line in order.lines:
            fields = store.catalog.listings[line.listing_id].fields
            weight = fields["weight"]
            line.fields["weight_kg"] = weight / 1000 if fields["weight_unit"] == "GR" else weight

    def change_status_in(self, store: Shop, order: Order, status: Any, *, by: str = "") -> bool:
        """A status change with its side effects (stock back, webhook, history)."""
        changed = super().change_status_in(store, order, status, by=by)
        if changed:
            order.fields["history"].append((status, order.updated, by or "system"))
        return changed

    def order(self, shop_id: int, order_id: int | str) -> Order:
        with self.lock:
            return self.order_in(self.store(shop_id), int(order_id))

    def notify(self, store: Shop, order: Order) -> None:
        """order_notification when an order is paid, order_status on every later change;
        sellers see nothing of an order before payment."""
        if order.paid_at is None:
            return
        app, paid_now = store.app, order.status == state.PAID
        url = app.urls.get(NOTIFICATION_URL if paid_now else STATUS_URL)
        if url:
            payload = order_notification_payload if paid_now else order_status_payload
            self.push.send(url, app.webhook_secret, payload(app.fs_id, order))


def _secret(value: Any) -> str:
    """A secret from a shop spec: plain text or a pydantic SecretStr."""
    reveal = getattr(value, "get_secret_value", None)
    return str(reveal() if callable(reveal) else value)


class TokopediaControl(StoreSurface[Shop]):
    sandbox: TokopediaSandbox
    platform = "tokopedia"
    tokens_expire = True
    sample_category = str(state.SAMPLE_CATEGORY)
    numeric_order_ids = True

    def order_ids(self, store: str) -> list[str]:
        """Orders a seller can see: the FS API shows an order only once it reached payment
        verified (220); an unpaid checkout is the buyer's business until then."""
        with self.sandbox.lock:
            orders = self._store(store).orders
            return [str(order_id) for order_id, o in orders.items() if o.paid_at is not None]
