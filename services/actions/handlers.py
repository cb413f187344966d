"""Commands on the action plan: one plain function each; the unit of work arrives as an argument.

Each handler applies a domain rule, emits the thin event and the audit entry,
and commits; a rule it breaks surfaces as the domain's ``RuleBroken`` and
nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions import tables
from services.actions.domain import (
    Action,
    EventBinding,
    Indicator,
    IndicatorValue,
    InvalidCommand,
    Milestone,
    Plan,
    PlanReview,
    Progress,
)
from shared.calendar import today_in_london
from shared.events import EventMeta
from shared.events.catalogue.actions import (
    ActionCreated,
    ActionProgressRecorded,
    IndicatorCreated,
    IndicatorValueRecorded,
    MilestoneCompleted,
    MilestoneCreated,
    MilestoneOverdue,
    PlanCreated,
    PlanReviewed,
)
from shared.events.catalogue.grants import FundClosed, FundOpened
from shared.rules import RuleBroken
from shared.unit_of_work import UnitOfWork

# The events a milestone may be bound to: what the milestone-bindings consumer handles, and binds.
BindableEvent = FundOpened | FundClosed
BINDABLE_EVENT_TYPES: tuple[str, ...] = tuple(event.event_type for event in (FundOpened, FundClosed))

OVERDUE = "milestone-overdue"


class NotFound(RuleBroken):
    """No such record in the caller's council (another council's record looks the same as none)."""

    title = "Not found"
    status = 404

    def __init__(self, kind: str, record_id: str) -> None:
        super().__init__(f"No {kind} {record_id} in your council.")
        self.kind = kind
        self.record_id = record_id


# --- loading, council-scoped ----------------------------------------------------------------------


async def plan_of(session: AsyncSession, plan_id: str, council: str) -> Plan:
    plan = await session.get(Plan, plan_id)
    if plan is None or plan.council != council:
        raise NotFound("plan", plan_id)
    return plan


async def action_of(session: AsyncSession, action_id: str, council: str, *, for_update: bool = False) -> Action:
    action = await session.get(Action, action_id, with_for_update=for_update)
    if action is None or action.council != council:
        raise NotFound("action", action_id)
    return action


async def milestone_of(
    session: AsyncSession, milestone_id: str, council: str, *, for_update: bool = False
) -> Milestone:
    # Locked when completing, so a user and the event consumer cannot both complete it.
    milestone = await session.get(Milestone, milestone_id, with_for_update=for_update)
    if milestone is None or milestone.council != council:
        raise NotFound("milestone", milestone_id)
    return milestone


async def indicator_of(
    session: AsyncSession, indicator_id: str, council: str, *, for_update: bool = False
) -> Indicator:
    indicator = await session.get(Indicator, indicator_id, with_for_update=for_update)
    if indicator is None or indicator.council != council:
        raise NotFound("indicator", indicator_id)
    return indicator


# --- plans, actions, milestones -------------------------------------------------------------------


async def create_plan(
    uow: UnitOfWork, *, council: str, title: str, period_start: date, period_end: date, themes: Sequence[str]
) -> Plan:
    plan = Plan(council=council, title=title, period_start=period_start, period_end=period_end, themes=list(themes))
    added_plan(uow, plan)
    await uow.commit()
    return plan


def added_plan(uow: UnitOfWork, plan: Plan) -> None:
    """Stage a new plan with its event and audit entry (the caller commits)."""
    uow.session.add(plan)
    uow.emit(
        PlanCreated(plan_id=plan.id, period_start=plan.period_start, period_end=plan.period_end, themes=plan.themes),
        subject=plan.id,
        council=plan.council,
    )
    uow.audit("actions.plan.create", plan.id, title=plan.title)


async def add_action(
    uow: UnitOfWork,
    *,
    plan_id: str,
    council: str,
    theme: str,
    title: str,
    lead_organisation: str,
    owner: str,
    starts_on: date,
    due_on: date,
    task_and_finish_group: str | None = None,
) -> Action:
    plan = await plan_of(uow.session, plan_id, council)
    action = plan.add_action(
        theme=theme,
        title=title,
        lead_organisation=lead_organisation,
        owner=owner,
        starts_on=starts_on,
        due_on=due_on,
        task_and_finish_group=task_and_finish_group,
    )
    added_action(uow, action)
    await uow.commit()
    return action


def added_action(uow: UnitOfWork, action: Action) -> None:
    uow.session.add(action)
    uow.emit(
        ActionCreated(
            action_id=action.id,
            plan_id=action.plan_id,
            theme=action.theme,
            starts_on=action.starts_on,
            due_on=action.due_on,
        ),
        subject=action.id,
        council=action.council,
    )
    uow.audit("actions.action.create", action.id, plan_id=action.plan_id, theme=action.theme)


def check_binding(binding: EventBinding | None) -> None:
    if binding is not None and binding.event_type not in BINDABLE_EVENT_TYPES:
        raise InvalidCommand(
            f"A milestone cannot be bound to {binding.event_type!r}; "
            f"it can be bound to: {', '.join(BINDABLE_EVENT_TYPES)}.",
            bindable_event_types=list(BINDABLE_EVENT_TYPES),
        )


async def add_milestone(
    uow: UnitOfWork,
    *,
    action_id: str,
    council: str,
    title: str,
    due_on: date,
    binding: EventBinding | None = None,
) -> Milestone:
    action = await action_of(uow.session, action_id, council)
    milestone = action.add_milestone(title=title, due_on=due_on, binding=binding)
    added_milestone(uow, milestone)
    await uow.commit()
    return milestone


def added_milestone(uow: UnitOfWork, milestone: Milestone) -> None:
    check_binding(milestone.binding)
    uow.session.add(milestone)
    uow.emit(
        MilestoneCreated(
            milestone_id=milestone.id,
            action_id=milestone.action_id,
            plan_id=milestone.plan_id,
            due_on=milestone.due_on,
            bound_event_type=milestone.bound_event_type,
            bound_subject=milestone.bound_subject,
        ),
        subject=milestone.id,
        council=milestone.council,
    )
    uow.audit(
        "actions.milestone.create",
        milestone.id,
        action_id=milestone.action_id,
        binding=_binding_detail(milestone.binding),
    )


def _emit_completed(uow: UnitOfWork, milestone: Milestone) -> None:
    assert milestone.completed_at is not None
    uow.emit(
        MilestoneCompleted(
            milestone_id=milestone.id,
            action_id=milestone.action_id,
            plan_id=milestone.plan_id,
            completed_at=milestone.completed_at,
            completed_by_event=milestone.completed_by_event,
        ),
        subject=milestone.id,
        council=milestone.council,
    )


async def complete_milestone(
    uow: UnitOfWork, *, milestone_id: str, council: str, evidence: str, now: datetime | None = None
) -> Milestone:
    milestone = await milestone_of(uow.session, milestone_id, council, for_update=True)
    milestone.complete(evidence=evidence, at=now or datetime.now(UTC))
    _emit_completed(uow, milestone)
    uow.audit("actions.milestone.complete", milestone.id, evidence=milestone.evidence)
    await uow.commit()
    return milestone


async def complete_bound_milestones(event: BindableEvent, meta: EventMeta, uow: UnitOfWork) -> None:
    """Consumer handler: complete every pending milestone of the event's council bound to this event.

    The runtime commits (with the inbox record), so a redelivered event completes nothing twice.
    """
    if not meta.subject or not meta.council:
        return
    pending = (
        await uow.session.scalars(
            select(Milestone)
            .where(
                tables.milestones.c.council == meta.council,
                tables.milestones.c.bound_event_type == meta.type,
                tables.milestones.c.bound_subject == meta.subject,
                tables.milestones.c.status == "pending",
            )
            .order_by(tables.milestones.c.id)
            .with_for_update()
        )
    ).all()
    for milestone in pending:
        if not milestone.is_completed_by(meta.council, meta.type, meta.subject):
            continue
        milestone.complete(
            evidence=f"Completed by event {meta.type} {meta.id} (subject {meta.subject}).",
            at=meta.time,
            by_event=meta.id,
        )
        _emit_completed(uow, milestone)
        uow.audit("actions.milestone.complete", milestone.id, by_event=meta.id, event_type=meta.type)


# --- progress and RAG -----------------------------------------------------------------------------


async def record_progress(
    uow: UnitOfWork,
    *,
    action_id: str,
    council: str,
    percent_complete: int,
    note: str,
    now: datetime | None = None,
) -> tuple[Action, Progress]:
    action = await action_of(uow.session, action_id, council, for_update=True)
    at = now or datetime.now(UTC)
    progress = action.record_progress(
        percent_complete=percent_complete, note=note, recorded_at=at, recorded_by=uow.actor.subject
    )
    uow.session.add(progress)
    uow.emit(
        ActionProgressRecorded(
            action_id=action.id,
            plan_id=action.plan_id,
            progress_id=progress.id,
            percent_complete=percent_complete,
            rag=action.rag(today_in_london(at)),
        ),
        subject=action.id,
        council=council,
    )
    uow.audit("actions.action.progress", action.id, percent_complete=percent_complete)
    await uow.commit()
    return action, progress


# --- overdue --------------------------------------------------------------------------------------


async def raise_overdue_milestones(uow: UnitOfWork, today: date) -> list[Milestone]:
    """Raise ``actions.milestone.overdue.v1`` once per pending milestone past its due date, ever."""
    candidates = (
        await uow.session.scalars(
            select(Milestone)
            .where(tables.milestones.c.status == "pending", tables.milestones.c.due_on < today)
            .order_by(tables.milestones.c.due_on, tables.milestones.c.id)
        )
    ).all()
    leads = await lead_organisations(uow.session, {m.action_id for m in candidates})
    raised: list[Milestone] = []
    for milestone in candidates:
        if not milestone.is_overdue(today) or not await uow.first_occurrence(OVERDUE, milestone.id):
            continue
        uow.emit(
            MilestoneOverdue(
                milestone_id=milestone.id,
                action_id=milestone.action_id,
                plan_id=milestone.plan_id,
                due_on=milestone.due_on,
                lead_organisation=leads.get(milestone.action_id),
            ),
            subject=milestone.id,
            council=milestone.council,
        )
        raised.append(milestone)
    if raised:
        uow.audit("actions.milestone.overdue", None, milestone_ids=[m.id for m in raised], as_of=today.isoformat())
    await uow.commit()
    return raised


async def lead_organisations(session: AsyncSession, action_ids: set[str]) -> dict[str, str]:
    """The lead partner organisation of each action, by action id."""
    if not action_ids:
        return {}
    rows = await session.execute(
        select(tables.actions.c.id, tables.actions.c.lead_organisation).where(tables.actions.c.id.in_(action_ids))
    )
    return {action_id: lead for action_id, lead in rows.all()}


# --- forum review ---------------------------------------------------------------------------------


async def review_plan(
    uow: UnitOfWork, *, plan_id: str, council: str, held_on: date, attendees: str, decisions: Sequence[str]
) -> PlanReview:
    plan = await plan_of(uow.session, plan_id, council)
    review = plan.review(held_on=held_on, attendees=attendees, decisions=decisions, recorded_by=uow.actor.subject)
    uow.session.add(review)
    uow.emit(
        PlanReviewed(plan_id=plan.id, review_id=review.id, held_on=held_on, decision_count=len(review.decisions)),
        subject=plan.id,
        council=council,
    )
    uow.audit("actions.plan.review", plan.id, review_id=review.id, held_on=held_on.isoformat())
    await uow.commit()
    return review


# --- indicators -----------------------------------------------------------------------------------


async def add_indicator(
    uow: UnitOfWork,
    *,
    plan_id: str,
    council: str,
    title: str,
    unit: str,
    higher_is_better: bool,
    baseline: float,
    baseline_period: str,
    target: float,
    target_period: str,
    action_id: str | None = None,
) -> Indicator:
    plan = await plan_of(uow.session, plan_id, council)
    if action_id is not None:
        action = await action_of(uow.session, action_id, council)
        if action.plan_id != plan.id:
            raise InvalidCommand(f"Action {action_id} belongs to another plan.")
    indicator = plan.add_indicator(
        title=title,
        unit=unit,
        higher_is_better=higher_is_better,
        baseline=baseline,
        baseline_period=baseline_period,
        target=target,
        target_period=target_period,
        action_id=action_id,
    )
    uow.session.add(indicator)
    uow.emit(
        IndicatorCreated(
            indicator_id=indicator.id,
            plan_id=plan.id,
            higher_is_better=higher_is_better,
            baseline=baseline,
            target=target,
        ),
        subject=indicator.id,
        council=council,
    )
    uow.audit("actions.indicator.create", indicator.id, plan_id=plan.id, title=title)
    await uow.commit()
    return indicator


async def values_of(session: AsyncSession, indicator_id: str) -> list[IndicatorValue]:
    return list(
        (
            await session.scalars(
                select(IndicatorValue)
                .where(tables.indicator_values.c.indicator_id == indicator_id)
                .order_by(tables.indicator_values.c.period_end)
            )
        ).all()
    )


async def record_indicator_value(
    uow: UnitOfWork, *, indicator_id: str, council: str, period: str, period_end: date, value: float
) -> tuple[Indicator, IndicatorValue, list[IndicatorValue]]:
    indicator = await indicator_of(uow.session, indicator_id, council, for_update=True)
    earlier = await values_of(uow.session, indicator.id)
    recorded = indicator.record(period=period, period_end=period_end, value=value, earlier=earlier)
    uow.session.add(recorded)
    values = sorted([*earlier, recorded], key=lambda v: v.period_end)
    uow.emit(
        IndicatorValueRecorded(
            indicator_id=indicator.id,
            plan_id=indicator.plan_id,
            period=period,
            period_end=period_end,
            value=value,
            direction=indicator.direction(values),
        ),
        subject=indicator.id,
        council=council,
    )
    uow.audit("actions.indicator.value", indicator.id, period=period, value=value)
    await uow.commit()
    return indicator, recorded, values


def _binding_detail(binding: EventBinding | None) -> dict[str, str] | None:
    return {"event_type": binding.event_type, "subject": binding.subject} if binding else None
