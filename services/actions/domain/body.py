"""Boards and forums: a chair, members by organisation and role, and terms of reference.

A plan's owner and its reviewer are such bodies (the Rotherham Partnership Board
owns the annual plan; the Stronger Communities Forum reviews the 2017 plan; the
Leeds Communities Board signs its plan off). A member may name the account they
use, so the service knows who speaks for the body when it signs off or reviews.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from services.actions.domain.rules import InvalidCommand, new_id

BodyKind = Literal["board", "forum", "partnership"]
MemberRole = Literal["community_representative", "partner_body", "elected_member"]


@dataclass(frozen=True)
class Member:
    """One seat: the person, the organisation they come from, and in what capacity."""

    person: str
    organisation: str
    role: MemberRole
    account: str | None = None  # the member's sign-in subject, when they use Cohesion themselves


@dataclass
class Body:
    council: str
    kind: BodyKind
    name: str
    chair: str
    terms_of_reference: str
    members: list[Member] = field(default_factory=list)
    id: str = field(default_factory=new_id)

    def __post_init__(self) -> None:
        self.name = self.name.strip()
        if not self.name:
            raise InvalidCommand("A board or forum needs a name.", field="name")
        self.members = distinct_members(self.members)

    def set_members(self, members: Sequence[Member]) -> None:
        self.members = distinct_members(members)

    def seats(self, account: str) -> bool:
        """Whether the signed-in ``account`` sits on this body."""
        return any(m.account == account for m in self.members)


def distinct_members(members: Sequence[Member]) -> list[Member]:
    seen: set[tuple[str, str]] = set()
    for member in members:
        key = (member.person.strip(), member.organisation.strip())
        if not all(key):
            raise InvalidCommand("Every member needs a person and an organisation.", field="members")
        if key in seen:
            raise InvalidCommand(f"{key[0]} of {key[1]} is listed twice.", field="members")
        seen.add(key)
    return list(members)
