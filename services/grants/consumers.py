"""What grants consumes: the wards service's events, into grants' ward directory.

The ward directory is grants' own copy of the wards (``DirectoryWard``, table ``known_wards``),
used to check the wards an application benefits; grants never reads the wards database.
"""

from __future__ import annotations

from shared.events import EventMeta
from shared.events.catalogue.wards import WardRegistered
from shared.messaging.consumer import Consumer
from shared.unit_of_work import UnitOfWork

# Every ward event runs it, straight on the driver: SQLAlchemy's work per statement cost more than
# the statement.
_UPSERT_WARD = """
    INSERT INTO known_wards (gss_code, name, local_authority_gss, boundary_set) VALUES ($1, $2, $3, $4)
    ON CONFLICT (gss_code) DO UPDATE
        SET name = EXCLUDED.name, local_authority_gss = EXCLUDED.local_authority_gss,
            boundary_set = EXCLUDED.boundary_set
"""


async def record_directory_ward(ward: WardRegistered, meta: EventMeta, uow: UnitOfWork) -> None:
    """Keep a ward in the ward directory as the wards service last published it (latest wins)."""
    db = await uow.driver()
    await db.execute(_UPSERT_WARD, ward.gss_code, ward.name, ward.local_authority_gss, ward.boundary_set)


ward_directory = Consumer(
    "grants.ward-directory",
    record_directory_ward,
    description="The ward directory: grants' own copy of the ward list, used to check the wards an application benefits.",
)
