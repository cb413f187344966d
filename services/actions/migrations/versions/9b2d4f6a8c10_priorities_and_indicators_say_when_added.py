"""Priorities and indicators say when they were added, so a report as at a past date leaves out later ones

Revision ID: 9b2d4f6a8c10
Revises: 7a1e0c4b9d22
Create Date: 2026-12-02 12:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9b2d4f6a8c10"
down_revision: str | None = "7a1e0c4b9d22"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rows stored before this have no record of when they were added: they count from now on, which is
    # the most a report can truthfully say of them.
    for table in ("priorities", "indicators"):
        op.add_column(
            table, sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False)
        )


def downgrade() -> None:
    for table in ("indicators", "priorities"):
        op.drop_column(table, "created_at")
