"""An award's offer and payment: offered by an officer, accepted by the applicant, each tranche
approved and paid by finance; an underspend cancels the tranches left.
"""

from __future__ import annotations

from fastapi import APIRouter

from services.grants import handlers
from services.grants.api.access import ApplicantOrOfficer, Finance, Officer, OfficerOrFinance
from services.grants.api.schemas import ApplicationOut, CancellationIn, OfferIn
from shared.service import RuntimeDep

router = APIRouter(prefix="/v1", tags=["grants"])


@router.post("/applications/{application_id}/offer", summary="Offer the award on conditions, in tranches")
async def post_offer(application_id: str, body: OfferIn, runtime: RuntimeDep, principal: Officer) -> ApplicationOut:
    async with runtime.uow(principal.actor) as uow:
        application = await handlers.offer_grant(
            uow, principal, application_id, body.conditions, [(t.amount_pence, t.due_on) for t in body.tranches]
        )
    return ApplicationOut.of(application, principal)


@router.post("/applications/{application_id}/accept", summary="Accept the offer and its conditions")
async def post_accept(application_id: str, runtime: RuntimeDep, principal: ApplicantOrOfficer) -> ApplicationOut:
    async with runtime.uow(principal.actor) as uow:
        application = await handlers.accept_offer(uow, principal, application_id)
    return ApplicationOut.of(application, principal)


@router.post("/applications/{application_id}/tranches/{sequence}/approve", summary="Finance approves a tranche")
async def post_approve_tranche(
    application_id: str, sequence: int, runtime: RuntimeDep, principal: Finance
) -> ApplicationOut:
    async with runtime.uow(principal.actor) as uow:
        application = await handlers.approve_tranche(uow, principal, application_id, sequence)
    return ApplicationOut.of(application, principal)


@router.post("/applications/{application_id}/tranches/{sequence}/pay", summary="Pay an approved tranche")
async def post_pay_tranche(
    application_id: str, sequence: int, runtime: RuntimeDep, principal: Finance
) -> ApplicationOut:
    async with runtime.uow(principal.actor) as uow:
        application = await handlers.pay_tranche(uow, principal, application_id, sequence)
    return ApplicationOut.of(application, principal)


@router.post(
    "/applications/{application_id}/tranches/cancel",
    summary="An underspend: cancel the unpaid tranches and release their commitment to the funders",
)
async def post_cancel_tranches(
    application_id: str,
    body: CancellationIn,
    runtime: RuntimeDep,
    principal: OfficerOrFinance,
) -> ApplicationOut:
    async with runtime.uow(principal.actor) as uow:
        application = await handlers.cancel_remaining_tranches(uow, principal, application_id, body.reason)
    return ApplicationOut.of(application, principal)
