"""A catalogue of examples, kept out of the real one: one event type that changed twice.

``wards.meeting.noted`` first shipped as ``MeetingNotedAsFirstPublished``. Then, within v1, an
additive change: ``venue``, optional, so old producers' events still read and old readers ignore
it (``MeetingNoted``). Then a breaking change: the ward is named ``ward`` and the venue becomes a
place with an optional postcode, so a new type, ``v2``, with an upcaster from ``v1``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from shared.events import EventData
from shared.events.upcasting import upcaster

# Registries of their own: these types are no part of the published catalogue or its documents.
EXAMPLES: dict[str, type[EventData]] = {}
AS_FIRST_PUBLISHED: dict[str, type[EventData]] = {}


class MeetingNotedAsFirstPublished(EventData, event_type="wards.meeting.noted.v1", catalogue=AS_FIRST_PUBLISHED):
    """v1 as it first shipped, before the additive change: what an old reader still has."""

    meeting_id: str
    gss_code: str
    attendees: int


class MeetingNoted(EventData, event_type="wards.meeting.noted.v1", catalogue=EXAMPLES):
    """v1 today: the additive change gave it an optional venue."""

    meeting_id: str
    gss_code: str
    attendees: int
    venue: str | None = None


class Place(BaseModel):
    name: str
    postcode: str | None = None


class MeetingNotedV2(EventData, event_type="wards.meeting.noted.v2", catalogue=EXAMPLES):
    """v2, the breaking change: the ward is ``ward``, and the venue a place."""

    meeting_id: str
    ward: str
    attendees: int
    place: Place | None = None


@upcaster(MeetingNoted, MeetingNotedV2)
def venue_becomes_a_place(data: dict[str, Any]) -> dict[str, Any]:
    venue = data.get("venue")
    return {
        "meeting_id": data["meeting_id"],
        "ward": data["gss_code"],
        "attendees": data["attendees"],
        "place": {"name": venue} if venue else None,
    }
