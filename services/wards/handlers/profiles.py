"""Commands on place profiles: a ward's demographics and deprivation recorded, its community assets added,
and the grants awarded in it kept current from grants' events (see ``services.wards.consumers``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.wards.domain import CommunityAsset, PlaceProfile, UnknownProfile, WardGrant
from services.wards.handlers.wards import ward_of
from services.wards.tables import community_assets, grant_outcomes, place_profiles, ward_grants, wards
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
# Events about one application are handled one at a time (a transaction-scoped advisory lock on its id), and
# an outcome is kept whether or not its award has arrived, so the order they are handled in does not matter.

_STATUS_RANK = {"awarded": 0, "paid": 1, "withdrawn": 2}


async def _one_at_a_time(session: AsyncSession, application_id: str) -> None:
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(application_id, 0))))


async def grant_awarded(session: AsyncSession, grant: WardGrant) -> None:
    """A grant awarded for a ward of the event's council (a code of another council's is left alone)."""
    ward_council = await session.scalar(select(wards.c.local_authority_gss).where(wards.c.gss_code == grant.gss_code))
    if ward_council != grant.council:
        return
    await _one_at_a_time(session, grant.application_id)
    outcome = (
        await session.execute(
            select(grant_outcomes).where(
                grant_outcomes.c.application_id == grant.application_id, grant_outcomes.c.council == grant.council
            )
        )
    ).one_or_none()
    values: dict[str, Any] = {
        "council": grant.council,
        "fund_id": grant.fund_id,
        "amount_awarded_pence": grant.amount_awarded_pence,
        "amount_paid_pence": 0,
        "awarded_on": grant.awarded_on,
        "status": grant.status,
        "title": grant.title,
        "recipient_name": grant.recipient_name,
        "theme": grant.theme,
    }
    if outcome is not None:
        values |= {"status": outcome.status, "amount_paid_pence": outcome.amount_paid_pence}
        if outcome.amount_awarded_pence is not None:
            values["amount_awarded_pence"] = outcome.amount_awarded_pence
    await session.execute(
        insert(ward_grants)
        .values(application_id=grant.application_id, gss_code=grant.gss_code, **values)
        .on_conflict_do_update(index_elements=["application_id", "gss_code"], set_=values)
    )


async def grant_changed(
    session: AsyncSession,
    council: str,
    application_id: str,
    *,
    status: str,
    amount_paid_pence: int = 0,
    amount_awarded_pence: int | None = None,
) -> None:
    """A grant was paid, withdrawn or cut short: kept for the application, and applied to every ward it
    benefits. A withdrawal is final; what was paid only grows."""
    await _one_at_a_time(session, application_id)
    before = (
        await session.execute(select(grant_outcomes).where(grant_outcomes.c.application_id == application_id))
    ).one_or_none()
    if before is not None:
        if _STATUS_RANK[before.status] > _STATUS_RANK[status]:
            status = before.status
        amount_paid_pence = max(amount_paid_pence, before.amount_paid_pence)
        if amount_awarded_pence is None:
            amount_awarded_pence = before.amount_awarded_pence
    values: dict[str, Any] = {
        "council": council,
        "status": status,
        "amount_paid_pence": amount_paid_pence,
        "amount_awarded_pence": amount_awarded_pence,
    }
    await session.execute(
        insert(grant_outcomes)
        .values(application_id=application_id, **values)
        .on_conflict_do_update(index_elements=["application_id"], set_=values)
    )
    change: dict[str, Any] = {"status": status, "amount_paid_pence": amount_paid_pence}
    if amount_awarded_pence is not None:
        change["amount_awarded_pence"] = amount_awarded_pence
    await session.execute(
        update(ward_grants)
        .where(ward_grants.c.application_id == application_id, ward_grants.c.council == council)
        .values(**change)
    )
