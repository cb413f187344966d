"""``/v1/suppressions``: the council's suppression list, addresses never emailed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status
from sqlalchemy import select

from services.notifications import tables
from services.notifications.api.access import Officer
from services.notifications.api.schemas import SuppressionIn, SuppressionOut
from services.notifications.domain import InvalidEmailAddress, Suppression, email_address_problem
from services.notifications.handlers import add_suppression, remove_suppression
from shared.http import Page, PageParams, fetch_page, make_page, page_params
from shared.problems import Problem
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1/suppressions", tags=["suppressions"])


@router.get("", summary="The council's suppression list: addresses never emailed")
async def list_suppressions(
    runtime: RuntimeDep, principal: Officer, page: Annotated[PageParams, Depends(page_params)]
) -> Page[SuppressionOut]:
    async with runtime.sessions() as session:
        rows = await fetch_page(
            session,
            select(Suppression)
            .where(tables.suppressions.c.council == principal.council)
            .order_by(tables.suppressions.c.address),
            page,
        )
    return make_page([SuppressionOut.model_validate(r) for r in rows], page)


@router.post("", status_code=status.HTTP_201_CREATED, summary="Never email an address again")
async def post_suppression(body: SuppressionIn, runtime: RuntimeDep, principal: Officer) -> SuppressionOut:
    problem = email_address_problem(body.address.strip())
    if problem:
        raise InvalidEmailAddress(problem)
    async with runtime.uow(principal.actor) as uow:
        suppression = await add_suppression(uow, principal.council, body.address, "requested")
        await uow.commit()
    return SuppressionOut.model_validate(suppression)


@router.delete("/{suppression_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Email an address again")
async def delete_suppression(suppression_id: str, runtime: RuntimeDep, principal: Officer) -> None:
    async with runtime.uow(principal.actor) as uow:
        suppression = await uow.session.get(Suppression, suppression_id, with_for_update=True)
        if suppression is None or suppression.council != principal.council:
            raise Problem(404, "Suppression not found", f"No suppression {suppression_id} in {principal.council}.")
        await remove_suppression(uow, suppression)
        await uow.commit()
