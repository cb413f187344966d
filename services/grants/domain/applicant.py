"""Who applies, and where the money goes: the applicant organisation and the wards that benefit."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace

from services.grants.domain.errors import InvalidApplication, UnknownWards

ORGANISATION_TYPES = ("charity", "cic", "community_group", "social_enterprise", "company", "other")


@dataclass(frozen=True)
class Organisation:
    """The applicant organisation; its contact is personal data: never in an event, only ever answered,
    within its council, to the notifications service that must write to the grantee.

    The contact is ``None`` once the person's data has been erased on request.
    """

    name: str
    type: str
    contact_name: str | None
    contact_email: str | None
    contact_phone: str | None = None
    charity_number: str | None = None
    company_number: str | None = None

    def check(self) -> None:
        if not self.name.strip():
            raise InvalidApplication("The applicant organisation needs a name.")
        if self.type not in ORGANISATION_TYPES:
            raise InvalidApplication(f"Organisation type {self.type!r} is not one of {', '.join(ORGANISATION_TYPES)}.")
        if self.type == "charity" and not self.charity_number:
            raise InvalidApplication("A charity must give its charity number.", field="charity_number")
        if self.type in ("cic", "company") and not self.company_number:
            raise InvalidApplication(f"A {self.type} must give its company number.", field="company_number")

    def without_contact(self) -> Organisation:
        return replace(self, contact_name=None, contact_email=None, contact_phone=None)


def check_wards(codes: Collection[str], wards_of_council: Collection[str], council: str) -> None:
    """Every benefiting ward must be in grants' ward directory, a ward of the fund's council."""
    if not codes:
        raise InvalidApplication("Name at least one ward that benefits.")
    unknown = sorted(set(codes) - set(wards_of_council))
    if unknown:
        raise UnknownWards(unknown, council)
