"""Commands on place profiles: a ward's demographics and deprivation recorded, its community assets added,
and the grants awarded in it kept current from grants' events (see ``services.wards.consumers``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.wards.domain import CommunityAsset, PlaceProfile, UnknownProfile, WardGrant
from services.wards.handlers.wards import ward_of
from services.wards.tables import community_assets, place_profiles, ward_grants
from shared.events.catalogue import wards as ev
from shared.unit_of_work import UnitOfWork


async def record_place_profile(uow: UnitOfWork, profile: PlaceProfile) -> PlaceProfile:
    """Record or replace a ward's demographics; the profile keeps the boundary set it was made under."""
    ward = await ward_of(uow.session, profile.council, profile.gss_code)
    profile.boundary_set = ward.boundary_set
    values = {
        "council": profile.council,
        "boundary_set": profile.boundary_set,
        "population": profile.population,
        "age_bands": profile.age_bands,
        "imd_rank": profile.imd_rank,
        "imd_decile": profile.imd_decile,
        "imd_edition": profile.imd_edition,
        "summary": profile.summary,
        "updated_by": profile.updated_by,
        "updated_at": profile.updated_at,
    }
    await uow.session.execute(
        insert(place_profiles)
        .values(gss_code=profile.gss_code, **values)
        .on_conflict_do_update(index_elements=["gss_code"], set_=values)
    )
    uow.emit(
        ev.PlaceProfileUpdated(
            gss_code=profile.gss_code,
            boundary_set=profile.boundary_set,
            population=profile.population,
            imd_decile=profile.imd_decile,
        ),
        subject=profile.gss_code,
        council=profile.council,
    )
    uow.audit("wards.profile.record", profile.gss_code)
    await uow.commit()
    return profile


async def add_community_asset(uow: UnitOfWork, asset: CommunityAsset) -> CommunityAsset:
    await ward_of(uow.session, asset.council, asset.gss_code)
    await uow.session.execute(
        insert(community_assets).values(
            id=asset.id,
            council=asset.council,
            gss_code=asset.gss_code,
            organisation=asset.organisation,
            service=asset.service,
            location=asset.location,
            recorded_by=asset.recorded_by,
            recorded_at=asset.recorded_at,
        )
    )
    uow.emit(
        ev.CommunityAssetRecorded(
            asset_id=asset.id,
            gss_code=asset.gss_code,
            organisation_name=str(asset.organisation.get("name")),
            service_name=str(asset.service.get("name")),
        ),
        subject=asset.id,
        council=asset.council,
    )
    uow.audit("wards.asset.record", asset.id, gss_code=asset.gss_code)
    await uow.commit()
    return asset


async def place_profile_of(
    session: AsyncSession, council: str, gss_code: str
) -> tuple[PlaceProfile, list[CommunityAsset], list[WardGrant]]:
    """The ward's profile, its assets and the grants awarded in it (withdrawn awards left out)."""
    await ward_of(session, council, gss_code)
    row = (await session.execute(select(place_profiles).where(place_profiles.c.gss_code == gss_code))).one_or_none()
    if row is None:
        raise UnknownProfile(f"Ward {gss_code} has no place profile yet.", gss_code=gss_code)
    profile = PlaceProfile(**row._mapping)
    assets = [
        CommunityAsset(**r._mapping)
        for r in (
            await session.execute(
                select(community_assets)
                .where(community_assets.c.gss_code == gss_code)
                .order_by(community_assets.c.recorded_at, community_assets.c.id)
            )
        ).all()
    ]
    grants = [
        WardGrant(**r._mapping)
        for r in (
            await session.execute(
                select(ward_grants)
                .where(ward_grants.c.gss_code == gss_code, ward_grants.c.status != "withdrawn")
                .order_by(ward_grants.c.awarded_on.desc(), ward_grants.c.application_id)
            )
        ).all()
    ]
    return profile, assets, grants


# --- Grants awarded in a ward, from grants' events ------------------------------------------------


async def grant_awarded(session: AsyncSession, grant: WardGrant) -> None:
    values: dict[str, Any] = {
        "council": grant.council,
        "fund_id": grant.fund_id,
        "amount_awarded_pence": grant.amount_awarded_pence,
        "awarded_on": grant.awarded_on,
        "status": grant.status,
        "title": grant.title,
        "recipient_name": grant.recipient_name,
        "theme": grant.theme,
    }
    await session.execute(
        insert(ward_grants)
        .values(application_id=grant.application_id, gss_code=grant.gss_code, amount_paid_pence=0, **values)
        .on_conflict_do_update(index_elements=["application_id", "gss_code"], set_=values)
    )


async def grant_changed(session: AsyncSession, council: str, application_id: str, **values: Any) -> None:
    """A grant already in a ward's profile was paid, withdrawn or cut short: every ward it benefits is told."""
    await session.execute(
        update(ward_grants)
        .where(ward_grants.c.application_id == application_id, ward_grants.c.council == council)
        .values(**values)
    )
