"""Ward plans (``/v1/wards/{gss_code}/plans``) and the council themes they align to (``/v1/council-themes``):
officers and the ward's own members draft, revise and publish; drafts are for them, published and earlier
versions for every reader of the council (and the public, through ``/v1/public``)."""

from __future__ import annotations

from fastapi import APIRouter, status

from services.wards.api.access import Officer, OfficerOrWardMember, StaffWardMemberOrPartner, own_wards
from services.wards.api.neighbourhood_schemas import PlanIn, PlanOut, ThemesIn
from services.wards.domain import PlanStatus, UnknownPlan, WardPlan, ensure_own_ward
from services.wards.handlers import (
    draft_ward_plan,
    plan_versions,
    publish_ward_plan,
    revise_ward_plan,
    set_council_themes,
    themes_of,
    ward_of,
)
from shared.auth import Principal
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1", tags=["ward plans"])


@router.put("/council-themes", summary="The council plan's themes that ward priorities align to")
async def put_themes(body: ThemesIn, runtime: RuntimeDep, principal: Officer) -> list[str]:
    async with runtime.uow(principal.actor) as uow:
        return await set_council_themes(uow, principal.council, body.themes)


@router.get("/council-themes", summary="The council plan's themes")
async def get_themes(runtime: RuntimeDep, principal: StaffWardMemberOrPartner) -> list[str]:
    async with runtime.sessions() as session:
        return await themes_of(session, principal.council)


def sees_drafts(principal: Principal, gss_code: str) -> bool:
    """Officers see every ward's draft plans; a ward member their own wards'; nobody else sees a draft."""
    wards = own_wards(principal)
    return principal.has_any("officer", "finance", "approver") or (
        principal.has_any("ward_member") and wards is not None and gss_code in wards
    )


@router.post("/wards/{gss_code}/plans", status_code=status.HTTP_201_CREATED, summary="Draft a ward plan or its refresh")
async def post_plan(gss_code: str, body: PlanIn, runtime: RuntimeDep, principal: OfficerOrWardMember) -> PlanOut:
    """The first version, or the next one to refresh the published plan (keep each priority's ``id`` that carries
    over). Priorities align to the council's themes; the plan includes the ward's resident engagement strategy."""
    ensure_own_ward(own_wards(principal), gss_code, "drafts the plans")
    async with runtime.uow(principal.actor) as uow:
        plan = await draft_ward_plan(
            uow,
            council=principal.council,
            gss_code=gss_code,
            period=body.period,
            priorities=[p.domain() for p in body.priorities],
            engagement_strategy=body.engagement_strategy,
        )
    return PlanOut.of(plan)


@router.put("/wards/{gss_code}/plans/{version}", summary="Revise the draft")
async def put_plan(
    gss_code: str, version: int, body: PlanIn, runtime: RuntimeDep, principal: OfficerOrWardMember
) -> PlanOut:
    ensure_own_ward(own_wards(principal), gss_code, "revises the plans")
    async with runtime.uow(principal.actor) as uow:
        plan = await revise_ward_plan(
            uow,
            council=principal.council,
            gss_code=gss_code,
            version=version,
            period=body.period,
            priorities=[p.domain() for p in body.priorities],
            engagement_strategy=body.engagement_strategy,
        )
    return PlanOut.of(plan)


@router.post("/wards/{gss_code}/plans/{version}/publish", summary="Publish the draft (a refresh supersedes the last)")
async def post_publish(gss_code: str, version: int, runtime: RuntimeDep, principal: OfficerOrWardMember) -> PlanOut:
    ensure_own_ward(own_wards(principal), gss_code, "publishes the plans")
    async with runtime.uow(principal.actor) as uow:
        plan = await publish_ward_plan(uow, council=principal.council, gss_code=gss_code, version=version)
    return PlanOut.of(plan)


async def _readable(runtime: RuntimeDep, principal: Principal, gss_code: str) -> list[WardPlan]:
    async with runtime.sessions() as session:
        await ward_of(session, principal.council, gss_code)
        versions = await plan_versions(session, gss_code)
    return versions if sees_drafts(principal, gss_code) else [v for v in versions if v.status != PlanStatus.DRAFT]


@router.get("/wards/{gss_code}/plans", summary="Every version of the ward's plan, latest first")
async def list_plans(gss_code: str, runtime: RuntimeDep, principal: StaffWardMemberOrPartner) -> list[PlanOut]:
    return [PlanOut.of(p) for p in reversed(await _readable(runtime, principal, gss_code))]


@router.get("/wards/{gss_code}/plans/{version}", summary="One version of the ward's plan")
async def get_plan(gss_code: str, version: int, runtime: RuntimeDep, principal: StaffWardMemberOrPartner) -> PlanOut:
    for plan in await _readable(runtime, principal, gss_code):
        if plan.version == version:
            return PlanOut.of(plan)
    raise UnknownPlan(f"Ward {gss_code} has no plan version {version}.", gss_code=gss_code, version=version)
