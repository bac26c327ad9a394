"""webhook delivery id and send time

A marketplace retries a delivery it got no answer for; `delivery_id` (the platform's own id,
else a digest of the raw body) lets the web process tell that retry from a new event, once
per store. `sent_at` keeps the time the platform says it sent the event.

Revision ID: 0002
Revises: 0001
"""

import lapak.sync.store.models
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivery_id", sa.String(length=128), nullable=True))
        batch_op.add_column(
            sa.Column("sent_at", lapak.sync.store.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_unique_constraint(
            "uq_webhook_events_store_delivery", ["store_id", "delivery_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("webhook_events", schema=None) as batch_op:
        batch_op.drop_constraint("uq_webhook_events_store_delivery", type_="unique")
        batch_op.drop_column("sent_at")
        batch_op.drop_column("delivery_id")
