"""The migrations build the schema the models declare, on SQLite and on PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from lapak.sync.store.db import Database
from lapak.sync.store.models import Base
from sqlalchemy import inspect


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
