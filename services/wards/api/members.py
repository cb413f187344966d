"""A ward's elected members (``/v1/wards/{gss_code}/members``): officers record them and their standing
down; officers, ward members and partners read them (emails for officers only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status
from sqlalchemy import select

from services.wards.api.access import Officer, OfficerWardMemberOrPartner, may_see_emails
from services.wards.api.schemas import MemberIn, MemberOut, StandDownIn
from services.wards.domain import WardMember
from services.wards.handlers import elect_member, member_of, stand_down_member, ward_of
from services.wards.tables import ward_members
from shared.calendar import today_in_london
from shared.http import Page, PageParams, fetch_page, make_page, page_params
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1/wards", tags=["wards"])


@router.get("/{gss_code}/members", summary="The ward's elected members (emails for officers only)")
async def list_members(
    gss_code: str,
    runtime: RuntimeDep,
    principal: OfficerWardMemberOrPartner,
    page: Annotated[PageParams, Depends(page_params)],
) -> Page[MemberOut]:
    async with runtime.sessions() as session:
        await ward_of(session, principal.council, gss_code)
        rows = await fetch_page(
            session,
            select(WardMember)
            .where(ward_members.c.gss_code == gss_code)
            .order_by(ward_members.c.name, ward_members.c.id),
            page,
        )
    with_email = may_see_emails(principal)
    return make_page([MemberOut.of(m, with_email=with_email) for m in rows], page)


@router.get("/{gss_code}/members/{member_id}", summary="One ward member")
async def get_member(
    gss_code: str, member_id: str, runtime: RuntimeDep, principal: OfficerWardMemberOrPartner
) -> MemberOut:
    async with runtime.sessions() as session:
        await ward_of(session, principal.council, gss_code)
        member = await member_of(session, principal.council, gss_code, member_id)
    return MemberOut.of(member, with_email=may_see_emails(principal))


@router.post("/{gss_code}/members", status_code=status.HTTP_201_CREATED, summary="Record an elected member")
async def post_member(gss_code: str, body: MemberIn, runtime: RuntimeDep, principal: Officer) -> MemberOut:
    member = WardMember(gss_code=gss_code, council=principal.council, **body.model_dump())
    async with runtime.uow(principal.actor) as uow:
        await elect_member(uow, member)
    return MemberOut.of(member, with_email=may_see_emails(principal))


@router.post("/{gss_code}/members/{member_id}/stand-down", summary="A member stands down")
async def post_stand_down(
    gss_code: str, member_id: str, body: StandDownIn, runtime: RuntimeDep, principal: Officer
) -> MemberOut:
    async with runtime.uow(principal.actor) as uow:
        member = await stand_down_member(
            uow, principal.council, gss_code, member_id, body.stood_down_on or today_in_london()
        )
    return MemberOut.of(member, with_email=may_see_emails(principal))
