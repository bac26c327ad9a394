"""reserved units: each product's active reservations kept as a count

Revision ID: 0007
Revises: 0006

Summing a product's active reservations on every intake batch grew with the open orders;
`products.reserved` is kept by `sync.reservations` instead and filled here from the
reservations already stored.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "products", sa.Column("reserved", sa.Integer(), nullable=False, server_default="0")
    )
    op.execute(
        "UPDATE products SET reserved = COALESCE((SELECT SUM(r.quantity) FROM reservations r"
        " WHERE r.product_id = products.id AND r.state = 'active'), 0)"
    )


def downgrade() -> None:
    op.drop_column("products", "reserved")  # SQLite 3.35+: ALTER TABLE ... DROP COLUMN
