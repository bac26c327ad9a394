"""The control surface every marketplace sandbox offers, whatever its platform.

A sandbox's `app(shops)` (`sandboxes.registry.Sandbox`) returns an ASGI app whose
`app.state.control` satisfies `SandboxControl`. Stores are named as in Lapak's config (the
`name` of each shop spec), so the conformance suite (`tests/connectors/conformance/`), the
demo and the benchmarks drive any platform's fake the same way: put a seller's own listing
on a store, place and move orders, expire tokens, inject faults, point webhooks somewhere,
count calls.

Platform-specific controls (Shopee's `set_push_config(shop_id, ...)`, say) stay on the
platform's own sandbox object (`app.state.sandbox`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, Literal, Protocol, TypeVar, runtime_checkable

from lapak.sandboxes.kit.faults import FaultSettings

OrderAction = Literal["pay", "cancel", "complete", "return"]
"""What a buyer or the marketplace does to an order after checkout.

`pay` an unpaid order; `cancel` one not yet shipped (stock goes back on the listing);
`complete` a shipped one (delivered); `return` a shipped or completed one (refunded,
stock goes back on the listing)."""


@dataclass(frozen=True, slots=True)
class ListingSpec:
    """A seller's own listing as `SandboxControl.add_listing` is asked for it."""

    sku: str
    name: str
    price: int
    stock: int = 0
    variants: Sequence[tuple[str, str, int, int]] = ()


Key = TypeVar("Key")
ItemId = TypeVar("ItemId")


class ListingMaker(Generic[Key, ItemId]):
    """`add_listing`'s keywords as one `ListingSpec`, made by the class's `create_listing`
    (a store named as in Lapak on a surface, by the sandbox's own key on a sandbox)."""

    def add_listing(
        self,
        store: Key,
        *,
        sku: str,
        name: str,
        price: int,
        stock: int = 0,
        variants: Sequence[tuple[str, str, int, int]] = (),
    ) -> ItemId:
        return self.create_listing(store, ListingSpec(sku, name, price, stock, variants))

    def create_listing(self, store: Key, listing: ListingSpec) -> ItemId:
        """A seller's own listing, made outside Lapak, on the store; its item id."""
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class SandboxListing:
    """One seller SKU as the fake marketplace holds it (a variant is its own row)."""

    sku: str
    item_id: str
    variant_id: str
    name: str
    price: Decimal
    stock: int


@dataclass(frozen=True, slots=True)
class SandboxOrder:
    """An order as the fake marketplace holds it: its own status name and its tracking."""

    external_id: str
    status: str
    tracking_number: str | None
    lines: tuple[tuple[str, int], ...]
    """(sku, quantity) per line."""


@runtime_checkable
class SandboxControl(Protocol):
    platform: str
    tokens_expire: bool
    """False for a platform whose credentials never expire (static keys, offline tokens)."""
    sample_category: str
    """A category id the fake marketplace accepts for new listings (drafts name it)."""

    def now(self) -> float:
        """The sandbox's clock, unix seconds (real time plus what `advance_clock` added)."""
        ...

    def advance_clock(self, seconds: float) -> None: ...

    def add_listing(
        self,
        store: str,
        *,
        sku: str,
        name: str,
        price: int,
        stock: int = 0,
        variants: Sequence[tuple[str, str, int, int]] = (),
    ) -> str:
        """A seller's own listing, made outside Lapak; returns its item id.

        `variants` are (variant sku, option name, price, stock); with variants the item-level
        sku/price/stock are the parent's (platforms that keep them only on variants ignore
        them)."""
        ...

    def listings(self, store: str) -> list[SandboxListing]:
        """Every SKU on the store (a SKU listed twice appears twice)."""
        ...

    def set_stock(self, store: str, sku: str, stock: int) -> None:
        """A seller's hand edit of one SKU's stock in the marketplace's seller centre."""
        ...

    def remove_listing(self, store: str, sku: str) -> None:
        """The seller deletes the item holding this SKU (a bound listing that vanished)."""
        ...

    def place_order(
        self, store: str, lines: Sequence[tuple[str, int]] | None = None, *, paid: bool = True
    ) -> str:
        """A buyer checks out `lines` ((sku, quantity); None: random in-stock units).
        Stock falls at once; raises `LookupError` for an unknown SKU and `ValueError` when
        stock is short. Returns the order's external id (what `Connector.get_orders` takes)."""
        ...

    def change_order(self, store: str, external_id: str, action: OrderAction) -> None: ...

    def order(self, store: str, external_id: str) -> SandboxOrder: ...

    def order_ids(self, store: str) -> list[str]:
        """The external id of every order of the store that the platform shows its seller
        (what Lapak must all hold; Tokopedia shows an order only once it is paid)."""
        ...

    def expire_token(self, store: str) -> None:
        """The store's access tokens die now (the next call is refused, a refresh renews
        them). Where `tokens_expire` is False there is nothing to renew: the credentials are
        revoked instead (an uninstalled app, a deleted API key) and every call is refused."""
        ...

    def set_faults(self, settings: FaultSettings | None = None, **changes: Any) -> FaultSettings:
        """Replace the fault settings (`set_faults()` with nothing clears them)."""
        ...

    def set_rate_limit(self, per_second: float, burst: int | None = None) -> None:
        """The platform's own rate limiting; `per_second=0` lifts it."""
        ...

    def set_webhook_url(self, store: str, url: str | None) -> None:
        """Where the store's order events are pushed (None: nowhere)."""
        ...

    def flush_webhooks(self, timeout: float = 5.0) -> bool:
        """Wait until every queued push was delivered or given up; True if done."""
        ...

    def call_counts(self) -> dict[str, int]:
        """Calls served per API path (every request that reached the API, faulted or not)."""
        ...

    def reset_calls(self) -> None: ...

    def start_buyers(self, orders_per_second: float) -> None: ...

    def stop_buyers(self) -> None: ...

    def close(self) -> None:
        """Stop the buyer simulator and the push sender."""
        ...
