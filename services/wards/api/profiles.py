"""Place profiles (``/v1/wards/{gss_code}/profile``): officers record a ward's demographics; officers and the
ward's own members add community assets; every reader of the council sees the profile (the public through
``/v1/public``)."""

from __future__ import annotations

from fastapi import APIRouter, status

from services.wards.api.access import Officer, OfficerOrWardMember, StaffWardMemberOrPartner, own_wards
from services.wards.api.neighbourhood_schemas import AssetIn, AssetOut, ProfileIn, ProfileOut
from services.wards.domain import CommunityAsset, PlaceProfile, ensure_own_ward
from services.wards.handlers import add_community_asset, place_profile_of, record_place_profile, ward_of
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1/wards", tags=["place profiles"])


@router.put("/{gss_code}/profile", summary="Record the ward's demographics and deprivation")
async def put_profile(gss_code: str, body: ProfileIn, runtime: RuntimeDep, principal: Officer) -> ProfileOut:
    async with runtime.uow(principal.actor) as uow:
        await record_place_profile(
            uow,
            PlaceProfile(
                council=principal.council,
                gss_code=gss_code,
                boundary_set="",
                population=body.population,
                age_bands=body.age_bands,
                imd_rank=body.imd_rank,
                imd_decile=body.imd_decile,
                imd_edition=body.imd_edition,
                summary=body.summary,
                updated_by=principal.subject,
            ),
        )
    return await read_profile(runtime, principal.council, gss_code)


@router.post(
    "/{gss_code}/profile/assets",
    status_code=status.HTTP_201_CREATED,
    summary="Add a community asset (Open Referral UK)",
)
async def post_asset(gss_code: str, body: AssetIn, runtime: RuntimeDep, principal: OfficerOrWardMember) -> AssetOut:
    ensure_own_ward(own_wards(principal), gss_code, "adds community assets")
    asset = CommunityAsset(
        council=principal.council,
        gss_code=gss_code,
        organisation=body.organization.model_dump(),
        service=body.service.model_dump(),
        location=body.location.model_dump(),
        recorded_by=principal.subject,
    )
    async with runtime.uow(principal.actor) as uow:
        await add_community_asset(uow, asset)
    return AssetOut.of(asset)


@router.get("/{gss_code}/profile", summary="The ward's place profile: demographics, assets, grants awarded")
async def get_profile(gss_code: str, runtime: RuntimeDep, principal: StaffWardMemberOrPartner) -> ProfileOut:
    return await read_profile(runtime, principal.council, gss_code)


async def read_profile(runtime: RuntimeDep, council: str, gss_code: str) -> ProfileOut:
    async with runtime.sessions() as session:
        ward = await ward_of(session, council, gss_code)
        profile, assets, grants = await place_profile_of(session, council, gss_code)
    return ProfileOut.of(ward.name, profile, assets, grants)
