"""Resident engagement: what a ward's members did to listen to residents (Thriving Neighbourhoods, 2018:
"the tailored approach to engagement and communication in each ward has increased the level of contact
with residents") — the kind of activity, its day and place, the people reached, the issues raised and
the ward plan priority it informs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from services.wards.domain.wards import WardsError, new_id
from shared.calendar import now

MAX_PEOPLE_REACHED = 1_000_000


class EngagementKind(StrEnum):
    WARD_SURGERY = "ward_surgery"
    DROP_IN = "drop_in"
    PUBLIC_MEETING = "public_meeting"
    SURVEY = "survey"
    COMMUNITY_EVENT = "community_event"
    WALKABOUT = "walkabout"
    SOCIAL_MEDIA = "social_media"
    NEWSLETTER = "newsletter"
    OTHER = "other"


class InvalidEngagement(WardsError):
    title = "Invalid engagement record"


@dataclass
class Engagement:
    council: str
    gss_code: str
    boundary_set: str
    kind: EngagementKind
    held_on: date
    place: str
    people_reached: int
    issues_raised: list[str]
    recorded_by: str
    priority_id: str | None = None
    recorded_at: datetime = field(default_factory=now)
    id: str = field(default_factory=new_id)


def record_engagement(
    *,
    council: str,
    gss_code: str,
    boundary_set: str,
    kind: EngagementKind,
    held_on: date,
    place: str,
    people_reached: int,
    issues_raised: Sequence[str],
    priority_id: str | None,
    today: date,
    recorded_by: str,
) -> Engagement:
    if held_on > today:
        raise InvalidEngagement(f"Engagement is recorded once it took place; {held_on} is after today.")
    if not 0 <= people_reached <= MAX_PEOPLE_REACHED:
        raise InvalidEngagement(f"People reached is between 0 and {MAX_PEOPLE_REACHED}.", people_reached=people_reached)
    if not place.strip():
        raise InvalidEngagement("An engagement record says where it took place (or 'online').")
    return Engagement(
        council=council,
        gss_code=gss_code,
        boundary_set=boundary_set,
        kind=kind,
        held_on=held_on,
        place=place.strip(),
        people_reached=people_reached,
        issues_raised=[i.strip() for i in issues_raised if i.strip()],
        priority_id=priority_id,
        recorded_by=recorded_by,
    )
