"""The ward, in the council's words; plain Python, no framework."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Locality = Literal["north", "central", "south"]


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

    def differs_from(self, other: Ward) -> bool:
        return (self.name, self.boundary_set, self.locality, self.latitude, self.longitude) != (
            other.name,
            other.boundary_set,
            other.locality,
            other.latitude,
            other.longitude,
        )
