"""ship jobs: when a job last took a requested shipment up

Revision ID: 0009
Revises: 0008

`orders.ship_job_at` is stamped when a `ship_order` job is sent for a requested shipment
by the reconciler, when a job starts sending it, and when an attempt fails (its retry is
on its way). The reconciler sends a job only for requested shipments with no stamp or a
stale one (`sync.dispatch.request_shipments`).
"""

import lapak.sync.store.models
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "orders",
        sa.Column("ship_job_at", lapak.sync.store.models.UTCDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("orders", "ship_job_at")  # SQLite 3.35+: ALTER TABLE ... DROP COLUMN
