"""The stock locks (`sync.changes.lock_stock_rows`) hold the products against every other
writer until the transaction ends, on PostgreSQL by row locks and on SQLite by the
database's write lock: a reading made after them stays true until the commit."""

from __future__ import annotations

from decimal import Decimal

from lapak.sync.changes import lock_stock_rows
from lapak.sync.setup import StoreSettings, apply_settings
from lapak.sync.store.db import Database
from lapak.sync.store.models import Product, Store
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError


def _product(db: Database) -> int:
    apply_settings(db, ["batik"], [StoreSettings("a", "memory", "batik")])
    with db.session() as session:
        product = Product(
            merchant_id=session.scalar(select(Store.merchant_id)), sku="S1", group_sku="S1",
            name="Batik", description="", price=Decimal(10_000), weight_grams=200,
            image_urls=[], categories={}, on_hand=5,
        )  # fmt: skip
        session.add(product)
        session.flush()
        return product.id


def _another_writer_is_held_off(db: Database, product_id: int) -> bool:
    """Whether a second connection's update of the product waits past 200 ms and is refused."""
    with db.engine.connect() as other:
        other.exec_driver_sql(
            "PRAGMA busy_timeout = 200" if db.is_sqlite else "SET lock_timeout = '200ms'"
        )
        try:
            other.execute(update(Product).where(Product.id == product_id).values(on_hand=7))
            other.commit()
        except OperationalError:
            other.rollback()
            return True
    return False


def test_the_stock_locks_hold_the_products_against_another_writer_until_commit(
    db: Database,
) -> None:
    product_id = _product(db)
    with db.session() as session:
        lock_stock_rows(session, [product_id])
        assert _another_writer_is_held_off(db, product_id)
        on_hand = session.scalar(select(Product.on_hand).where(Product.id == product_id))
    assert on_hand == 5
    assert not _another_writer_is_held_off(db, product_id)
    with db.session() as session:
        assert session.scalar(select(Product.on_hand).where(Product.id == product_id)) == 7
