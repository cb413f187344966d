"""Place profiles: per ward, its demographics (population, age bands, deprivation as the Indices of Multiple
Deprivation rank and decile, as the 2011 Community Strategy uses them), its community assets shaped like
Open Referral UK (an organisation's service at a location), and the grants awarded in it, kept current
from grants' events (Thriving Neighbourhoods, 2018: "place profiles ... detailing the demographics and
community assets of the area").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from services.wards.domain.wards import WardsError, new_id
from shared.calendar import now

IMD_DECILES = range(1, 11)
"""1: among the 10% most deprived areas of England; 10: among the 10% least deprived."""

LSOAS_IN_ENGLAND_2019 = 32_844
"""The IMD 2019 ranks 32,844 small areas (rank 1 the most deprived)."""


class InvalidProfile(WardsError):
    title = "Invalid place profile"


class UnknownProfile(WardsError):
    status = 404
    title = "Place profile not found"


@dataclass
class PlaceProfile:
    council: str
    gss_code: str
    boundary_set: str
    population: int
    age_bands: dict[str, int]
    imd_rank: int | None
    imd_decile: int | None
    imd_edition: str | None
    summary: str
    updated_by: str
    updated_at: datetime = field(default_factory=now)

    def __post_init__(self) -> None:
        if self.population < 0 or any(n < 0 for n in self.age_bands.values()):
            raise InvalidProfile("Population and age bands are counts of people, never negative.")
        if sum(self.age_bands.values()) > self.population:
            raise InvalidProfile(
                "The age bands count more people than the population.",
                age_bands_total=sum(self.age_bands.values()),
                population=self.population,
            )
        if self.imd_decile is not None and self.imd_decile not in IMD_DECILES:
            raise InvalidProfile("An IMD decile is 1 (most deprived) to 10.", imd_decile=self.imd_decile)
        if self.imd_rank is not None and not 1 <= self.imd_rank <= LSOAS_IN_ENGLAND_2019:
            raise InvalidProfile(f"An IMD rank is 1 to {LSOAS_IN_ENGLAND_2019}.", imd_rank=self.imd_rank)


@dataclass
class CommunityAsset:
    """Open Referral UK's core: an ``organization`` provides a ``service`` at a ``location``."""

    council: str
    gss_code: str
    organisation: dict[str, str | None]
    service: dict[str, str | None]
    location: dict[str, str | float | None]
    recorded_by: str
    recorded_at: datetime = field(default_factory=now)
    id: str = field(default_factory=new_id)


@dataclass
class WardGrant:
    """A grant awarded for the benefit of a ward, as grants' events told it."""

    application_id: str
    gss_code: str
    council: str
    fund_id: str
    amount_awarded_pence: int
    awarded_on: date
    status: str = "awarded"
    amount_paid_pence: int = 0
    title: str | None = None
    recipient_name: str | None = None
    theme: str | None = None
