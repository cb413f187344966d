"""``/v1/actions/{id}/milestones`` and ``/v1/milestones``: an action's milestones, bound or completed by hand."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select

from services.actions import handlers, tables
from services.actions.api.access import Officer, Paging, Reader
from services.actions.api.schemas import CompletionIn, MilestoneIn, MilestoneOut
from services.actions.domain import EventBinding, Milestone
from shared.calendar import today_in_london
from shared.http import Page, fetch_page, make_page
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1", tags=["action plan"])


@router.post("/actions/{action_id}/milestones", status_code=status.HTTP_201_CREATED, summary="Add a milestone")
async def post_milestone(action_id: str, body: MilestoneIn, runtime: RuntimeDep, principal: Officer) -> MilestoneOut:
    binding = EventBinding(body.binding.event_type, body.binding.subject) if body.binding else None
    async with runtime.uow(principal.actor) as uow:
        milestone = await handlers.add_milestone(
            uow,
            action_id=action_id,
            council=principal.council,
            title=body.title,
            due_on=body.due_on,
            binding=binding,
        )
    return MilestoneOut.of(milestone)


@router.get("/actions/{action_id}/milestones", summary="An action's milestones, by due date")
async def list_milestones(action_id: str, runtime: RuntimeDep, principal: Reader, page: Paging) -> Page[MilestoneOut]:
    async with runtime.sessions() as session:
        await handlers.action_of(session, action_id, principal.council)
        rows = await fetch_page(
            session,
            select(Milestone)
            .where(tables.milestones.c.action_id == action_id)
            .order_by(tables.milestones.c.due_on, tables.milestones.c.id),
            page,
        )
    today = today_in_london()
    return make_page([MilestoneOut.of(m, today) for m in rows], page)


@router.get("/milestones/{milestone_id}", summary="One milestone")
async def get_milestone(milestone_id: str, runtime: RuntimeDep, principal: Reader) -> MilestoneOut:
    async with runtime.sessions() as session:
        milestone = await handlers.milestone_of(session, milestone_id, principal.council)
    return MilestoneOut.of(milestone)


@router.post("/milestones/{milestone_id}/complete", summary="Complete a milestone, with evidence")
async def post_complete(milestone_id: str, body: CompletionIn, runtime: RuntimeDep, principal: Officer) -> MilestoneOut:
    async with runtime.uow(principal.actor) as uow:
        milestone = await handlers.complete_milestone(
            uow, milestone_id=milestone_id, council=principal.council, evidence=body.evidence
        )
    return MilestoneOut.of(milestone)
