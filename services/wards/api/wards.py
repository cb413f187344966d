"""The wards of a council (``/v1/wards``): list, read, register or update, publish again."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status
from sqlalchemy import select

from services.wards.api.access import Admin, Officer
from services.wards.api.schemas import WardIn, WardOut
from services.wards.domain import Ward
from services.wards.handlers import register_wards, republish_wards, ward_of
from services.wards.tables import wards
from shared.auth import Authenticated
from shared.http import Page, PageParams, fetch_page, make_page, page_params
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1/wards", tags=["wards"])


@router.get("", summary="Wards of your council")
async def list_wards(
    runtime: RuntimeDep, principal: Authenticated, page: Annotated[PageParams, Depends(page_params)]
) -> Page[WardOut]:
    async with runtime.sessions() as session:
        rows = await fetch_page(
            session, select(Ward).where(wards.c.local_authority_gss == principal.council).order_by(wards.c.name), page
        )
    return make_page([WardOut.of(w) for w in rows], page)


@router.get("/{gss_code}", summary="One ward")
async def get_ward(gss_code: str, runtime: RuntimeDep, principal: Authenticated) -> WardOut:
    async with runtime.sessions() as session:
        ward = await ward_of(session, principal.council, gss_code)
    return WardOut.of(ward)


@router.post("", status_code=status.HTTP_201_CREATED, summary="Register or update wards of your council")
async def post_wards(body: list[WardIn], runtime: RuntimeDep, principal: Officer) -> list[WardOut]:
    incoming = [Ward(local_authority_gss=principal.council, **w.model_dump()) for w in body]
    async with runtime.uow(principal.actor) as uow:
        changed = await register_wards(uow, incoming)
    return [WardOut.of(w) for w in changed]


@router.post(":republish", summary="Publish every ward of your council again (for a new subscriber)")
async def post_republish(runtime: RuntimeDep, principal: Admin) -> dict[str, int]:
    async with runtime.uow(principal.actor) as uow:
        count = await republish_wards(uow, principal.council)
    return {"published": count}
