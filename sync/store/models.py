"""The database: the one truth every job reads (docs/rules.md, rule 1).

Tables mirror the domain: merchants own products and stores; a listing binds one product
(SKU) to one store and carries the desired and the last-confirmed state, whose difference
makes it dirty; orders are unique per (store, external id); reservations are unique per
order line, which makes reserving idempotent.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

Money = Numeric(14, 2)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: Lapak stores UTC-aware times only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), Decimal: Money, dict[str, Any]: JSON}


class Merchant(Base):
    __tablename__ = "merchants"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)


class Store(Base):
    """A store account on a marketplace, as declared in the config (secrets stay in env)."""

    __tablename__ = "stores"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    platform: Mapped[str] = mapped_column(String(40))
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    stock_buffer: Mapped[int] = mapped_column(Integer, default=0)
    stock_allocation: Mapped[int | None] = mapped_column(Integer)
    markup_percent: Mapped[Decimal] = mapped_column(Numeric(7, 3), default=Decimal(0))
    round_to: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal(1))
    connected_at: Mapped[datetime] = mapped_column(default=utcnow)
    """When Lapak first took the store over: orders finished before it touch no stock."""
    scanned_at: Mapped[datetime | None]
    """When the store's existing listings were last scanned for adoption by SKU."""
    push_requested_at: Mapped[datetime | None]
    """Set when a push job is enqueued, cleared when one starts: coalesces push requests."""
    push_requested_by: Mapped[str | None] = mapped_column(String(64))
    """The process that set `push_requested_at` (`sync.dispatch.ORIGIN`): an embedded
    `lapak run` takes over the requests of other processes, whose broker it cannot see."""
    webhooks_requested_at: Mapped[datetime | None]
    """Set when a `process_webhooks` job is enqueued, cleared when one takes the store's
    deliveries: coalesces the job requests of a flash sale's deliveries."""
    retry_push_at: Mapped[datetime | None]
    """When the one delayed push for this store's earliest per-item retry is due."""
    last_push_at: Mapped[datetime | None]
    last_pull_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]
    stray_listings: Mapped[str] = mapped_column(String(10), default="zero")
    """What a read-back does with a stray listing it finds: "zero" its stock, or "report"."""


class Product(Base):
    """A catalog SKU of a merchant: the master of content, price and on-hand stock."""

    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("merchant_id", "sku"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    sku: Mapped[str] = mapped_column(String(64))
    group_sku: Mapped[str] = mapped_column(String(64))
    """Variants of one marketplace item share a group; a single product's group is its SKU."""
    variant_name: Mapped[str | None] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    price: Mapped[Decimal]
    weight_grams: Mapped[int] = mapped_column(Integer)
    image_urls: Mapped[list[str]] = mapped_column(JSON, default=list)
    categories: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """Per-platform category id, e.g. {"shopee": "100644"}."""
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    reserved: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Units its active reservations hold: kept by `sync.reservations`, the one writer of
    reservations, in the transaction that moves them (docs/stock.md, "Reserved units")."""
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Listing(Base):
    """One SKU on one store: binding (external ids), desired vs confirmed state, failures."""

    __tablename__ = "listings"
    __table_args__ = (
        UniqueConstraint("store_id", "product_id"),
        Index("ix_listings_store_dirty", "store_id", "dirty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    item_id: Mapped[str | None] = mapped_column(String(64))
    variant_id: Mapped[str] = mapped_column(String(64), default="")
    desired_stock: Mapped[int] = mapped_column(Integer, default=0)
    desired_price: Mapped[Decimal]
    desired_hash: Mapped[str] = mapped_column(String(32))
    confirmed_stock: Mapped[int | None] = mapped_column(Integer)
    confirmed_price: Mapped[Decimal | None]
    confirmed_hash: Mapped[str | None] = mapped_column(String(32))
    dirty: Mapped[bool] = mapped_column(Boolean, default=True)
    """desired != confirmed; kept in step by `sync.listings` on every write."""
    failed: Mapped[bool] = mapped_column(Boolean, default=False)
    """A permanent failure: not pushed again until the desired state changes or an operator
    retries it."""
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]
    last_pushed_at: Mapped[datetime | None]
    create_started_at: Mapped[datetime | None]
    """Set before asking the store to create the listing: if the worker dies before the
    answer is stored, the next push adopts what was created instead of creating it twice."""
    stock_recheck: Mapped[bool] = mapped_column(Boolean, default=False)
    """The marketplace may have moved this listing's stock itself (an order event on its
    store, a read-back that disagreed): the next push reads it before writing over it."""
    held_stock: Mapped[int | None] = mapped_column(Integer)
    held_since: Mapped[datetime | None]
    """An increase held back: the marketplace showed `held_stock`, below what Lapak last
    confirmed, at `held_since` — a sale Lapak may not have taken in yet. Released once the
    store's orders are pulled past that moment (docs/stock.md)."""
    retry_at: Mapped[datetime | None]
    retry_attempts: Mapped[int] = mapped_column(Integer, default=0)
    """A transient per-item failure (an image that cannot be downloaded yet, a 5xx on its
    row) is retried alone, not before `retry_at`, with exponential backoff by
    `retry_attempts` (`sync.retry_backoff`); both are reset when the desired state changes
    or a push succeeds."""

    product: Mapped[Product] = relationship(lazy="joined", innerjoin=True)


class Order(Base):
    """An order of any store in the unified queue, unique per (store, external id)."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("store_id", "external_id"),
        Index("ix_orders_status_ship_by", "status", "ship_by"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    external_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    buyer_name: Mapped[str] = mapped_column(String(120), default="")
    buyer_city: Mapped[str] = mapped_column(String(120), default="")
    currency: Mapped[str] = mapped_column(String(8))
    total: Mapped[Decimal]
    ship_by: Mapped[datetime | None]
    remote_created_at: Mapped[datetime]
    remote_updated_at: Mapped[datetime]
    raw: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ingested_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    counts_stock: Mapped[bool] = mapped_column(Boolean, default=True)
    """False for an order that was finished before Lapak took the store over."""
    unmapped_skus: Mapped[list[str]] = mapped_column(JSON, default=list)
    """Order lines whose SKU is not in the catalog: nothing reserved, shown to operators."""
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claim_expires_at: Mapped[datetime | None]
    packed_at: Mapped[datetime | None]
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    ship_state: Mapped[str] = mapped_column(String(12), default="none")
    """none → requested (reseller shipped it) → confirmed (marketplace accepted) | failed."""
    ship_error: Mapped[str | None] = mapped_column(Text)
    ship_job_at: Mapped[datetime | None]
    """When a `ship_order` job last took a requested shipment up (sent, started, or failed
    with its retry on the way): the reconciler sends another only once this is stale."""
    shipped_by: Mapped[str | None] = mapped_column(String(120))
    oversold_units: Mapped[int] = mapped_column(Integer, default=0)
    """Units this order took beyond what was available when it reached Lapak (a last-unit
    race between stores): shown to its reseller and to operators."""

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.id", cascade="all, delete-orphan"
    )
    store: Mapped[Store] = relationship(lazy="joined", innerjoin=True)


class OrderLine(Base):
    __tablename__ = "order_lines"
    __table_args__ = (UniqueConstraint("order_id", "line_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    line_key: Mapped[str] = mapped_column(String(64))
    sku: Mapped[str] = mapped_column(String(64))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    name: Mapped[str] = mapped_column(String(255), default="")
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal]

    order: Mapped[Order] = relationship(back_populates="lines")


class Reservation(Base):
    """Stock held for one order line: active → released (cancelled) | deducted (shipped)."""

    __tablename__ = "reservations"
    __table_args__ = (Index("ix_reservations_product_state", "product_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10), default="active")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PullCursor(Base):
    """How far a store's orders have been pulled; the next pull starts an overlap earlier."""

    __tablename__ = "pull_cursors"

    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    pulled_until: Mapped[datetime]


class Token(Base):
    """A store's current tokens. Never logged; rotated refresh tokens replace the old."""

    __tablename__ = "tokens"

    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime]
    refresh_expires_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class StoreGrant(Base):
    """What a seller's authorization gave for a store beyond its tokens (sync.connections).

    `identity` is JSON of the ids the platform named (shop id, seller id, cipher, domain);
    `secrets` is sealed JSON of lasting keys it handed over (never logged)."""

    __tablename__ = "store_grants"

    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    identity: Mapped[str] = mapped_column(Text, default="{}")
    secrets: Mapped[str] = mapped_column(Text, default="")
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConnectRequest(Base):
    """An authorization link handed out: its `state`, kept as a digest, is good once."""

    __tablename__ = "connect_requests"

    state_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class WebhookRecord(Base):
    """A verified webhook body, kept raw until the job it caused has processed it.

    `delivery_id` tells a marketplace's retry of a delivery from a new event: the platform's
    own delivery id when it gives one, else a digest of the raw body (a retry repeats the
    bytes). One store never records the same delivery twice."""

    __tablename__ = "webhook_events"
    __table_args__ = (
        UniqueConstraint("store_id", "delivery_id", name="uq_webhook_events_store_delivery"),
        # the deliveries still to process, a handful among a store's thousands: what every
        # webhook job and the reconciler look up (`sync.webhooks`)
        Index(
            "ix_webhook_events_pending",
            "store_id",
            "claimed_by",
            postgresql_where=text("processed_at IS NULL AND error IS NULL"),
            sqlite_where=text("processed_at IS NULL AND error IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    topic: Mapped[str] = mapped_column(String(60))
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivery_id: Mapped[str | None] = mapped_column(String(128))
    sent_at: Mapped[datetime | None]
    """When the marketplace says it sent the event (None when its payload does not say)."""
    processed_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    claimed_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    """The `process_webhooks` job (its message id) working on it, until `claimed_until`."""


class JobEvent(Base):
    """One finished (or failed) attempt of a job, for operators."""

    __tablename__ = "job_events"
    __table_args__ = (Index("ix_job_events_store_at", "store_id", "at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(40))
    message_id: Mapped[str | None] = mapped_column(String(64))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    outcome: Mapped[str] = mapped_column(String(20))
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    duration_ms: Mapped[float] = mapped_column(Numeric(12, 1), default=0)
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)


class StrayListing(Base):
    """A listing on a store that carries a catalog SKU but is not the one Lapak bound (a
    duplicate made by hand or by a past fault): it would sell stock Lapak does not count.
    Found by the read-back's scan, shown to operators, its stock set to 0 unless the store
    says "report"."""

    __tablename__ = "stray_listings"
    __table_args__ = (UniqueConstraint("store_id", "item_id", "variant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    sku: Mapped[str] = mapped_column(String(64))
    item_id: Mapped[str] = mapped_column(String(64))
    variant_id: Mapped[str] = mapped_column(String(64), default="")
    stock_seen: Mapped[int] = mapped_column(Integer)
    """The stock the last scan saw on it."""
    found_at: Mapped[datetime] = mapped_column(default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    """The last scan that still found it; a stray gone from the store is no longer seen."""
    action: Mapped[str] = mapped_column(String(10))
    """"zeroed" (its stock was set to 0), "reported" (left as it is), or "failed"."""
    zeroed_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)


class DeadLetter(Base):
    """A message that exhausted its retries; `lapak jobs retry` sends it again."""

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    queue: Mapped[str] = mapped_column(String(60))
    actor: Mapped[str] = mapped_column(String(60))
    args: Mapped[list[Any]] = mapped_column(JSON, default=list)
    kwargs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    retried_at: Mapped[datetime | None]
