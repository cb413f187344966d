from alembic import context

from services.notifications.tables import metadata
from shared.migrations import run_migrations

run_migrations(metadata, context.config.get_main_option("sqlalchemy.url") or "")
