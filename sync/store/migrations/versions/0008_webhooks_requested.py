"""webhooks requested: coalesce the `process_webhooks` job requests of a store

Revision ID: 0008
Revises: 0007

`stores.webhooks_requested_at` is set by the first stored delivery that asks for a job and
cleared by the job that takes the store's deliveries (`sync.dispatch.ask_for_webhooks_job`).
"""

import lapak.sync.store.models
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "stores",
        sa.Column(
            "webhooks_requested_at",
            lapak.sync.store.models.UTCDateTime(timezone=True),
            nullable=True,
        ),
    )


def downgrade() -> None:
    op.drop_column("stores", "webhooks_requested_at")  # SQLite 3.35+: ALTER TABLE ... DROP COLUMN
