"""Commands on wards: one plain function each; the unit of work arrives as an argument."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import select

from services.wards.domain import Ward
from services.wards.tables import wards
from shared.events.catalogue.wards import WardRegistered
from shared.unit_of_work import UnitOfWork

REFERENCE_WARDS = Path(__file__).parent / "reference" / "rotherham-wards-wd24.csv"


def read_reference_wards(path: Path = REFERENCE_WARDS) -> list[Ward]:
    with path.open(newline="", encoding="utf-8") as f:
        return [
            Ward(
                gss_code=row["gss_code"],
                name=row["name"],
                local_authority_gss=row["local_authority_gss"],
                local_authority_name=row["local_authority_name"],
                boundary_set=row["boundary_set"],
                latitude=float(row["lat"]) if row.get("lat") else None,
                longitude=float(row["lon"]) if row.get("lon") else None,
            )
            for row in csv.DictReader(f)
        ]


async def register_wards(uow: UnitOfWork, incoming: Iterable[Ward]) -> list[Ward]:
    """Add new wards and update changed ones; each new or changed ward is published once."""
    changed: list[Ward] = []
    for ward in incoming:
        existing = await uow.session.get(Ward, ward.gss_code)
        if existing is None:
            uow.session.add(ward)
        elif ward.differs_from(existing):
            existing.name, existing.boundary_set, existing.locality = ward.name, ward.boundary_set, ward.locality
            existing.latitude, existing.longitude = ward.latitude, ward.longitude
        else:
            continue
        changed.append(ward)
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
    uow.audit("wards.register", None, gss_codes=[w.gss_code for w in changed])
    await uow.commit()
    return changed


async def republish_wards(uow: UnitOfWork, council: str) -> int:
    """Publish every ward of a council again, so a new subscriber can build its copy."""
    rows = (await uow.session.scalars(select(Ward).where(wards.c.local_authority_gss == council))).all()
    for ward in rows:
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
            council=council,
        )
    uow.audit("wards.republish", council, count=len(rows))
    await uow.commit()
    return len(rows)
