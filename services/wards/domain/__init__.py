"""The domain of neighbourhood working, plain Python with no framework and no database.

``wards``: wards, boundary sets and the error family; ``members``: elected members;
``meetings``: ward meetings and their four-a-year cadence.
"""

from services.wards.domain.meetings import (
    MEETINGS_A_YEAR,
    CadenceCheckpoint,
    CadenceShortfall,
    Decision,
    InvalidMeeting,
    UnknownMeeting,
    WardMeeting,
    cadence_checkpoint,
    cadence_shortfall,
    record_meeting,
)
from services.wards.domain.members import AlreadyStoodDown, InvalidMember, UnknownMember, WardMember
from services.wards.domain.wards import Locality, UnknownWard, Ward, WardOfAnotherCouncil, WardsError, new_id

__all__ = [
    "MEETINGS_A_YEAR",
    "AlreadyStoodDown",
    "CadenceCheckpoint",
    "CadenceShortfall",
    "Decision",
    "InvalidMeeting",
    "InvalidMember",
    "Locality",
    "UnknownMeeting",
    "UnknownMember",
    "UnknownWard",
    "Ward",
    "WardMeeting",
    "WardMember",
    "WardOfAnotherCouncil",
    "WardsError",
    "cadence_checkpoint",
    "cadence_shortfall",
    "new_id",
    "record_meeting",
]
