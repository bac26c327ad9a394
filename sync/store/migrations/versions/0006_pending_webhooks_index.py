"""pending webhooks index: the deliveries still to process, by store and claimant

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

PENDING = sa.text("processed_at IS NULL AND error IS NULL")


def upgrade() -> None:
    op.create_index(
        "ix_webhook_events_pending",
        "webhook_events",
        ["store_id", "claimed_by"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )


def downgrade() -> None:
    op.drop_index("ix_webhook_events_pending", table_name="webhook_events")
