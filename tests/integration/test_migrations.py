"""Each service's Alembic history builds exactly the tables its code declares.

The test databases are made by running every migration to head (``prepare_database``); here the
result is compared with the service's tables and the kernel's, as ``alembic revision
--autogenerate`` would. A model changed without a migration, or a migration that drifted from
its model, shows up as a difference.
"""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from shared import registry
from shared.db import create_engine, kernel_metadata


def differences(connection: Connection, metadata: MetaData) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "target_metadata": [kernel_metadata, metadata]}
    )
    return list(compare_metadata(context, context.opts["target_metadata"]))


@pytest.mark.parametrize("service", registry.names())
async def test_the_migrated_database_matches_the_services_tables(settings_for_test, service: str):
    metadata = registry.definition(service).metadata
    engine = create_engine(settings_for_test(service).db_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            found = await connection.run_sync(differences, metadata)
    finally:
        await engine.dispose()
    assert found == [], (
        f'{service}: its migrations and its tables differ; add one: uv run python -m shared.makemigration {service} "<what changed>"'
    )
