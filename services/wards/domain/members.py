"""Elected members: the councillors of a ward, from the start of their term until it ends or they stand down."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from services.wards.domain.wards import WardsError, new_id


class UnknownMember(WardsError):
    status = 404
    title = "Member not found"


class InvalidMember(WardsError):
    title = "Invalid member"


class AlreadyStoodDown(WardsError):
    status = 409
    title = "Already stood down"


@dataclass
class WardMember:
    """A councillor elected for a ward. Name and email are personal data: they never leave this service in events."""

    gss_code: str
    council: str
    name: str
    email: str
    party: str | None = None
    term_starts_on: date | None = None
    term_ends_on: date | None = None
    stood_down_on: date | None = None
    # The subject of the member's bearer token, when they sign in: how a ward member's own CLF is known.
    subject: str | None = None
    id: str = field(default_factory=new_id)

    def __post_init__(self) -> None:
        if self.term_starts_on and self.term_ends_on and self.term_ends_on < self.term_starts_on:
            raise InvalidMember(
                f"The term cannot end ({self.term_ends_on}) before it starts ({self.term_starts_on}).",
                term_starts_on=self.term_starts_on.isoformat(),
                term_ends_on=self.term_ends_on.isoformat(),
            )

    def is_current(self, on: date) -> bool:
        """A member from the start of their term (if known) until its end, or the day they stand down."""
        if self.term_starts_on and on < self.term_starts_on:
            return False
        if self.term_ends_on and on > self.term_ends_on:
            return False
        return self.stood_down_on is None or on < self.stood_down_on

    def stand_down(self, on: date) -> None:
        """The member is no longer a member from ``on``."""
        if self.stood_down_on is not None:
            raise AlreadyStoodDown(
                f"Member {self.id} already stood down on {self.stood_down_on}.",
                stood_down_on=self.stood_down_on.isoformat(),
            )
        if self.term_starts_on and on < self.term_starts_on:
            raise InvalidMember(
                f"A member cannot stand down ({on}) before their term starts ({self.term_starts_on}).",
                term_starts_on=self.term_starts_on.isoformat(),
            )
        self.stood_down_on = on
