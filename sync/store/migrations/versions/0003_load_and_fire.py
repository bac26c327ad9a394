"""load and fire: create intents, stray listings, stock holds, oversold orders, sealed tokens

The columns and tables that keep Lapak correct under real load and faults (see
docs/correctness.md): every piece adds its own below.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import sync.store.models  # noqa: F401

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
