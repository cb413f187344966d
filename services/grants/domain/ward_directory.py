"""The ward directory: grants' own copy of the wards, built from the wards service's events.

It checks that the wards an application benefits are wards of the fund's council.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(eq=False)
class DirectoryWard:
    """A ward as the wards service last published it; grants never reads the wards database."""

    gss_code: str
    name: str
    local_authority_gss: str
    boundary_set: str
