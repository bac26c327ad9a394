"""Bringing merchants and stores declared in the config into the database.

The config is declarative; the database is the truth jobs read. Applying the config
creates what is new and updates each store's rules; when a store's rules change (buffer,
allocation, price rule) or a store appears, every listing of its merchant is recomputed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from lapak.sync.changes import products_changed
from lapak.sync.store.db import Database
from lapak.sync.store.models import Merchant, Product, Store
from sqlalchemy import select
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class StoreSettings:
    """The parts of a store's config that the engine needs (no credentials)."""

    name: str
    platform: str
    merchant: str
    stock_buffer: int = 0
    stock_allocation: int | None = None
    markup_percent: Decimal = Decimal(0)
    round_to: Decimal = Decimal(1)
    enabled: bool = True
    stray_listings: str = "zero"


RULES = ("platform", "stock_buffer", "stock_allocation", "markup_percent", "round_to", "enabled")


def apply_settings(
    db: Database, merchants: Sequence[str], stores: Sequence[StoreSettings]
) -> dict[str, int]:
    """Upsert merchants and stores; returns store ids by name. Stores left out are disabled."""
    with db.session() as session:
        merchant_ids = _merchants(session, merchants)
        existing = {store.name: store for store in session.scalars(select(Store))}
        changed_merchants: set[int] = set()
        for settings in stores:
            store = existing.get(settings.name)
            merchant_id = merchant_ids[settings.merchant]
            if store is None:
                store = Store(name=settings.name, merchant_id=merchant_id)
                session.add(store)
                existing[settings.name] = store
                changed_merchants.add(merchant_id)
            elif store.merchant_id != merchant_id:
                raise ValueError(
                    f"store {settings.name!r} belongs to another merchant in the database"
                )
            for rule in RULES:
                value = getattr(settings, rule)
                if getattr(store, rule) != value:
                    setattr(store, rule, value)
                    changed_merchants.add(merchant_id)
            store.stray_listings = settings.stray_listings  # read-back only: no recompute
        declared = {s.name for s in stores}
        for name, store in existing.items():
            if name not in declared and store.enabled:
                store.enabled = False
        session.flush()
        if changed_merchants:
            product_ids = session.scalars(
                select(Product.id).where(Product.merchant_id.in_(changed_merchants))
            ).all()
            products_changed(session, product_ids)
        return {name: store.id for name, store in existing.items()}


def _merchants(session: Session, names: Sequence[str]) -> dict[str, int]:
    found = {m.name: m for m in session.scalars(select(Merchant))}
    for name in names:
        if name not in found:
            found[name] = Merchant(name=name)
            session.add(found[name])
    session.flush()
    return {name: merchant.id for name, merchant in found.items()}
