"""Events published by the wards service.

Payloads carry ids, GSS codes, dates and counts only: a ward member's name and
email never leave the wards service (notifications asks for them over RPC,
``wards.member_contacts``).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from shared.events.base import EventData

GssCode = str
Pence = int


class WardRegistered(EventData, event_type="wards.ward.registered.v1"):
    """A ward exists in a boundary set (published when wards are loaded or change)."""

    gss_code: GssCode
    name: str
    local_authority_gss: GssCode
    boundary_set: str
    locality: Literal["north", "central", "south"] | None = None
    latitude: float | None = None
    longitude: float | None = None


class MemberElected(EventData, event_type="wards.member.elected.v1"):
    """A councillor was recorded as an elected member of a ward."""

    member_id: str
    gss_code: GssCode
    term_starts_on: date | None = None
    term_ends_on: date | None = None


class MemberStoodDown(EventData, event_type="wards.member.stood_down.v1"):
    """A ward member stood down; from `stood_down_on` they are no longer a member of the ward."""

    member_id: str
    gss_code: GssCode
    stood_down_on: date


class MeetingHeld(EventData, event_type="wards.meeting.held.v1"):
    """A ward meeting was held and recorded, with the number of decisions and the budget they allocated."""

    meeting_id: str
    gss_code: GssCode
    held_on: date
    decision_count: int = Field(ge=0)
    budget_allocated_pence: Pence = Field(default=0, ge=0)


class MeetingsBehind(EventData, event_type="wards.ward.meetings_behind.v1"):
    """A ward held fewer meetings than the cadence expects by a quarter's end (N by the end of quarter N; 4 a year).

    Raised once per ward, financial year and quarter checkpoint; `as_of` is the quarter's last day.
    """

    gss_code: GssCode
    financial_year: str = Field(examples=["2017-18"])
    quarter: int = Field(ge=1, le=4)
    meetings_held: int = Field(ge=0)
    meetings_expected: int = Field(ge=1)
    as_of: date
