"""A ward's meetings (``/v1/wards/{gss_code}/meetings``): officers record any ward's, ward members
their own wards'; officers, ward members and partners read them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status
from sqlalchemy import select

from services.wards.api.access import OfficerOrWardMember, OfficerWardMemberOrPartner, own_wards
from services.wards.api.schemas import MeetingIn, MeetingOut
from services.wards.domain import BudgetKind, Decision, WardMeeting, ensure_own_ward
from services.wards.handlers import hold_meeting, meeting_of, ward_of
from services.wards.tables import ward_meetings
from shared.http import Page, PageParams, fetch_page, make_page, page_params
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1/wards", tags=["wards"])


@router.post("/{gss_code}/meetings", status_code=status.HTTP_201_CREATED, summary="Record a ward meeting held")
async def post_meeting(
    gss_code: str, body: MeetingIn, runtime: RuntimeDep, principal: OfficerOrWardMember
) -> MeetingOut:
    """An officer records a meeting of any ward of the council; a ward member only of a ward in their token's ``wards``."""
    async with runtime.sessions() as session:
        await ward_of(session, principal.council, gss_code)
    ensure_own_ward(own_wards(principal), gss_code, "records meetings")
    async with runtime.uow(principal.actor) as uow:
        meeting = await hold_meeting(
            uow,
            council=principal.council,
            gss_code=gss_code,
            held_on=body.held_on,
            attendee_member_ids=body.attendee_member_ids,
            other_attendees=body.other_attendees,
            decisions=[
                Decision(
                    text=d.text,
                    budget_allocation_pence=d.budget_allocation_pence,
                    budget_kind=BudgetKind(d.budget_kind) if d.budget_kind else None,
                    capital_item=d.capital_item,
                )
                for d in body.decisions
            ],
            minutes=body.minutes,
        )
    return MeetingOut.of(meeting)


@router.get("/{gss_code}/meetings", summary="The ward's meetings, latest first")
async def list_meetings(
    gss_code: str,
    runtime: RuntimeDep,
    principal: OfficerWardMemberOrPartner,
    page: Annotated[PageParams, Depends(page_params)],
) -> Page[MeetingOut]:
    async with runtime.sessions() as session:
        await ward_of(session, principal.council, gss_code)
        rows = await fetch_page(
            session,
            select(WardMeeting)
            .where(ward_meetings.c.gss_code == gss_code)
            .order_by(ward_meetings.c.held_on.desc(), ward_meetings.c.id),
            page,
        )
    return make_page([MeetingOut.of(m) for m in rows], page)


@router.get("/{gss_code}/meetings/{meeting_id}", summary="One ward meeting")
async def get_meeting(
    gss_code: str, meeting_id: str, runtime: RuntimeDep, principal: OfficerWardMemberOrPartner
) -> MeetingOut:
    async with runtime.sessions() as session:
        await ward_of(session, principal.council, gss_code)
        meeting = await meeting_of(session, gss_code, meeting_id)
    return MeetingOut.of(meeting)
