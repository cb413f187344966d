"""Wards and their boundary sets, and the family of errors every rule of neighbourhood working raises.

A ward is known by its GSS code within a boundary set (Rotherham's 25 wards of WD24 succeeded
the 21 of the 2004 set after the boundary review); it belongs to one council, which alone
registers and renames it, and it may sit in a locality (north, central, south).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

from shared.rules import RuleBroken

Locality = Literal["north", "central", "south"]


def new_id() -> str:
    return str(uuid.uuid4())


class WardsError(RuleBroken):
    """A rule of neighbourhood working was broken; ``facts`` name what was wrong (422 unless said)."""


class UnknownWard(WardsError):
    """No such ward in the council asked about (another council's ward looks the same as none)."""

    status = 404
    title = "Ward not found"


class WardOfAnotherCouncil(WardsError):
    """A ward code registered to another council: a council registers and renames only its own wards."""

    status = 409
    title = "Ward of another council"


class NotYourWard(WardsError):
    """A ward member acts only for the wards their token names; an officer for every ward of the council."""

    status = 403
    title = "Not your ward"


def ensure_own_ward(own_wards: frozenset[str] | None, gss_code: str, doing: str) -> None:
    """``own_wards``: the wards a ward member's token names; ``None`` for an officer, who acts for every ward."""
    if own_wards is not None and gss_code not in own_wards:
        raise NotYourWard(f"A ward member {doing} of their own wards only, not {gss_code}.", gss_code=gss_code)


@dataclass
class Ward:
    gss_code: str
    name: str
    local_authority_gss: str
    local_authority_name: str
    boundary_set: str
    latitude: float | None = None
    longitude: float | None = None
    locality: Locality | None = None
