"""``/v1/plans/{id}/priorities`` and ``/v1/priorities/{id}/objectives``: what a plan aims at, as the papers number it."""

from __future__ import annotations

from fastapi import APIRouter, status

from services.actions import handlers
from services.actions.api.access import Officer, Reader
from services.actions.api.schemas import ObjectiveIn, ObjectiveOut, PriorityIn, PriorityOut
from services.actions.handlers.records import objectives_of, priorities_of
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1", tags=["action plan"])


@router.post("/plans/{plan_id}/priorities", status_code=status.HTTP_201_CREATED, summary="Add a priority")
async def post_priority(plan_id: str, body: PriorityIn, runtime: RuntimeDep, principal: Officer) -> PriorityOut:
    async with runtime.uow(principal.actor) as uow:
        priority = await handlers.add_priority(uow, plan_id=plan_id, council=principal.council, **body.model_dump())
    return PriorityOut.of(priority, [])


@router.get("/plans/{plan_id}/priorities", summary="A plan's priorities, each with its objectives")
async def list_priorities(plan_id: str, runtime: RuntimeDep, principal: Reader) -> list[PriorityOut]:
    async with runtime.sessions() as session:
        plan = await handlers.plan_of(session, plan_id, principal.council)
        priorities = await priorities_of(session, plan.id)
        objectives = await objectives_of(session, plan.id)
    return [PriorityOut.of(p, objectives) for p in priorities]


@router.post("/priorities/{priority_id}/objectives", status_code=status.HTTP_201_CREATED, summary="Add an objective")
async def post_objective(priority_id: str, body: ObjectiveIn, runtime: RuntimeDep, principal: Officer) -> ObjectiveOut:
    async with runtime.uow(principal.actor) as uow:
        objective = await handlers.add_objective(
            uow, priority_id=priority_id, council=principal.council, title=body.title
        )
    return ObjectiveOut.of(objective)
