"""Who may call what in the wards API: role aliases named for the roles they admit (admin always passes),
and the checks a role's claims add (a ward member acts for the wards in their token's ``wards``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from shared.auth import Principal, require
from shared.problems import Problem

Admin = Annotated[Principal, Depends(require("admin"))]
Officer = Annotated[Principal, Depends(require("officer"))]
OfficerOrWardMember = Annotated[Principal, Depends(require("officer", "ward_member"))]
# Who reads a ward's members and meetings (names only; emails are for officers).
OfficerWardMemberOrPartner = Annotated[Principal, Depends(require("officer", "ward_member", "partner"))]


def may_see_emails(principal: Principal) -> bool:
    return principal.has_any("officer")


def ensure_own_ward(principal: Principal, gss_code: str, doing: str) -> None:
    """An officer acts for every ward of their council; a ward member only for the wards their token names."""
    if not principal.has_any("officer") and gss_code not in principal.wards:
        raise Problem(403, "Forbidden", f"A ward member {doing} of their own wards only, not {gss_code}.")
