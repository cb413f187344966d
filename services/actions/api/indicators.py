"""``/v1/plans/{id}/indicators`` and ``/v1/indicators``: priority indicators, their values and direction of travel."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select

from services.actions import handlers, tables
from services.actions.api.access import Officer, Paging, Reader
from services.actions.api.schemas import IndicatorIn, IndicatorOut, IndicatorValueIn
from services.actions.domain import Indicator
from shared.http import Page, fetch_page, make_page
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1", tags=["action plan"])


@router.post("/plans/{plan_id}/indicators", status_code=status.HTTP_201_CREATED, summary="Add a priority indicator")
async def post_indicator(plan_id: str, body: IndicatorIn, runtime: RuntimeDep, principal: Officer) -> IndicatorOut:
    async with runtime.uow(principal.actor) as uow:
        indicator = await handlers.add_indicator(uow, plan_id=plan_id, council=principal.council, **body.model_dump())
    return IndicatorOut.of(indicator, [])


@router.get("/plans/{plan_id}/indicators", summary="A plan's indicators, with values and direction of travel")
async def list_indicators(plan_id: str, runtime: RuntimeDep, principal: Reader, page: Paging) -> Page[IndicatorOut]:
    async with runtime.sessions() as session:
        await handlers.plan_of(session, plan_id, principal.council)
        rows = await fetch_page(
            session,
            select(Indicator)
            .where(tables.indicators.c.plan_id == plan_id)
            .order_by(tables.indicators.c.title, tables.indicators.c.id),
            page,
        )
        out = [IndicatorOut.of(i, await handlers.values_of(session, i.id)) for i in rows]
    return make_page(out, page)


@router.get("/indicators/{indicator_id}", summary="One indicator, with values and direction of travel")
async def get_indicator(indicator_id: str, runtime: RuntimeDep, principal: Reader) -> IndicatorOut:
    async with runtime.sessions() as session:
        indicator = await handlers.indicator_of(session, indicator_id, principal.council)
        values = await handlers.values_of(session, indicator.id)
    return IndicatorOut.of(indicator, values)


@router.post("/indicators/{indicator_id}/values", status_code=status.HTTP_201_CREATED, summary="Record a value")
async def post_indicator_value(
    indicator_id: str, body: IndicatorValueIn, runtime: RuntimeDep, principal: Officer
) -> IndicatorOut:
    async with runtime.uow(principal.actor) as uow:
        indicator, _, values = await handlers.record_indicator_value(
            uow, indicator_id=indicator_id, council=principal.council, **body.model_dump()
        )
    return IndicatorOut.of(indicator, values)
