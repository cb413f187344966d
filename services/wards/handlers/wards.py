"""Commands on wards: register a council's wards (new or changed ones published once), publish them
all again for a new subscriber, and find a ward within the council asking."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.wards.domain import UnknownWard, Ward, WardOfAnotherCouncil
from services.wards.tables import wards
from shared.events.catalogue.wards import WardRegistered
from shared.unit_of_work import UnitOfWork

# Every ward of a call in one statement: new codes inserted, changed wards of the same council
# updated. It returns exactly those codes: an unchanged ward, or another council's, comes back absent.
_REGISTER_WARDS = """
    INSERT INTO wards AS w
        (gss_code, name, local_authority_gss, local_authority_name, boundary_set, locality, latitude, longitude)
    SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[], $6::varchar[],
                         $7::float8[], $8::float8[])
    ON CONFLICT (gss_code) DO UPDATE
        SET name = EXCLUDED.name, boundary_set = EXCLUDED.boundary_set, locality = EXCLUDED.locality,
            latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude
        WHERE w.local_authority_gss = EXCLUDED.local_authority_gss
          AND (w.name, w.boundary_set, w.locality, w.latitude, w.longitude) IS DISTINCT FROM
              (EXCLUDED.name, EXCLUDED.boundary_set, EXCLUDED.locality, EXCLUDED.latitude, EXCLUDED.longitude)
    RETURNING gss_code
"""
_OTHER_COUNCILS_CODES = """
    SELECT w.gss_code FROM wards w JOIN unnest($1::varchar[], $2::varchar[]) AS i(gss_code, council) USING (gss_code)
    WHERE w.local_authority_gss <> i.council ORDER BY 1
"""


async def register_wards(uow: UnitOfWork, incoming: Iterable[Ward]) -> list[Ward]:
    """Add new wards and update changed ones; each new or changed ward is published once.

    A code already registered to another council is refused, and the whole call with it:
    a council registers and renames only its own wards. The same code twice in one call
    counts once, as given last.
    """
    wards_by_code = {w.gss_code: w for w in incoming}
    given = list(wards_by_code.values())
    db = await uow.driver()
    changed_codes = {
        row["gss_code"]
        for row in await db.fetch(
            _REGISTER_WARDS,
            [w.gss_code for w in given],
            [w.name for w in given],
            [w.local_authority_gss for w in given],
            [w.local_authority_name for w in given],
            [w.boundary_set for w in given],
            [w.locality for w in given],
            [w.latitude for w in given],
            [w.longitude for w in given],
        )
    }
    unchanged = [w for w in given if w.gss_code not in changed_codes]
    if unchanged:
        taken = [
            row["gss_code"]
            for row in await db.fetch(
                _OTHER_COUNCILS_CODES, [w.gss_code for w in unchanged], [w.local_authority_gss for w in unchanged]
            )
        ]
        if taken:
            raise WardOfAnotherCouncil(
                f"Ward {', '.join(taken)} is registered to another council; a council registers only its own wards.",
                gss_codes=taken,
            )
    changed = [w for w in given if w.gss_code in changed_codes]
    for ward in changed:
        publish(uow, ward)
    uow.audit("wards.register", None, gss_codes=[w.gss_code for w in changed])
    await uow.commit()
    return changed


def publish(uow: UnitOfWork, ward: Ward) -> None:
    """``wards.ward.registered.v1`` for the ward, in the unit's outbox."""
    uow.emit(
        WardRegistered(
            gss_code=ward.gss_code,
            name=ward.name,
            local_authority_gss=ward.local_authority_gss,
            boundary_set=ward.boundary_set,
            locality=ward.locality,
            latitude=ward.latitude,
            longitude=ward.longitude,
        ),
        subject=ward.gss_code,
        council=ward.local_authority_gss,
    )


async def republish_wards(uow: UnitOfWork, council: str) -> int:
    """Publish every ward of a council again, so a new subscriber can build its copy."""
    rows = (await uow.session.scalars(select(Ward).where(wards.c.local_authority_gss == council))).all()
    for ward in rows:
        publish(uow, ward)
    uow.audit("wards.republish", council, count=len(rows))
    await uow.commit()
    return len(rows)


async def ward_of(session: AsyncSession, council: str, gss_code: str) -> Ward:
    """The ward, only within the council asking; another council's ward is as unknown as a missing one."""
    ward = await session.get(Ward, gss_code)
    if ward is None or ward.local_authority_gss != council:
        raise UnknownWard(f"No ward {gss_code} in council {council}.", gss_code=gss_code)
    return ward
