"""Request and response models of the wards API (``/v1/wards``): wards, members, meetings."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from services.wards.domain import Locality, Ward, WardMeeting, WardMember
from shared.calendar import today_in_london

GSS_PATTERN = r"^[EWSN][0-9]{8}$"

# --- Wards ----------------------------------------------------------------------------------------


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
    def of(cls, member: WardMember, *, with_email: bool) -> MemberOut:
        return cls(
            id=member.id,
            gss_code=member.gss_code,
            name=member.name,
            email=member.email if with_email else None,
            party=member.party,
            term_starts_on=member.term_starts_on,
            term_ends_on=member.term_ends_on,
            stood_down_on=member.stood_down_on,
            current=member.is_current(today_in_london()),
        )


class StandDownIn(BaseModel):
    stood_down_on: date | None = Field(default=None, description="Defaults to today (Europe/London).")


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
