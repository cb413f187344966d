"""Who may call what in the wards API: role aliases named for the roles they admit (admin always passes),
and the checks a role's claims add (a ward member acts for the wards in their token's ``wards``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from shared.auth import Principal, require

Admin = Annotated[Principal, Depends(require("admin"))]
Officer = Annotated[Principal, Depends(require("officer"))]
OfficerOrWardMember = Annotated[Principal, Depends(require("officer", "ward_member"))]
# Who reads a ward's members and meetings (names only; emails are for officers).
OfficerWardMemberOrPartner = Annotated[Principal, Depends(require("officer", "ward_member", "partner"))]
Approver = Annotated[Principal, Depends(require("approver"))]
Finance = Annotated[Principal, Depends(require("finance"))]
# The council's staff on neighbourhood money (officer, finance, approver), and the ward members.
StaffOrWardMember = Annotated[Principal, Depends(require("officer", "finance", "approver", "ward_member"))]
StaffWardMemberOrPartner = Annotated[
    Principal, Depends(require("officer", "finance", "approver", "ward_member", "partner"))
]


def may_see_emails(principal: Principal) -> bool:
    return principal.has_any("officer")


def own_wards(principal: Principal) -> frozenset[str] | None:
    """The wards a caller acts for: ``None`` (every ward of the council) for an officer, finance or an
    approver; a ward member's token ``wards`` otherwise."""
    return None if principal.has_any("officer", "finance", "approver") else principal.wards


def member_subject(principal: Principal) -> str | None:
    """A ward member acts as themself, known by their token's subject; an officer acts for the council."""
    return None if principal.has_any("officer") else principal.subject
