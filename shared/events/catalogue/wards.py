"""Events published by the wards service."""

from __future__ import annotations

from typing import Literal

from shared.events.base import EventData

GssCode = str
Pence = int


class WardRegistered(EventData, event_type="wards.ward.registered.v1"):
    """A ward exists in a boundary set (published when wards are loaded or change)."""

    gss_code: GssCode
    name: str
    local_authority_gss: GssCode
    boundary_set: str
    locality: Literal["north", "central", "south"] | None = None
    latitude: float | None = None
    longitude: float | None = None
