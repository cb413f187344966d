"""BRIN indexes by time on the inbox and idempotency keys, for retention (shared/retention.py)

Revision ID: 7a1e0c4b9d23
Revises: 5407cd18efdc
Create Date: 2026-12-02 11:15:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "7a1e0c4b9d23"
down_revision: str | None = "5407cd18efdc"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_inbox_processed_at", "inbox", ["processed_at"], postgresql_using="brin")
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"], postgresql_using="brin")


def downgrade() -> None:
    op.drop_index("ix_idempotency_keys_created_at", table_name="idempotency_keys")
    op.drop_index("ix_inbox_processed_at", table_name="inbox")
