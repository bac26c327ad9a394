"""push retries: per-item backoff and push requests taken over across processes

Revision ID: 0005
Revises: 0004
"""

import lapak.sync.store.models
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stores", schema=None) as batch_op:
        batch_op.add_column(sa.Column("push_requested_by", sa.String(64), nullable=True))
        batch_op.add_column(
            sa.Column(
                "retry_push_at", lapak.sync.store.models.UTCDateTime(timezone=True), nullable=True
            )
        )
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("retry_at", lapak.sync.store.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("retry_attempts", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.drop_column("retry_attempts")
        batch_op.drop_column("retry_at")
    with op.batch_alter_table("stores", schema=None) as batch_op:
        batch_op.drop_column("retry_push_at")
        batch_op.drop_column("push_requested_by")
