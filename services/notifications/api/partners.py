"""``/v1/partners``: the partner organisations of a council."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, status
from sqlalchemy import select

from services.notifications import tables
from services.notifications.api.access import Officer, OfficerOrPartner, own_partner_filter, visible_partner
from services.notifications.api.schemas import PartnerIn, PartnerOut
from services.notifications.domain import Partner
from services.notifications.handlers import register_partner
from shared import calendar
from shared.http import Page, PageParams, fetch_page, make_page, page_params
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1/partners", tags=["partners"])


@router.post("", status_code=status.HTTP_201_CREATED, summary="Register a partner organisation")
async def post_partner(body: PartnerIn, runtime: RuntimeDep, principal: Officer) -> PartnerOut:
    async with runtime.uow(principal.actor) as uow:
        partner = Partner(
            id=str(uuid.uuid4()), council=principal.council, created_at=calendar.now(), **body.model_dump()
        )
        await register_partner(uow, partner)
    return PartnerOut.model_validate(partner)


@router.get("", summary="Partners you may see")
async def list_partners(
    runtime: RuntimeDep, principal: OfficerOrPartner, page: Annotated[PageParams, Depends(page_params)]
) -> Page[PartnerOut]:
    async with runtime.sessions() as session:
        query = select(Partner).where(*own_partner_filter(principal))  # type: ignore[arg-type]
        rows = await fetch_page(session, query.order_by(tables.partners.c.name, tables.partners.c.id), page)
    return make_page([PartnerOut.model_validate(p) for p in rows], page)


@router.get("/{partner_id}", summary="One partner")
async def get_partner(partner_id: str, runtime: RuntimeDep, principal: OfficerOrPartner) -> PartnerOut:
    async with runtime.sessions() as session:
        return PartnerOut.model_validate(await visible_partner(session, principal, partner_id))
