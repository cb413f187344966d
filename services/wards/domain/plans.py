"""Ward plans: the ward's priorities aligned to the council's themes, the actions for each, and its
resident engagement strategy (Thriving Neighbourhoods, 2018: "ward plans to be produced and published
outlining ward priorities and activities aligned to the corporate plan"; "each ward plan is refreshed").

A plan is drafted, then published; a refresh drafts the next version and publishing it replaces the
published one, which stays readable, as does every earlier version:

    draft ──publish──► published ──(the next version published)──► superseded
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from services.wards.domain.wards import WardsError, new_id
from shared.calendar import now
from shared.rules import IllegalState

MAX_PRIORITIES = 20
MAX_ACTIONS_PER_PRIORITY = 30


class PlanStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"


class InvalidPlan(WardsError):
    title = "Invalid ward plan"


class UnknownPlan(WardsError):
    status = 404
    title = "Ward plan not found"


class UnknownPriority(WardsError):
    """A spend request or engagement names a priority of the ward's published plan, or none."""

    title = "Not a priority of the ward's plan"


@dataclass
class PlanAction:
    title: str
    lead: str | None = None
    due_on: date | None = None


@dataclass
class Priority:
    """A ward priority, aligned to one of the council's themes; its id stays the same across refreshes."""

    title: str
    council_theme: str
    actions: list[PlanAction] = field(default_factory=list)
    id: str = field(default_factory=new_id)


@dataclass
class WardPlan:
    council: str
    gss_code: str
    boundary_set: str
    version: int
    period: str
    priorities: list[Priority]
    engagement_strategy: str
    drafted_by: str
    status: PlanStatus = PlanStatus.DRAFT
    drafted_at: datetime = field(default_factory=now)
    published_by: str | None = None
    published_on: date | None = None
    id: str = field(default_factory=new_id)

    def revise(
        self, *, period: str, priorities: Sequence[Priority], engagement_strategy: str, themes: Iterable[str]
    ) -> None:
        """Change the draft; a published version is never changed."""
        if self.status != PlanStatus.DRAFT:
            raise IllegalState(
                f"Version {self.version} of the plan is {self.status}: refresh it to change it.",
                current=str(self.status),
                plan_id=self.id,
            )
        _check(period, priorities, engagement_strategy, themes)
        self.period, self.priorities, self.engagement_strategy = period, list(priorities), engagement_strategy

    def publish(self, by: str, on: date, published: WardPlan | None) -> None:
        """Publish the draft; ``published``, the version it refreshes, is superseded and stays readable."""
        if self.status != PlanStatus.DRAFT:
            raise IllegalState(
                f"Version {self.version} of the plan is already {self.status}.", current=str(self.status)
            )
        if not self.priorities:
            raise InvalidPlan("A ward plan is published with at least one priority.", plan_id=self.id)
        if published is not None:
            published.status = PlanStatus.SUPERSEDED
        self.status, self.published_by, self.published_on = PlanStatus.PUBLISHED, by, on

    @property
    def is_refresh(self) -> bool:
        return self.version > 1

    def priority(self, priority_id: str) -> Priority:
        for p in self.priorities:
            if p.id == priority_id:
                return p
        raise UnknownPriority(
            f"{priority_id} is not a priority of version {self.version} of ward {self.gss_code}'s plan.",
            priority_id=priority_id,
        )


def _check(period: str, priorities: Sequence[Priority], engagement_strategy: str, themes: Iterable[str]) -> None:
    allowed = set(themes)
    if not period.strip():
        raise InvalidPlan("A ward plan names the period it covers (e.g. 2018-2020).")
    if len(priorities) > MAX_PRIORITIES:
        raise InvalidPlan(f"A ward plan has at most {MAX_PRIORITIES} priorities.")
    if not engagement_strategy.strip():
        raise InvalidPlan("A ward plan includes the ward's resident engagement strategy.")
    ids = [p.id for p in priorities]
    if len(set(ids)) != len(ids):
        raise InvalidPlan("Each priority appears once.", priority_ids=ids)
    for p in priorities:
        if not p.title.strip():
            raise InvalidPlan("Each priority has a title.")
        if allowed and p.council_theme not in allowed:
            raise InvalidPlan(
                f"Priority {p.title!r} is aligned to {p.council_theme!r}, not one of the council's themes.",
                council_theme=p.council_theme,
                council_themes=sorted(allowed),
            )
        if len(p.actions) > MAX_ACTIONS_PER_PRIORITY or any(not a.title.strip() for a in p.actions):
            raise InvalidPlan(f"Priority {p.title!r}: up to {MAX_ACTIONS_PER_PRIORITY} actions, each with a title.")


def draft_plan(
    *,
    council: str,
    gss_code: str,
    boundary_set: str,
    versions: Sequence[WardPlan],
    period: str,
    priorities: Sequence[Priority],
    engagement_strategy: str,
    themes: Iterable[str],
    drafted_by: str,
) -> WardPlan:
    """The first version of a ward's plan, or the draft of a refresh; one draft at a time."""
    if any(v.status == PlanStatus.DRAFT for v in versions):
        raise IllegalState("The ward already has a draft plan: revise or publish it.", current="draft")
    _check(period, priorities, engagement_strategy, themes)
    return WardPlan(
        council=council,
        gss_code=gss_code,
        boundary_set=boundary_set,
        version=max((v.version for v in versions), default=0) + 1,
        period=period.strip(),
        priorities=list(priorities),
        engagement_strategy=engagement_strategy.strip(),
        drafted_by=drafted_by,
    )
