"""link stored replays (idempotency keys) to their application, so erasure finds them by key

Revision ID: 9b3d5f7a1c02
Revises: 7a1e0c4b9d21
Create Date: 2026-12-02 11:20:00

The keys stored before this revision are linked once here: those posted to an application's own path
by that path, the application drafts (201 from /v1/funds/{fund}/applications) by the id in their body.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9b3d5f7a1c02"
down_revision: str | None = "7a1e0c4b9d21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "application_replays",
        sa.Column("application_id", sa.String(length=36), nullable=False),
        sa.Column("principal", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("application_id", "principal", "key", name=op.f("pk_application_replays")),
    )
    op.execute(
        """
        INSERT INTO application_replays (application_id, principal, key)
        SELECT a.id, k.principal, k.key FROM idempotency_keys k
        JOIN applications a ON a.id = substring(k.path FROM '^/v1/applications/([^/]+)')
        UNION
        SELECT a.id, k.principal, k.key FROM idempotency_keys k
        JOIN applications a ON a.id = convert_from(k.body, 'UTF8')::jsonb ->> 'id'
        WHERE k.path LIKE '/v1/funds/%/applications' AND k.status_code = 201
          AND k.content_type LIKE 'application/json%'
        ON CONFLICT DO NOTHING
        """
    )


def downgrade() -> None:
    op.drop_table("application_replays")
