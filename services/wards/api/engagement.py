"""Resident engagement records (``/v1/wards/{gss_code}/engagements``): officers and the ward's own members
record and read them."""

from __future__ import annotations

from fastapi import APIRouter, status

from services.wards.api.access import OfficerOrWardMember, own_wards
from services.wards.api.neighbourhood_schemas import EngagementIn, EngagementOut
from services.wards.domain import ensure_own_ward
from services.wards.handlers import engagements_of, record_ward_engagement, ward_of
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1/wards", tags=["resident engagement"])


@router.post("/{gss_code}/engagements", status_code=status.HTTP_201_CREATED, summary="Record resident engagement")
async def post_engagement(
    gss_code: str, body: EngagementIn, runtime: RuntimeDep, principal: OfficerOrWardMember
) -> EngagementOut:
    ensure_own_ward(own_wards(principal), gss_code, "records engagement")
    async with runtime.uow(principal.actor) as uow:
        engagement = await record_ward_engagement(
            uow,
            council=principal.council,
            gss_code=gss_code,
            kind=body.kind,
            held_on=body.held_on,
            place=body.place,
            people_reached=body.people_reached,
            issues_raised=body.issues_raised,
            priority_id=body.priority_id,
        )
    return EngagementOut.of(engagement)


@router.get("/{gss_code}/engagements", summary="The ward's resident engagement, latest first")
async def list_engagements(gss_code: str, runtime: RuntimeDep, principal: OfficerOrWardMember) -> list[EngagementOut]:
    ensure_own_ward(own_wards(principal), gss_code, "reads the engagement records")
    async with runtime.sessions() as session:
        await ward_of(session, principal.council, gss_code)
        return [EngagementOut.of(e) for e in await engagements_of(session, principal.council, gss_code)]
