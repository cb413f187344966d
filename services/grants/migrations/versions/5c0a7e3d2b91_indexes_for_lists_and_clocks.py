"""indexes that serve each list's order and the monitoring clock's live grants

Revision ID: 5c0a7e3d2b91
Revises: ca1f3d3f7140
Create Date: 2026-12-02 11:00:00

The single-column indexes on funds.council and applications.fund_id/council/applicant/status are
replaced by composite ones leading with the same column, so writes pay for no more indexes than before
(plus one small partial index of the live grants).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5c0a7e3d2b91"
down_revision: str | None = "ca1f3d3f7140"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = "status IN ('accepted', 'monitoring', 'paid')"


def upgrade() -> None:
    op.create_index("ix_funds_council_created", "funds", ["council", "created_at", "id"])
    op.create_index("ix_applications_fund_created", "applications", ["fund_id", "created_at", "id"])
    op.create_index("ix_applications_council_created", "applications", ["council", "created_at", "id"])
    op.create_index(
        "ix_applications_council_status_created", "applications", ["council", "status", "created_at", "id"]
    )
    op.create_index("ix_applications_applicant_created", "applications", ["applicant", "created_at", "id"])
    op.create_index("ix_applications_live", "applications", ["id"], postgresql_where=LIVE)
    op.drop_index("ix_funds_council", table_name="funds")
    for column in ("fund_id", "council", "applicant", "status"):
        op.drop_index(f"ix_applications_{column}", table_name="applications")


def downgrade() -> None:
    for column in ("fund_id", "council", "applicant", "status"):
        op.create_index(f"ix_applications_{column}", "applications", [column])
    op.create_index("ix_funds_council", "funds", ["council"])
    for name in (
        "ix_applications_live",
        "ix_applications_applicant_created",
        "ix_applications_council_status_created",
        "ix_applications_council_created",
        "ix_applications_fund_created",
    ):
        op.drop_index(name, table_name="applications")
    op.drop_index("ix_funds_council_created", table_name="funds")
