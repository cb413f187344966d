"""Task and finish groups: "small, focused and time limited … with an identified leader and a remit" (2011).

A group carries some of a plan's actions between its start and end dates; one
still open after its end date has overrun, and that is raised once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from services.actions.domain.body import Member, distinct_members
from services.actions.domain.rules import InvalidCommand, new_id
from shared.rules import IllegalState

GroupStatus = Literal["open", "closed"]


@dataclass
class TaskAndFinishGroup:
    plan_id: str
    council: str
    name: str
    leader: str
    remit: str
    starts_on: date
    ends_on: date
    members: list[Member] = field(default_factory=list)
    status: GroupStatus = "open"
    closed_on: date | None = None
    id: str = field(default_factory=new_id)

    def __post_init__(self) -> None:
        if self.ends_on < self.starts_on:
            raise InvalidCommand(
                f"The group ends ({self.ends_on}) before it starts ({self.starts_on}).", field="ends_on"
            )
        if not self.remit.strip():
            raise InvalidCommand("A task and finish group needs a remit.", field="remit")
        if not self.leader.strip():
            raise InvalidCommand("A task and finish group needs an identified leader.", field="leader")
        self.members = distinct_members(self.members)

    def set_members(self, members: Sequence[Member]) -> None:
        self.members = distinct_members(members)

    def close(self, on: date) -> None:
        if self.status == "closed":
            raise IllegalState(f"The group {self.name!r} closed on {self.closed_on}.", current=self.status)
        if on < self.starts_on:
            raise InvalidCommand(f"The group cannot close ({on}) before it starts ({self.starts_on}).", field="on")
        self.status = "closed"
        self.closed_on = on

    def has_overrun(self, today: date) -> bool:
        """Still open after its end date."""
        return self.status == "open" and today > self.ends_on
