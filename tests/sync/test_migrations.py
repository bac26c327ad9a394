"""The migrations build the schema the models declare and carry stored data along, on SQLite
and on PostgreSQL."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from lapak.sync.orders import ingest_orders
from lapak.sync.store.db import MIGRATIONS, Database
from lapak.sync.store.models import Base, Product, Store
from lapak.sync.types import OrderStatus
from sqlalchemy import inspect, select

from tests.sync.test_engine import order, setup_shop


def test_the_migrated_schema_is_the_models_schema(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_pending_webhooks_are_found_by_a_partial_index(db: Database) -> None:
    """Webhook jobs look up a store's deliveries still to process among all it ever got."""
    indexes = {ix["name"]: ix for ix in inspect(db.engine).get_indexes("webhook_events")}
    pending = indexes["ix_webhook_events_pending"]
    assert pending["column_names"] == ["store_id", "claimed_by"]
    where = pending.get("dialect_options", {})
    assert "processed_at IS NULL" in str(where.get("postgresql_where") or where.get("sqlite_where"))


def test_the_reserved_count_is_filled_from_the_reservations_already_stored(db: Database) -> None:
    """0007 adds `products.reserved` and fills it from the active reservations of a database
    that was taking orders before it."""
    stores = setup_shop(db, products=2)
    with db.session() as session:
        store = session.get_one(Store, stores["a"])
        ingest_orders(
            session,
            store,
            [
                order("O1", "SKU-0", 2, OrderStatus.READY_TO_SHIP),
                order("O2", "SKU-0", 3, OrderStatus.READY_TO_SHIP),
                order("O3", "SKU-1", 1, OrderStatus.CANCELLED),
            ],
        )
    _migrate(db, "downgrade", "0006")
    _migrate(db, "upgrade", "head")
    with db.session() as session:
        kept = dict(session.execute(select(Product.sku, Product.reserved)).all())
    assert kept == {"SKU-0": 5, "SKU-1": 0}


def _migrate(db: Database, direction: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, direction)(config, revision)
