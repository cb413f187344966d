"""Commands of the wards service, one plain async function each; the unit of work arrives as an argument.

They raise the domain's rule errors (``services.wards.domain.WardsError``), never an HTTP problem.
"""

from services.wards.handlers.meetings import MEETINGS_BEHIND, hold_meeting, meeting_of, raise_cadence_notices
from services.wards.handlers.members import elect_member, member_of, members_of_ward, stand_down_member
from services.wards.handlers.wards import register_wards, republish_wards, ward_of

__all__ = [
    "MEETINGS_BEHIND",
    "elect_member",
    "hold_meeting",
    "meeting_of",
    "member_of",
    "members_of_ward",
    "raise_cadence_notices",
    "register_wards",
    "republish_wards",
    "stand_down_member",
    "ward_of",
]
