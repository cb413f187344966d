"""``/v1/bodies``: a council's boards, forums and partnerships, their chairs, members and terms of reference.

Members' sign-in accounts are shown to officers, who manage the bodies, and to nobody else.
"""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select

from services.actions import handlers, tables
from services.actions.api.access import Officer, Paging, Reader
from services.actions.api.schemas import BodyIn, BodyOut, MembersIn
from services.actions.domain import Body
from shared.http import Page, fetch_page, make_page
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1", tags=["governance"])


@router.post("/bodies", status_code=status.HTTP_201_CREATED, summary="Form a board, forum or partnership")
async def post_body(body: BodyIn, runtime: RuntimeDep, principal: Officer) -> BodyOut:
    async with runtime.uow(principal.actor) as uow:
        formed = await handlers.form_body(
            uow,
            council=principal.council,
            kind=body.kind,
            name=body.name,
            chair=body.chair,
            terms_of_reference=body.terms_of_reference,
            members=[m.member() for m in body.members],
        )
    return BodyOut.of(formed)


@router.get("/bodies", summary="Your council's boards and forums")
async def list_bodies(runtime: RuntimeDep, principal: Reader, page: Paging) -> Page[BodyOut]:
    async with runtime.sessions() as session:
        rows = await fetch_page(
            session,
            select(Body)
            .where(tables.bodies.c.council == principal.council)
            .order_by(tables.bodies.c.name, tables.bodies.c.id),
            page,
        )
    officer = principal.has_any("officer")
    return make_page([BodyOut.of(b, with_accounts=officer) for b in rows], page)


@router.get("/bodies/{body_id}", summary="One board or forum")
async def get_body(body_id: str, runtime: RuntimeDep, principal: Reader) -> BodyOut:
    async with runtime.sessions() as session:
        body = await handlers.body_of(session, body_id, principal.council)
    return BodyOut.of(body, with_accounts=principal.has_any("officer"))


@router.put("/bodies/{body_id}/members", summary="Set who sits on a board or forum")
async def put_members(body_id: str, body: MembersIn, runtime: RuntimeDep, principal: Officer) -> BodyOut:
    async with runtime.uow(principal.actor) as uow:
        changed = await handlers.set_body_members(
            uow, body_id=body_id, council=principal.council, members=[m.member() for m in body.members]
        )
    return BodyOut.of(changed)
