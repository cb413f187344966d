"""A plan's priorities ("Priority 1: Ensuring the best start in life …") and the objectives under each.

An action serves one objective; an objective sits under one priority of one plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from services.actions.domain.rules import InvalidCommand, new_id


@dataclass
class Priority:
    plan_id: str
    council: str
    number: int
    title: str
    id: str = field(default_factory=new_id)
    created_at: datetime | None = None  # set by the database when it is stored

    def __post_init__(self) -> None:
        if self.number < 1:
            raise InvalidCommand(f"A priority is numbered from 1, not {self.number}.", field="number")
        self.title = self.title.strip()
        if not self.title:
            raise InvalidCommand("A priority needs a title.", field="title")

    @property
    def label(self) -> str:
        """As the papers write it: "Priority 1: Ensuring the best start in life for children and families"."""
        return f"Priority {self.number}: {self.title}"

    def add_objective(self, *, title: str, existing: Sequence[Objective]) -> Objective:
        """The next objective under this priority, in the order the plan lists them."""
        position = 1 + max((o.position for o in existing if o.priority_id == self.id), default=0)
        return Objective(
            priority_id=self.id, plan_id=self.plan_id, council=self.council, title=title, position=position
        )


@dataclass
class Objective:
    priority_id: str
    plan_id: str
    council: str
    title: str
    position: int = 1  # its place under the priority, from 1
    id: str = field(default_factory=new_id)

    def __post_init__(self) -> None:
        self.title = self.title.strip()
        if not self.title:
            raise InvalidCommand("An objective needs a title.", field="title")
