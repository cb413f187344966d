"""Quarterly updates to the portfolio Cabinet Member (``/v1/wards/{gss_code}/quarterly-updates``): officers
and the ward's own members send and read them."""

from __future__ import annotations

from fastapi import APIRouter, status

from services.wards.api.access import OfficerOrWardMember, own_wards
from services.wards.api.neighbourhood_schemas import UpdateIn, UpdateOut
from services.wards.domain import InvalidUpdate, ensure_own_ward
from services.wards.handlers import submit_quarterly_update, updates_of, ward_of
from shared.calendar import FinancialYear
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1/wards", tags=["quarterly updates"])


@router.post(
    "/{gss_code}/quarterly-updates", status_code=status.HTTP_201_CREATED, summary="Send the ward's quarterly update"
)
async def post_update(gss_code: str, body: UpdateIn, runtime: RuntimeDep, principal: OfficerOrWardMember) -> UpdateOut:
    """Progress against the ward plan, spend and issues, once per quarter; due by the end of the month after."""
    ensure_own_ward(own_wards(principal), gss_code, "sends the quarterly updates")
    try:
        year = FinancialYear.parse(body.financial_year)
    except ValueError as exc:
        raise InvalidUpdate(str(exc), financial_year=body.financial_year) from None
    async with runtime.uow(principal.actor) as uow:
        update = await submit_quarterly_update(
            uow,
            council=principal.council,
            gss_code=gss_code,
            year=year,
            quarter=body.quarter,
            progress=body.progress,
            spend_pence=body.spend_pence,
            issues=body.issues,
        )
    return UpdateOut.of(update)


@router.get("/{gss_code}/quarterly-updates", summary="The ward's quarterly updates, latest first")
async def list_updates(gss_code: str, runtime: RuntimeDep, principal: OfficerOrWardMember) -> list[UpdateOut]:
    ensure_own_ward(own_wards(principal), gss_code, "reads the quarterly updates")
    async with runtime.sessions() as session:
        await ward_of(session, principal.council, gss_code)
        return [UpdateOut.of(u) for u in await updates_of(session, principal.council, gss_code)]
