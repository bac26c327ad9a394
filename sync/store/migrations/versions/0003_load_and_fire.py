"""load and fire: create intents, stray listings, stock holds, oversold orders

The columns and tables that keep Lapak correct under real load and faults: create intents and
stray listings (docs/push.md), held stock increases and oversold orders (docs/stock.md),
webhook deliveries claimed by the job working on them.

Revision ID: 0003
Revises: 0002
"""

import lapak.sync.store.models
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stores", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("stray_listings", sa.String(10), nullable=False, server_default="zero")
        )
    op.create_table(
        "stray_listings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("store_id", sa.Integer(), sa.ForeignKey("stores.id"), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("item_id", sa.String(64), nullable=False),
        sa.Column("variant_id", sa.String(64), nullable=False),
        sa.Column("stock_seen", sa.Integer(), nullable=False),
        sa.Column("found_at", lapak.sync.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("seen_at", lapak.sync.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("zeroed_at", lapak.sync.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.UniqueConstraint("store_id", "item_id", "variant_id"),
    )
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("stock_recheck", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("held_stock", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "held_since", lapak.sync.store.models.UTCDateTime(timezone=True), nullable=True
            )
        )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("oversold_units", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("webhook_events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "claimed_until", lapak.sync.store.models.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("webhook_events", schema=None) as batch_op:
        batch_op.drop_column("claimed_by")
        batch_op.drop_column("claimed_until")
    op.drop_table("stray_listings")
    with op.batch_alter_table("stores", schema=None) as batch_op:
        batch_op.drop_column("stray_listings")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("oversold_units")
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.drop_column("held_since")
        batch_op.drop_column("held_stock")
        batch_op.drop_column("stock_recheck")
