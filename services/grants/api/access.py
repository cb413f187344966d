"""Who may call what: the role aliases the grants routes declare, named for the role.

The kernel's ``require`` refuses any other role with a 403 and declares the roles in OpenAPI;
scoring is narrower still (see ``panel_member``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from shared.auth import Authenticated, Principal, require
from shared.problems import Problem

Officer = Annotated[Principal, Depends(require("officer"))]
# The applicant's own moves (an officer may act for them); partners, finance and the forum never make them.
ApplicantOrOfficer = Annotated[Principal, Depends(require("applicant", "officer"))]


async def panel_member(principal: Authenticated) -> Principal:
    """Only a forum member scores or declares a conflict: a score counts toward the panel's quorum,
    so not even an admin may add one in their own name."""
    if "forum_member" not in principal.roles:
        raise Problem(403, "Forbidden", "Only a member of the fund's panel (role forum_member) may do this.")
    return principal


ForumMember = Annotated[Principal, Depends(panel_member)]
Finance = Annotated[Principal, Depends(require("finance"))]
OfficerOrFinance = Annotated[Principal, Depends(require("officer", "finance"))]
OfficerOrForumMember = Annotated[Principal, Depends(require("officer", "forum_member"))]
# The council staff who read a fund's report; partners and applicants do not.
CouncilStaff = Annotated[Principal, Depends(require("officer", "finance", "forum_member", "approver"))]
