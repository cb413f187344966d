"""Developer tool: ``python -m shared.makemigration <service> "<message>"`` autogenerates a revision.

It migrates a scratch database to head, compares it with the models and
writes the difference as a new revision in ``services/<service>/migrations``.
"""

from __future__ import annotations

import asyncio
import sys

from alembic import command

from shared.migrations import alembic_config, create_database, drop_database, upgrade
from shared.settings import settings_for


def main() -> None:
    service, message = sys.argv[1], sys.argv[2]
    settings = settings_for(service, db_prefix="cohesion_makemigration")
    asyncio.run(drop_database(settings))
    asyncio.run(create_database(settings))
    try:
        upgrade(service, settings)
        command.revision(alembic_config(service, settings), message=message, autogenerate=True)
    finally:
        asyncio.run(drop_database(settings))


if __name__ == "__main__":
    main()
