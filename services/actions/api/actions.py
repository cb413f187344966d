"""``/v1/plans/{id}/actions`` and ``/v1/actions``: a plan's actions with their computed RAG, and their progress."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select

from services.actions import handlers, tables
from services.actions.api.access import AsOf, Officer, Paging, Reader
from services.actions.api.schemas import ActionIn, ActionOut, ProgressIn, ProgressOut
from services.actions.domain import Action, Progress
from shared.calendar import today_in_london
from shared.http import Page, fetch_page, make_page
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1", tags=["action plan"])


@router.post("/plans/{plan_id}/actions", status_code=status.HTTP_201_CREATED, summary="Add an action under a theme")
async def post_action(plan_id: str, body: ActionIn, runtime: RuntimeDep, principal: Officer) -> ActionOut:
    async with runtime.uow(principal.actor) as uow:
        action = await handlers.add_action(uow, plan_id=plan_id, council=principal.council, **body.model_dump())
    return ActionOut.of(action, today_in_london())


@router.get("/plans/{plan_id}/actions", summary="A plan's actions, with their RAG")
async def list_actions(
    plan_id: str, runtime: RuntimeDep, principal: Reader, page: Paging, as_of: AsOf = None
) -> Page[ActionOut]:
    today = as_of or today_in_london()
    async with runtime.sessions() as session:
        await handlers.plan_of(session, plan_id, principal.council)
        rows = await fetch_page(
            session,
            select(Action)
            .where(tables.actions.c.plan_id == plan_id)
            .order_by(tables.actions.c.theme, tables.actions.c.due_on, tables.actions.c.id),
            page,
        )
    return make_page([ActionOut.of(a, today) for a in rows], page)


@router.get("/actions/{action_id}", summary="One action, with its RAG")
async def get_action(action_id: str, runtime: RuntimeDep, principal: Reader, as_of: AsOf = None) -> ActionOut:
    async with runtime.sessions() as session:
        action = await handlers.action_of(session, action_id, principal.council)
    return ActionOut.of(action, as_of or today_in_london())


@router.post("/actions/{action_id}/progress", status_code=status.HTTP_201_CREATED, summary="Record progress")
async def post_progress(action_id: str, body: ProgressIn, runtime: RuntimeDep, principal: Officer) -> ActionOut:
    async with runtime.uow(principal.actor) as uow:
        action, _ = await handlers.record_progress(
            uow, action_id=action_id, council=principal.council, **body.model_dump()
        )
    return ActionOut.of(action, today_in_london())


@router.get("/actions/{action_id}/progress", summary="An action's progress updates, latest first")
async def list_progress(action_id: str, runtime: RuntimeDep, principal: Reader, page: Paging) -> Page[ProgressOut]:
    async with runtime.sessions() as session:
        await handlers.action_of(session, action_id, principal.council)
        rows = await fetch_page(
            session,
            select(Progress)
            .where(tables.progress_updates.c.action_id == action_id)
            .order_by(tables.progress_updates.c.recorded_at.desc(), tables.progress_updates.c.id),
            page,
        )
    return make_page([ProgressOut.of(p) for p in rows], page)
