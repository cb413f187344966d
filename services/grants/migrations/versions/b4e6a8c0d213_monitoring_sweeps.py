"""monitoring sweeps and tranches by payment time: the monitoring clock's work is what is due

Revision ID: b4e6a8c0d213
Revises: 9b3d5f7a1c02
Create Date: 2026-12-02 11:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b4e6a8c0d213"
down_revision: str | None = "9b3d5f7a1c02"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "monitoring_sweeps",
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("financial_year", sa.String(length=7), nullable=False),
        sa.Column("swept_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", "financial_year", name=op.f("pk_monitoring_sweeps")),
    )
    op.create_index(
        "ix_tranches_paid_at", "tranches", ["paid_at"], postgresql_where=sa.text("paid_at IS NOT NULL")
    )


def downgrade() -> None:
    op.drop_index("ix_tranches_paid_at", table_name="tranches")
    op.drop_table("monitoring_sweeps")
