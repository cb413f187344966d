"""The wards HTTP API (``/v1/wards``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, Field
from sqlalchemy import select

from services.wards.domain import (
    Decision,
    Locality,
    Ward,
    WardMeeting,
    WardMember,
)
from services.wards.handlers import (
    elect_member,
    hold_meeting,
    member_of,
    register_wards,
    republish_wards,
    stand_down_member,
    ward_of,
)
from services.wards.tables import ward_meetings, ward_members, wards
from shared.auth import Authenticated, Principal, require
from shared.calendar import today_in_london
from shared.http import Page, PageParams, fetch_page, make_page, page_params
from shared.problems import Problem
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1/wards", tags=["wards"])

# Who manages a ward's members; who reads them (names only; emails are for the managers).
Manager = Annotated[Principal, Depends(require("officer"))]
Reader = Annotated[Principal, Depends(require("officer", "ward_member", "partner"))]

GSS_PATTERN = r"^[EWSN][0-9]{8}$"


class WardOut(BaseModel):
    gss_code: str
    name: str
    local_authority_gss: str
    local_authority_name: str
    boundary_set: str
    locality: Locality | None
    latitude: float | None
    longitude: float | None

    @classmethod
    def of(cls, ward: Ward) -> WardOut:
        return cls.model_validate(ward, from_attributes=True)


class WardIn(BaseModel):
    gss_code: str = Field(pattern=GSS_PATTERN, examples=["E05012996"])
    name: str = Field(min_length=1, max_length=200)
    local_authority_name: str = Field(min_length=1, max_length=200)
    boundary_set: str = Field(min_length=1, max_length=20, examples=["WD24"])
    locality: Locality | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


@router.get("", summary="Wards of your council")
async def list_wards(
    runtime: RuntimeDep, principal: Authenticated, page: Annotated[PageParams, Depends(page_params)]
) -> Page[WardOut]:
    async with runtime.sessions() as session:
        rows = await fetch_page(
            session, select(Ward).where(wards.c.local_authority_gss == principal.council).order_by(wards.c.name), page
        )
    return make_page([WardOut.of(w) for w in rows], page)


@router.get("/{gss_code}", summary="One ward")
async def get_ward(gss_code: str, runtime: RuntimeDep, principal: Authenticated) -> WardOut:
    async with runtime.sessions() as session:
        ward = await session.get(Ward, gss_code)
    if ward is None or ward.local_authority_gss != principal.council:
        raise Problem(404, "Ward not found", f"No ward {gss_code} in council {principal.council}.")
    return WardOut.of(ward)


@router.post("", status_code=status.HTTP_201_CREATED, summary="Register or update wards of your council")
async def post_wards(
    body: list[WardIn], runtime: RuntimeDep, principal: Annotated[Principal, Depends(require("admin", "officer"))]
) -> list[WardOut]:
    wards = [Ward(local_authority_gss=principal.council, **w.model_dump()) for w in body]
    async with runtime.uow(principal.actor) as uow:
        changed = await register_wards(uow, wards)
    return [WardOut.of(w) for w in changed]


@router.post(":republish", summary="Publish every ward of your council again (for a new subscriber)")
async def post_republish(
    runtime: RuntimeDep, principal: Annotated[Principal, Depends(require("admin"))]
) -> dict[str, int]:
    async with runtime.uow(principal.actor) as uow:
        count = await republish_wards(uow, principal.council)
    return {"published": count}


# --- Elected members ------------------------------------------------------------------------------


class MemberIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, examples=["Cllr A. Example"])
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320, examples=["member@example.org"])
    party: str | None = Field(default=None, max_length=100)
    term_starts_on: date | None = None
    term_ends_on: date | None = None


class MemberOut(BaseModel):
    """A ward member; ``email`` is given to officers and admins only (``null`` for other readers)."""

    id: str
    gss_code: str
    name: str
    email: str | None
    party: str | None
    term_starts_on: date | None
    term_ends_on: date | None
    stood_down_on: date | None
    current: bool

    @classmethod
    def of(cls, member: WardMember, principal: Principal) -> MemberOut:
        return cls(
            id=member.id,
            gss_code=member.gss_code,
            name=member.name,
            email=member.email if may_see_emails(principal) else None,
            party=member.party,
            term_starts_on=member.term_starts_on,
            term_ends_on=member.term_ends_on,
            stood_down_on=member.stood_down_on,
            current=member.is_current(today_in_london()),
        )


class StandDownIn(BaseModel):
    stood_down_on: date | None = Field(default=None, description="Defaults to today (Europe/London).")


def may_see_emails(principal: Principal) -> bool:
    return principal.has_any("officer")


@router.get("/{gss_code}/members", summary="The ward's elected members (emails for officers only)")
async def list_members(
    gss_code: str, runtime: RuntimeDep, principal: Reader, page: Annotated[PageParams, Depends(page_params)]
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
    return make_page([MemberOut.of(m, principal) for m in rows], page)


@router.get("/{gss_code}/members/{member_id}", summary="One ward member")
async def get_member(gss_code: str, member_id: str, runtime: RuntimeDep, principal: Reader) -> MemberOut:
    async with runtime.sessions() as session:
        await ward_of(session, principal.council, gss_code)
        member = await member_of(session, principal.council, gss_code, member_id)
    return MemberOut.of(member, principal)


@router.post("/{gss_code}/members", status_code=status.HTTP_201_CREATED, summary="Record an elected member")
async def post_member(gss_code: str, body: MemberIn, runtime: RuntimeDep, principal: Manager) -> MemberOut:
    member = WardMember(gss_code=gss_code, council=principal.council, **body.model_dump())
    async with runtime.uow(principal.actor) as uow:
        await elect_member(uow, member)
    return MemberOut.of(member, principal)


@router.post("/{gss_code}/members/{member_id}/stand-down", summary="A member stands down")
async def post_stand_down(
    gss_code: str, member_id: str, body: StandDownIn, runtime: RuntimeDep, principal: Manager
) -> MemberOut:
    async with runtime.uow(principal.actor) as uow:
        member = await stand_down_member(
            uow, principal.council, gss_code, member_id, body.stood_down_on or today_in_london()
        )
    return MemberOut.of(member, principal)


# --- Ward meetings --------------------------------------------------------------------------------


class DecisionIn(BaseModel):
    text: str = Field(min_length=1, max_length=500, examples=["Deploy the mobile CCTV camera to Eastwood Village"])
    budget_allocation_pence: int | None = Field(default=None, ge=0, examples=[250_000])


class MeetingIn(BaseModel):
    held_on: date
    attendee_member_ids: list[str] = Field(default_factory=list, description="Ward members who attended.")
    other_attendees: int = Field(default=0, ge=0, description="Residents, partners and officers who attended.")
    decisions: list[DecisionIn] = Field(default_factory=list)
    minutes: str = Field(default="", max_length=200_000)


class DecisionOut(BaseModel):
    text: str
    budget_allocation_pence: int | None


class MeetingOut(BaseModel):
    id: str
    gss_code: str
    held_on: date
    attendee_member_ids: list[str]
    other_attendees: int
    decisions: list[DecisionOut]
    budget_allocated_pence: int
    minutes: str
    recorded_by: str
    recorded_at: datetime

    @classmethod
    def of(cls, meeting: WardMeeting) -> MeetingOut:
        return cls(
            id=meeting.id,
            gss_code=meeting.gss_code,
            held_on=meeting.held_on,
            attendee_member_ids=list(meeting.attendee_member_ids),
            other_attendees=meeting.other_attendees,
            decisions=[
                DecisionOut(text=d.text, budget_allocation_pence=d.budget_allocation_pence) for d in meeting.decisions
            ],
            budget_allocated_pence=meeting.budget_allocated_pence,
            minutes=meeting.minutes,
            recorded_by=meeting.recorded_by,
            recorded_at=meeting.recorded_at,
        )


@router.post("/{gss_code}/meetings", status_code=status.HTTP_201_CREATED, summary="Record a ward meeting held")
async def post_meeting(
    gss_code: str,
    body: MeetingIn,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require("officer", "ward_member"))],
) -> MeetingOut:
    """An officer records a meeting of any ward of the council; a ward member only of a ward in their token's ``wards``."""
    async with runtime.sessions() as session:
        await ward_of(session, principal.council, gss_code)
    if not principal.has_any("officer") and gss_code not in principal.wards:
        raise Problem(403, "Forbidden", f"A ward member records meetings of their own wards only, not {gss_code}.")
    async with runtime.uow(principal.actor) as uow:
        meeting = await hold_meeting(
            uow,
            council=principal.council,
            gss_code=gss_code,
            held_on=body.held_on,
            attendee_member_ids=body.attendee_member_ids,
            other_attendees=body.other_attendees,
            decisions=[
                Decision(text=d.text, budget_allocation_pence=d.budget_allocation_pence) for d in body.decisions
            ],
            minutes=body.minutes,
        )
    return MeetingOut.of(meeting)


@router.get("/{gss_code}/meetings", summary="The ward's meetings, latest first")
async def list_meetings(
    gss_code: str, runtime: RuntimeDep, principal: Reader, page: Annotated[PageParams, Depends(page_params)]
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
async def get_meeting(gss_code: str, meeting_id: str, runtime: RuntimeDep, principal: Reader) -> MeetingOut:
    async with runtime.sessions() as session:
        await ward_of(session, principal.council, gss_code)
        meeting = await session.get(WardMeeting, meeting_id)
    if meeting is None or meeting.gss_code != gss_code:
        raise Problem(404, "Meeting not found", f"No meeting {meeting_id} of ward {gss_code}.")
    return MeetingOut.of(meeting)
