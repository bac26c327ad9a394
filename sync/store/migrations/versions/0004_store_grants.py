"""store grants: what a seller's authorization gave, and the single-use connect states

Revision ID: 0004
Revises: 0003
"""

import lapak.sync.store.models
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "store_grants",
        sa.Column("store_id", sa.Integer(), sa.ForeignKey("stores.id"), primary_key=True),
        sa.Column("identity", sa.Text(), nullable=False),
        sa.Column("secrets", sa.Text(), nullable=False),
        sa.Column("granted_at", lapak.sync.store.models.UTCDateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "connect_requests",
        sa.Column("state_digest", sa.String(64), primary_key=True),
        sa.Column("store_id", sa.Integer(), sa.ForeignKey("stores.id"), nullable=False),
        sa.Column("created_at", lapak.sync.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", lapak.sync.store.models.UTCDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("connect_requests")
    op.drop_table("store_grants")
